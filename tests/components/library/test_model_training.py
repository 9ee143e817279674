"""Tests of Train Model and of what a trained model is built from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.svm import LinearSVR

from components import metadata
from components.errors import ComponentInputError
from components.ml.features import MAX_CATEGORIES
from components.ml.learners import Learner
from components.ml.tasks import Task

Run = Callable[..., dict[str, Any]]
Train = Callable[..., Any]


def test_label_comes_from_metadata(train: Train, table: pd.DataFrame) -> None:
    """With no label chosen, the column marked as label is predicted and not used as feature."""
    model = train("linear_regression", table)
    assert model.label_column == "price"
    assert "price" not in model.feature_columns
    assert set(model.feature_columns) == set(table.columns) - {"price"}


def test_explicit_label_overrides_metadata(train: Train, table: pd.DataFrame) -> None:
    """A chosen label column wins; the column marked as label is not a feature either."""
    model = train("two_class_logistic_regression", table, "expensive")
    assert model.label_column == "expensive"
    assert "price" not in model.feature_columns


@pytest.mark.parametrize(
    ("roles", "label", "message"),
    [
        ({}, "prize", r"Label column 'prize' not found; available: make, body, turbo"),
        ({"price": metadata.FEATURE}, None, r"No label column: choose one in 'Label column'"),
        (
            {"doors": metadata.LABEL},
            None,
            r"Several columns are marked as label \('doors', "
            r"'price'\)|\('price', 'doors'\)",
        ),
    ],
)
def test_label_problems(
    train: Train, table: pd.DataFrame, roles: dict[str, str], label: str | None, message: str
) -> None:
    """A missing, unmarked or ambiguous label is a user error that says what to do."""
    with pytest.raises(ComponentInputError, match=message):
        train("linear_regression", metadata.with_roles(table, roles), label)


def test_rows_without_label_are_ignored(train: Train, table: pd.DataFrame) -> None:
    """Training with some labels missing equals training on the labelled rows only."""
    gappy = table.copy()
    gappy.loc[[0, 5, 6], "price"] = np.nan
    with_gaps = train("linear_regression", gappy)
    without = train("linear_regression", gappy.dropna(subset=["price"]))
    pd.testing.assert_frame_equal(with_gaps.predict_frame(table), without.predict_frame(table))


def test_binary_learner_rejects_three_classes(train: Train, table: pd.DataFrame) -> None:
    """A two-class learner given a three-class label names the column and the classes."""
    with pytest.raises(
        ComponentInputError,
        match=r"needs a label with exactly two classes; column 'body' has 3: "
        r"'hatchback', 'sedan', 'wagon'",
    ):
        train("two_class_logistic_regression", table, "body")


def test_regression_learner_rejects_text_label(train: Train, table: pd.DataFrame) -> None:
    """A regression learner given a text label names the column and its type."""
    with pytest.raises(
        ComponentInputError,
        match=r"Linear Regression needs a numeric label; column 'expensive' is "
        r"String",
    ):
        train("linear_regression", table, "expensive")


def test_scores_and_cleared_columns_are_not_features(train: Train, table: pd.DataFrame) -> None:
    """Columns with the score or none role are left out of the features."""
    marked = metadata.with_roles(table, {"expensive": metadata.SCORE, "make": metadata.NONE})
    model = train("linear_regression", marked)
    assert "expensive" not in model.feature_columns and "make" not in model.feature_columns


def test_mixed_types_are_encoded_inside_the_model(train: Train, table: pd.DataFrame) -> None:
    """Text, categorical, boolean and date features train and score from raw rows."""
    model = train("boosted_decision_tree_regression", table, seed=0)
    kinds = dict(zip(model.features.columns, model.features.kinds, strict=True))
    assert kinds == {
        "make": "categorical",
        "body": "categorical",
        "turbo": "boolean",
        "horsepower": "numeric",
        "doors": "numeric",
        "sold": "datetime",
        "expensive": "categorical",
    }
    assert model.predict_frame(table)["Scored Labels"].notna().all()


def test_high_cardinality_text_is_capped(train: Train) -> None:
    """A text column with thousands of distinct values yields a bounded number of indicators."""
    rows = 3000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "id": [f"customer-{i}" for i in range(rows)],
            "city": rng.choice([f"city{i}" for i in range(400)], rows),
            "x": rng.normal(size=rows),
            "y": rng.normal(size=rows),
        }
    )
    model = train("linear_regression", metadata.with_roles(df, {"y": metadata.LABEL}))
    encoded = model.pipeline[0].transform(model.features.prepare(df))
    assert encoded.shape[1] <= 1 + 1 + MAX_CATEGORIES  # x, one shared id column, capped city
    unseen = df.head(2).assign(id=["new-1", "new-2"], city=["Atlantis", "city1"])
    assert model.predict_frame(unseen)["Scored Labels"].notna().all()


def test_training_warnings_reach_the_step_log(
    table: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    """Warnings raised while fitting (here: no convergence) are printed for the step log."""
    learner = Learner("Tiny SVR", Task.REGRESSION, LinearSVR(max_iter=1, random_state=0))
    learner.fit(table, "price")
    assert "Warning while training Tiny SVR" in capsys.readouterr().out


def test_training_leaves_the_learner_unfitted(train: Train, run: Run, table: pd.DataFrame) -> None:
    """Train Model fits a copy: the untrained model can feed other Train Model steps."""
    learner = run("linear_regression")["untrained_model"]
    run("train_model", {"untrained_model": learner, "dataset": table})
    assert not hasattr(learner.estimator, "coef_")


def test_train_model_rejects_other_objects(run: Run, table: pd.DataFrame) -> None:
    """Anything but an untrained model on the model port is reported by port name."""
    with pytest.raises(
        ComponentInputError,
        match=r"Input 'Untrained model' expects an "
        r"untrained model.*got DataFrame",
    ):
        run("train_model", {"untrained_model": table, "dataset": table})
