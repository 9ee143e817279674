-- Compute targets of kind "kubernetes": a Deployment of workers on a cluster that serves the
-- target's queue. The compute_targets row stays as it is (name, queue, default); this table adds
-- where and how the workers run. No secret is stored: the Redis password and the artifact
-- store's credentials go from the control plane's environment straight into a Kubernetes Secret.
CREATE TABLE kube_compute_targets (
    name        TEXT PRIMARY KEY,           -- compute_targets.name
    settings    TEXT NOT NULL,              -- JSON: context, namespace, image, replicas, ...
    scaler      TEXT,                       -- what the last deploy used: keda | replicas
    deployed_at TIMESTAMP,
    error       TEXT                        -- why the last deploy failed, if it did
);
