"""The control plane: FastAPI routes over the run, dataset and draft services."""
