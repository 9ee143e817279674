"""Importing this package registers every built-in component."""

from components.library import (  # noqa: F401
    classification,
    clean_missing_data,
    edit_metadata,
    evaluate_model,
    model_scoring,
    model_training,
    normalize_data,
    regression,
    select_columns,
    split_data,
)
