"""Tests of Evaluate Model against scikit-learn's metrics on the same scores."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
RNG = np.random.default_rng(11)


def scored(label: Any, role_label: bool = True, **scores: Any) -> pd.DataFrame:
    df = pd.DataFrame({"truth": label, **scores})
    return metadata.with_roles(df, {"truth": metadata.LABEL} if role_label else {})


def evaluate(run: Run, left: pd.DataFrame, right: pd.DataFrame | None = None) -> pd.DataFrame:
    inputs = {"scored_dataset": left, "scored_dataset_to_compare": right}
    return run("evaluate_model", inputs)["evaluation_results"]


@pytest.fixture
def regression() -> pd.DataFrame:
    """50 numeric labels and noisy predictions of them."""
    truth = RNG.normal(100, 20, 50)
    return scored(truth, **{"Scored Labels": truth + RNG.normal(0, 8, 50)})


@pytest.fixture
def binary() -> pd.DataFrame:
    """60 yes/no labels with probabilities of 'yes' and labels thresholded at 0.5."""
    truth = RNG.choice(["no", "yes"], 60)
    probability = np.clip(np.where(truth == "yes", 0.65, 0.35) + RNG.normal(0, 0.2, 60), 0, 1)
    return scored(
        truth,
        **{
            "Scored Labels": np.where(probability > 0.5, "yes", "no"),
            "Scored Probabilities": probability,
        },
    )


def test_regression_metrics(run: Run, regression: pd.DataFrame) -> None:
    """Regression metrics agree with scikit-learn and the textbook relative errors."""
    row = evaluate(run, regression).iloc[0]
    y, p = regression["truth"].to_numpy(), regression["Scored Labels"].to_numpy()
    assert row["Mean_Absolute_Error"] == pytest.approx(skm.mean_absolute_error(y, p))
    assert row["Root_Mean_Squared_Error"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, p)))
    assert row["Coefficient_of_Determination"] == pytest.approx(skm.r2_score(y, p))
    assert row["Relative_Squared_Error"] == pytest.approx(
        ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    )
    assert row["Relative_Absolute_Error"] == pytest.approx(
        np.abs(y - p).sum() / np.abs(y - y.mean()).sum()
    )


def test_binary_metrics(run: Run, binary: pd.DataFrame) -> None:
    """Binary metrics agree with scikit-learn with 'yes' as the positive class."""
    row = evaluate(run, binary).iloc[0]
    y, said = binary["truth"], binary["Scored Labels"]
    probability = binary["Scored Probabilities"]
    tn, fp, fn, tp = skm.confusion_matrix(y, said, labels=["no", "yes"]).ravel()
    assert row["AUC"] == pytest.approx(skm.roc_auc_score(y == "yes", probability))
    assert row["Accuracy"] == pytest.approx(skm.accuracy_score(y, said))
    assert row["Precision"] == pytest.approx(skm.precision_score(y, said, pos_label="yes"))
    assert row["Recall"] == pytest.approx(skm.recall_score(y, said, pos_label="yes"))
    assert row["F1"] == pytest.approx(skm.f1_score(y, said, pos_label="yes"))
    assert (
        row["True Negative"],
        row["False Positive"],
        row["False Negative"],
        row["True Positive"],
    ) == (tn, fp, fn, tp)


def test_positive_class_read_from_probabilities(run: Run) -> None:
    """The positive class is the one scored above 0.5, even when it sorts first."""
    df = scored(
        ["bad", "good", "bad", "good"],
        **{
            "Scored Labels": ["bad", "good", "good", "good"],
            "Scored Probabilities": [0.9, 0.2, 0.1, 0.3],
        },
    )  # P(bad)
    row = evaluate(run, df).iloc[0]
    assert (row["True Positive"], row["False Negative"], row["True Negative"]) == (1, 1, 2)


def test_one_class_all_scored_negative_counts_no_positive(run: Run) -> None:
    """One class in the rows, every probability under 0.5: those rows are true negatives (the
    issue's case: TP 4, TN 0, precision 1.0 before), as scikit-learn counts them."""
    truth, said = ["No"] * 4, ["No"] * 4
    row = evaluate(
        run, scored(truth, **{"Scored Labels": said, "Scored Probabilities": [0.1, 0.2, 0.3, 0.4]})
    ).iloc[0]
    tn, fp, fn, tp = skm.confusion_matrix(truth, said, labels=["No", "Yes"]).ravel()
    assert (
        (row["True Negative"], row["False Positive"], row["False Negative"], row["True Positive"])
        == (tn, fp, fn, tp)
        == (4, 0, 0, 0)
    )
    assert row["Precision"] == skm.precision_score(
        truth, said, pos_label="Yes", labels=["No", "Yes"], zero_division=0.0
    )
    assert row["Accuracy"] == skm.accuracy_score(truth, said)


def test_declared_categories_name_the_positive_class(run: Run) -> None:
    """A categorical label that declares both classes gives the positive one its name."""
    from components.ml.evaluation import label_classes, positive_class

    label = pd.Series(pd.Categorical(["No"] * 3, categories=["No", "Yes"]))
    said = np.array(["No"] * 3, dtype=object)
    assert positive_class(said, said, np.array([0.1, 0.2, 0.3]), label_classes(label)) == "Yes"


def test_auc_is_zero_with_one_class(run: Run) -> None:
    """AUC is reported as 0.0 when the true labels hold a single class."""
    df = scored([1, 1, 1], **{"Scored Labels": [1, 0, 1], "Scored Probabilities": [0.8, 0.3, 0.6]})
    assert evaluate(run, df).iloc[0]["AUC"] == 0.0


def test_multiclass_metrics(run: Run) -> None:
    """Multiclass metrics agree with scikit-learn's micro and macro averages."""
    classes = np.array(["ant", "bee", "cat"])
    truth = RNG.choice(classes, 90)
    said = np.where(RNG.random(90) < 0.7, truth, RNG.choice(classes, 90))
    probabilities = {f"Scored Probabilities_{c}": (said == c) * 0.8 + 0.1 for c in classes}
    row = evaluate(run, scored(truth, **{"Scored Labels": said}, **probabilities)).iloc[0]
    assert row["Overall_Accuracy"] == pytest.approx(skm.accuracy_score(truth, said))
    for average in ("micro", "macro"):
        title = average.capitalize()
        assert row[f"{title}_Precision"] == pytest.approx(
            skm.precision_score(truth, said, average=average)
        )
        assert row[f"{title}_Recall"] == pytest.approx(
            skm.recall_score(truth, said, average=average)
        )


def test_compare_gives_one_row_per_input_left_first(run: Run, regression: pd.DataFrame) -> None:
    """With two inputs the result has two rows, the left input's first."""
    worse = regression.assign(**{"Scored Labels": regression["Scored Labels"] + 10})
    result = evaluate(run, regression, worse)
    assert len(result) == 2
    left, right = result["Mean_Absolute_Error"]
    assert left == pytest.approx(evaluate(run, regression).iloc[0]["Mean_Absolute_Error"])
    assert right > left


def test_compare_needs_same_task(run: Run, regression: pd.DataFrame, binary: pd.DataFrame) -> None:
    """Comparing regression scores with classification scores is a user error."""
    with pytest.raises(
        ComponentInputError,
        match=r"same kind of model: 'Scored dataset' holds "
        r"regression scores, 'Scored dataset to "
        r"compare' holds binary classification",
    ):
        evaluate(run, regression, binary)


def test_labels_column_is_the_true_label(run: Run) -> None:
    """Without a label role, a column named 'Labels' is the true label."""
    df = pd.DataFrame({"Labels": [1.0, 2.0, 3.0], "Regression Scored Labels": [1.0, 2.0, 4.0]})
    row = evaluate(run, df).iloc[0]
    assert row["Mean_Absolute_Error"] == pytest.approx(1 / 3)


def test_rows_without_label_are_ignored(run: Run, regression: pd.DataFrame) -> None:
    """Rows whose true label is missing do not count."""
    gappy = regression.copy()
    gappy.loc[:9, "truth"] = np.nan
    expected = evaluate(run, regression.iloc[10:]).iloc[0]
    pd.testing.assert_series_equal(evaluate(run, gappy).iloc[0], expected)


@pytest.mark.parametrize(
    ("df", "message"),
    [
        (
            scored([1.0, 2.0], role_label=False, **{"Scored Labels": [1.0, 2.0]}),
            r"has no true label: expected a column with the label role .* or named 'Labels'",
        ),
        (scored([1.0, 2.0], other=[1.0, 2.0]), r"has no score columns: expected 'Scored Labels'"),
    ],
)
def test_unusable_input(run: Run, df: pd.DataFrame, message: str) -> None:
    """Data without a true label or without scores is a user error naming the port."""
    with pytest.raises(ComponentInputError, match=r"'Scored dataset' " + message):
        evaluate(run, df)


def test_end_to_end_metrics_row_is_numeric(run: Run, table: pd.DataFrame) -> None:
    """Train, score and evaluate: the first row (the step's metrics) holds finite numbers."""
    learner = run("linear_regression")["untrained_model"]
    model = run("train_model", {"untrained_model": learner, "dataset": table})["trained_model"]
    scored_table = run("score_model", {"trained_model": model, "dataset": table})["scored_dataset"]
    row = evaluate(run, scored_table).iloc[0]
    assert list(row.index) == [
        "Mean_Absolute_Error",
        "Root_Mean_Squared_Error",
        "Relative_Squared_Error",
        "Relative_Absolute_Error",
        "Coefficient_of_Determination",
    ]
    assert np.isfinite(row.to_numpy(dtype=float)).all()
