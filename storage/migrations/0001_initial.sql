-- Flowbench workspace schema, version 1.
--
-- Conventions: timestamps are TIMESTAMP values holding UTC (the store converts them to and from
-- timezone-aware datetimes); JSON documents are TEXT.
--
-- No FOREIGN KEY constraints, on purpose. DuckDB refuses to delete a parent row in the same
-- transaction that deletes its children (so a draft and its history could not go atomically),
-- and it turns an UPDATE of an indexed column into a delete + insert that a foreign key refuses.
-- The store is the only writer and keeps references consistent itself.

CREATE TABLE experiments (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

-- `seq` orders runs by creation even when two share a timestamp or the clock steps back.
CREATE SEQUENCE runs_seq START 1;

CREATE TABLE runs (
    id                    TEXT PRIMARY KEY,
    seq                   BIGINT NOT NULL DEFAULT nextval('runs_seq'),
    experiment            TEXT NOT NULL,
    name                  TEXT NOT NULL,
    status                TEXT NOT NULL,
    spec                  TEXT NOT NULL,
    parameters            TEXT NOT NULL,
    source                TEXT NOT NULL,
    force_rerun           BOOLEAN NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    started_at            TIMESTAMP,
    finished_at           TIMESTAMP,
    error                 TEXT,
    cloned_from           TEXT,
    published_pipeline_id TEXT
);
CREATE INDEX runs_experiment ON runs (experiment);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE step_runs (
    run_id            TEXT NOT NULL,
    node_id           TEXT NOT NULL,
    position          INTEGER NOT NULL,  -- creation order within the run
    component_id      TEXT NOT NULL,
    component_version INTEGER NOT NULL,
    status            TEXT NOT NULL,
    reused            BOOLEAN NOT NULL DEFAULT false,
    reused_from       TEXT,
    cache_key         TEXT NOT NULL DEFAULT '',
    job_id            TEXT,
    queue             TEXT NOT NULL,
    outputs           TEXT NOT NULL DEFAULT '{}',
    metrics           TEXT NOT NULL DEFAULT '{}',
    log_uri           TEXT,
    error             TEXT,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    duration_s        DOUBLE,
    PRIMARY KEY (run_id, node_id)
);
CREATE INDEX step_runs_cache_key ON step_runs (cache_key);

CREATE TABLE datasets (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE dataset_versions (
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    uri          TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    row_count    BIGINT NOT NULL,
    columns      TEXT NOT NULL,
    source       TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE drafts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    spec          TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    source_run_id TEXT
);

-- The specs a draft had before each save, for undo. `revision` is the revision that spec had.
CREATE TABLE draft_history (
    draft_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    spec     TEXT NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (draft_id, revision)
);

CREATE TABLE models (
    name       TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE model_versions (
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    uri         TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    node_id     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version)
);

CREATE TABLE compute_targets (
    name        TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_default  BOOLEAN NOT NULL DEFAULT false
);

INSERT INTO compute_targets (name, queue, description, is_default)
VALUES ('default', 'default', 'The local RQ queue that every worker listens on.', true);
