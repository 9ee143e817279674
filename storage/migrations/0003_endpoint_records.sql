-- Real-time endpoints get what a deployment needs (lineage, resources, URLs, errors), their
-- deployment logs get a table, and registered model versions get their metrics.

ALTER TABLE realtime_endpoints ADD COLUMN description TEXT DEFAULT '';
ALTER TABLE realtime_endpoints ADD COLUMN swagger_url TEXT;
ALTER TABLE realtime_endpoints ADD COLUMN inference_run_id TEXT;
ALTER TABLE realtime_endpoints ADD COLUMN training_run_id TEXT;
ALTER TABLE realtime_endpoints ADD COLUMN model TEXT;           -- e.g. "car-price v2" or a step
ALTER TABLE realtime_endpoints ADD COLUMN bundle_uri TEXT;      -- artifact URI of the bundle file
ALTER TABLE realtime_endpoints ADD COLUMN resources TEXT DEFAULT '{}';  -- JSON: cpu, memory, ...
ALTER TABLE realtime_endpoints ADD COLUMN error TEXT;
ALTER TABLE realtime_endpoints ADD COLUMN updated_at TIMESTAMP;

-- One line per deployment event, in order; `seq` orders lines written in the same instant.
CREATE SEQUENCE endpoint_log_seq;
CREATE TABLE endpoint_logs (
    endpoint TEXT NOT NULL,
    seq      BIGINT NOT NULL DEFAULT nextval('endpoint_log_seq'),
    logged_at TIMESTAMP NOT NULL,
    message  TEXT NOT NULL
);

-- Metrics of a registered model version (the Evaluate Model step of its run), JSON text.
CREATE TABLE model_version_metrics (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
