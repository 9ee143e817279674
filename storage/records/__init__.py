"""The workspace database's records, one repository per kind, all sharing one `Database`
(`storage._duckdb_db`: one connection, per-thread cursors, one write lock):

- `runs`: experiments, runs and their steps
- `datasets`: datasets and their versions
- `drafts`: drafts and their undo history
- `models`: model versions and their metrics
- `compute`: compute targets and their Kubernetes settings
- `endpoints`: real-time endpoints and their deployment logs
- `pipelines`: published pipelines, schedules, run origins and dataset lineage

`storage.workspace.WorkspaceStore` is the facade over them.
"""
