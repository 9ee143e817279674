"""What a model predicts: the one list of tasks, for learners, evaluation and sample datasets."""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    """What a learner predicts; decides the score columns and the evaluation metrics."""

    REGRESSION = "regression"
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    QUANTILE_REGRESSION = "quantile_regression"
    CLUSTERING = "clustering"
    ANOMALY_DETECTION = "anomaly_detection"

    @property
    def text(self) -> str:
        """The task as words in a sentence ("binary classification")."""
        return self.value.replace("_", " ")


# Tasks whose learners Train Model fits to a label.
SUPERVISED = (Task.REGRESSION, Task.BINARY, Task.MULTICLASS, Task.QUANTILE_REGRESSION)
CLASSIFICATION = (Task.BINARY, Task.MULTICLASS)
NUMERIC_LABEL = (Task.REGRESSION, Task.QUANTILE_REGRESSION)
