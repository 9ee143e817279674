-- Tables for published pipeline endpoints and real-time endpoints. The store has no methods
-- for them yet; they are here so later features add verbs, not migrations.

-- A pipeline endpoint (endpoint_name) groups published versions of a pipeline; one is the
-- default that a call without a version runs.
CREATE TABLE published_pipelines (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    endpoint_name TEXT NOT NULL,
    version       INTEGER NOT NULL,
    spec          TEXT NOT NULL,
    is_default    BOOLEAN NOT NULL DEFAULT false,
    enabled       BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (endpoint_name, version)
);

-- Only hashes of the bearer keys are stored; the keys are shown once when generated.
CREATE TABLE realtime_endpoints (
    name               TEXT PRIMARY KEY,
    inference_spec     TEXT NOT NULL,
    status             TEXT NOT NULL,
    target             TEXT NOT NULL,  -- local | kubernetes
    url                TEXT,
    primary_key_hash   TEXT,
    secondary_key_hash TEXT,
    created_at         TIMESTAMP NOT NULL
);
