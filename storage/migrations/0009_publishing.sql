-- Published pipelines: pipeline endpoints with keys, what each published version came from,
-- schedules with the last tick they fired, the runs endpoints and schedules started, and the
-- lineage of datasets registered from a run's output.

-- A pipeline endpoint groups the published versions (published_pipelines.endpoint_name) of one
-- named pipeline. Only the sha256 of its key is kept; the key is shown once.
CREATE TABLE pipeline_endpoints (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    key_hash    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

ALTER TABLE published_pipelines ADD COLUMN description TEXT DEFAULT '';
ALTER TABLE published_pipelines ADD COLUMN source_kind TEXT DEFAULT 'spec';  -- draft | run | spec
ALTER TABLE published_pipelines ADD COLUMN source_id TEXT;

-- A recurring run of an endpoint: a cron expression (croniter) or an interval in seconds.
-- last_tick is the newest tick that fired: with a Redis SET NX per (schedule, tick) it keeps a
-- tick from firing twice across restarts and control planes.
CREATE TABLE pipeline_schedules (
    id               TEXT PRIMARY KEY,
    endpoint_name    TEXT NOT NULL,
    version          INTEGER,          -- null: the endpoint's default version at each tick
    cron             TEXT,
    interval_s       INTEGER,
    parameters       TEXT NOT NULL,    -- JSON: pipeline parameter values, datasets included
    experiment       TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    paused           BOOLEAN NOT NULL DEFAULT false,
    start_at         TIMESTAMP NOT NULL,
    last_tick        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL
);

-- What started a run through an endpoint or a schedule, with the caller's description and tags.
CREATE TABLE pipeline_run_sources (
    run_id        TEXT PRIMARY KEY,
    endpoint_name TEXT NOT NULL,
    version       INTEGER NOT NULL,
    schedule_id   TEXT,
    tick          TIMESTAMP,
    description   TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '{}',
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX pipeline_run_sources_endpoint ON pipeline_run_sources (endpoint_name);
CREATE INDEX pipeline_run_sources_schedule ON pipeline_run_sources (schedule_id);

-- Where a dataset version registered from a run came from.
CREATE TABLE dataset_lineage (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    run_id  TEXT NOT NULL,
    node_id TEXT NOT NULL,
    port    TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
