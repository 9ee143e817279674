-- Finding a run's steps by an index. DuckDB scans a table by an index only for an equality on a
-- single indexed column, and only when that is the scan's one filter: never by the primary key
-- (run_id, node_id). So every read or write of a run's steps scanned all of step_runs: 10 to
-- 23 ms at 100,000 runs of 7 to 14 steps, against 2 to 5 ms with this index, as in a new
-- workspace (bench/step_records.py). Statements that look up a run's steps filter on run_id
-- alone (see storage/records/runs.py).
CREATE INDEX step_runs_run ON step_runs (run_id);
