-- No index on a run's status. DuckDB's planner never used it (a run listing filters by status
-- with a scan either way), and DuckDB turns an UPDATE of an indexed column into a delete and an
-- insert of the whole row: each status change of a run (queued, running, its end) paid for
-- that, about 1.3 ms of the control plane's time, measured on a 100,000-run workspace.
DROP INDEX runs_status;
