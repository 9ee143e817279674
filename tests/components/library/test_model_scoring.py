"""Tests of Score Model and Apply Transformation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from components import metadata
from components.errors import ComponentInputError
from components.ml.learners import Learner
from components.ml.tasks import Task

Run = Callable[..., dict[str, Any]]
Train = Callable[..., Any]


def score(run: Run, model: Any, df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    return run("score_model", {"trained_model": model, "dataset": df}, **params)["scored_dataset"]


def test_regression_appends_scored_labels(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Regression adds 'Scored Labels' with the score role; the label keeps its role."""
    scored = score(run, train("linear_regression", table), table)
    assert list(scored.columns) == [*table.columns, "Scored Labels"]
    roles = metadata.roles(scored)
    assert roles["Scored Labels"] == metadata.SCORE and roles["price"] == metadata.LABEL
    assert scored["Scored Labels"].dtype == np.float64


def test_label_role_set_for_chosen_label(run: Run, train: Train, table: pd.DataFrame) -> None:
    """A label chosen in Train Model gets the label role in the scored data for Evaluate Model."""
    unmarked = metadata.with_roles(table, {"price": metadata.FEATURE})
    scored = score(run, train("two_class_logistic_regression", unmarked, "expensive"), unmarked)
    assert metadata.roles(scored)["expensive"] == metadata.LABEL
    assert list(scored.columns[-2:]) == ["Scored Labels", "Scored Probabilities"]


def test_model_label_is_the_only_label(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Scoring with a model trained on another label makes that label the only one."""
    model = train("two_class_logistic_regression", table, "expensive")
    scored_table = score(run, model, table)
    roles = metadata.roles(scored_table)
    assert roles["expensive"] == metadata.LABEL and roles["price"] == metadata.FEATURE
    result = run("evaluate_model", {"scored_dataset": scored_table})["evaluation_results"]
    assert "AUC" in result.columns


def test_scores_only(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Without appending, the output holds the true label (when present) and the scores."""
    model = train("linear_regression", table)
    assert list(score(run, model, table, append_score_columns=False).columns) == [
        "price",
        "Scored Labels",
    ]
    unlabelled = table.drop(columns=["price"])
    assert list(score(run, model, unlabelled, append_score_columns=False).columns) == [
        "Scored Labels"
    ]


def test_rescoring_replaces_scores(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Scoring an already scored dataset replaces the score columns instead of repeating them."""
    model = train("linear_regression", table)
    twice = score(run, model, score(run, model, table))
    assert list(twice.columns).count("Scored Labels") == 1


def test_multiclass_scores_per_class(table: pd.DataFrame, run: Run) -> None:
    """A multiclass model adds one probability column per class; the label is the likeliest."""
    learner = Learner("Demo Multiclass", Task.MULTICLASS, LogisticRegression(max_iter=500))
    model = learner.fit(table, "body")
    scored = score(run, model, table)
    classes = sorted(table["body"].unique())
    columns = [f"Scored Probabilities_{c}" for c in classes]
    assert list(scored.columns[-4:]) == ["Scored Labels", *columns]
    probabilities = scored[columns].to_numpy()
    assert probabilities.sum(axis=1) == pytest.approx(np.ones(len(table)))
    likeliest = np.asarray(classes)[probabilities.argmax(axis=1)]
    assert scored["Scored Labels"].tolist() == likeliest.tolist()


def test_missing_features_are_listed(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Scoring data without some feature columns names every missing one."""
    model = train("linear_regression", table)
    with pytest.raises(
        ComponentInputError,
        match=r"lacks feature column\(s\) 'horsepower', 'sold' that the model "
        r"was trained on",
    ):
        score(run, model, table.drop(columns=["horsepower", "sold"]))


def test_raw_request_rows_score_like_typed_rows(
    run: Run, train: Train, table: pd.DataFrame
) -> None:
    """Rows as a web request sends them (numbers as text, dates as text) score the same."""
    model = train("linear_regression", table)
    typed = table.head(3)
    raw = typed.astype(object).assign(
        horsepower=[f"{v:,.0f}" if v == v else None for v in typed["horsepower"]],
        sold=typed["sold"].dt.strftime("%Y-%m-%d"),
        turbo=["true", "false", "false"],
    )
    expected = score(run, model, typed)["Scored Labels"]
    assert score(run, model, raw)["Scored Labels"].to_numpy() == pytest.approx(expected)


def test_unseen_category_scores(run: Run, train: Train, table: pd.DataFrame) -> None:
    """A category never seen in training is scored instead of failing."""
    model = train("linear_regression", table)
    new = table.head(2).assign(make=["tesla", "tesla"])
    assert score(run, model, new)["Scored Labels"].notna().all()


def test_bad_numeric_value_names_column(run: Run, train: Train, table: pd.DataFrame) -> None:
    """Text that is not a number in a numeric feature is reported with the column."""
    model = train("linear_regression", table)
    bad = table.head(2).astype(object).assign(horsepower=["fast", "110"])
    with pytest.raises(
        ComponentInputError,
        match=r"Column 'horsepower' cannot be converted to "
        r"a number: value 'fast'",
    ):
        score(run, model, bad)


def test_empty_dataset_scores_to_empty(run: Run, train: Train, table: pd.DataFrame) -> None:
    """No rows in, no rows out, with the score columns present."""
    scored = score(run, train("two_class_logistic_regression", table, "expensive"), table.head(0))
    assert len(scored) == 0 and "Scored Probabilities" in scored.columns


@pytest.mark.parametrize(
    ("component", "port", "message"),
    [
        (
            "score_model",
            "trained_model",
            r"Input 'Trained model' expects a model trained by Train "
            r"Model; got Learner",
        ),
        (
            "apply_transformation",
            "transformation",
            r"Input 'Transformation' expects a "
            r"transformation.*got Learner",
        ),
    ],
)
def test_wrong_object_on_port(
    run: Run, table: pd.DataFrame, component: str, port: str, message: str
) -> None:
    """An object of the wrong kind on a model or transformation port is named by port."""
    learner = run("linear_regression")["untrained_model"]
    with pytest.raises(ComponentInputError, match=message):
        run(component, {port: learner, "dataset": table})
