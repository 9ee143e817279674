"""Inference pipelines: from a finished training run to a real-time or batch pipeline."""
