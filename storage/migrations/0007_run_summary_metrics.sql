-- The first metrics of a completed run, kept on the run itself (JSON object text), so the runs
-- table with metrics (/run-summaries) reads one table in one query instead of every step of
-- every listed run. NULL: not recorded (runs completed before this migration; the reader
-- falls back to their steps).
ALTER TABLE runs ADD COLUMN summary_metrics TEXT;
