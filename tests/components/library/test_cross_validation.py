"""Tests of Cross Validate Model against scikit-learn metrics on each fold's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.model_selection import KFold

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def income() -> pd.DataFrame:
    """60 rows: age and hours predict a two-class 'rich' label (with noise)."""
    rng = np.random.default_rng(8)
    age, hours = rng.uniform(20, 60, 60), rng.uniform(10, 60, 60)
    rich = np.where(age + hours + rng.normal(0, 10, 60) > 75, ">50K", "<=50K")
    return metadata.with_roles(
        pd.DataFrame({"age": age, "hours": hours, "rich": rich}), {"rich": metadata.LABEL}
    )


def validate(run: Run, learner: str, data: pd.DataFrame, **params: Any) -> dict[str, Any]:
    model = run(learner)["untrained_model"]
    return run("cross_validate_model", {"untrained_model": model, "dataset": data}, **params)


def test_ten_folds_by_default(run: Run, income: pd.DataFrame) -> None:
    """Without a Fold column the rows go to 10 shuffled folds, as KFold with the seed does."""
    outputs = validate(run, "two_class_logistic_regression", income, seed=3)
    scored, report = outputs["scored_results"], outputs["evaluation_results_by_fold"]
    expected = np.empty(60, dtype=int)
    for fold, (_, rows) in enumerate(KFold(10, shuffle=True, random_state=3).split(income)):
        expected[rows] = fold
    assert scored["Fold Number"].tolist() == expected.tolist()
    assert report["Fold number"].tolist() == list(range(10))
    assert report["Number of examples in fold"].tolist() == [6] * 10
    pd.testing.assert_frame_equal(scored[income.columns], income, check_like=False)


def test_fold_metrics_equal_scikit_learn(run: Run, income: pd.DataFrame) -> None:
    """Each fold's accuracy, precision, recall and AUC equal sklearn on that fold's scores."""
    outputs = validate(run, "two_class_logistic_regression", income, seed=0)
    scored, report = outputs["scored_results"], outputs["evaluation_results_by_fold"]
    for fold, row in report.set_index("Fold number").iterrows():
        rows = scored[scored["Fold Number"] == fold]
        truth, said = rows["rich"] == ">50K", rows["Scored Labels"] == ">50K"
        assert row["Accuracy"] == pytest.approx(skm.accuracy_score(truth, said))
        assert row["Recall"] == pytest.approx(skm.recall_score(truth, said, zero_division=0))
        if truth.nunique() == 2:
            assert row["AUC"] == pytest.approx(
                skm.roc_auc_score(truth, rows["Scored Probabilities"])
            )


def test_out_of_fold_scores_come_from_other_folds(run: Run, income: pd.DataFrame) -> None:
    """Fold k's scores equal a model trained on every row outside fold k."""
    scored = validate(run, "two_class_logistic_regression", income)["scored_results"]
    outside = income[scored["Fold Number"] != 4]
    model = run(
        "train_model",
        {
            "untrained_model": run("two_class_logistic_regression")["untrained_model"],
            "dataset": outside,
        },
    )["trained_model"]
    inside = income[scored["Fold Number"] == 4]
    expected = model.predict_frame(inside)["Scored Probabilities"]
    assert np.allclose(scored.loc[inside.index, "Scored Probabilities"], expected)


def test_fold_column_sets_the_folds(run: Run, income: pd.DataFrame) -> None:
    """A 'Fold' column (Partition and Sample) decides the folds and is not a feature."""
    data = income.assign(Fold=np.arange(60) % 3)
    outputs = validate(
        run,
        "boosted_decision_tree_regression",
        data.assign(target=data["age"] * 2),
        label_column="target",
        seed=0,
    )
    report = outputs["evaluation_results_by_fold"]
    assert report["Fold number"].tolist() == [0, 1, 2]
    assert report["Number of examples in fold"].tolist() == [20, 20, 20]
    fold = outputs["scored_results"].query("`Fold Number` == 1")
    assert report.loc[1, "Mean_Absolute_Error"] == pytest.approx(
        skm.mean_absolute_error(fold["target"], fold["Scored Labels"])
    )


def test_too_few_rows_for_ten_folds(run: Run, income: pd.DataFrame) -> None:
    """Fewer than ten rows (and no Fold column) is reported with the row count."""
    with pytest.raises(
        ComponentInputError,
        match=r"at least 10 rows for 10 folds; the dataset "
        r"has 6",
    ):
        validate(run, "linear_regression", income.head(6).assign(rich=1.0))


def test_fold_errors_name_the_fold(run: Run, income: pd.DataFrame) -> None:
    """A fold whose training rows hold a single class says which fold failed."""
    data = income.assign(Fold=np.where(income["rich"] == ">50K", 0, 1))
    with pytest.raises(ComponentInputError, match=r"^Fold \d: .*needs a label with exactly two"):
        validate(run, "two_class_logistic_regression", data)


def test_a_fold_without_labelled_rows_is_named(run: Run, income: pd.DataFrame) -> None:
    """Fold 2 holds only rows without a label: the message names the fold and the label."""
    data = income.assign(Fold=np.arange(60) % 3)
    data["rich"] = data["rich"].where(data["Fold"] != 2, None)
    with pytest.raises(
        ComponentInputError,
        match=r"Fold 2 has no labelled rows: its 20 row\(s\) "
        r"all lack a value in the label column 'rich'",
    ):
        validate(run, "two_class_logistic_regression", data)


def test_unlabelled_rows_are_not_counted_as_examples(run: Run, income: pd.DataFrame) -> None:
    """Examples per fold are the labelled rows, as scikit-learn counts them for the metrics."""
    data = income.assign(Fold=np.arange(60) % 3)
    data["rich"] = data["rich"].where(np.arange(60) % 6 != 0, None)  # 10 rows, all in fold 0
    report = validate(run, "two_class_logistic_regression", data)["evaluation_results_by_fold"]
    assert report["Number of examples in fold"].tolist() == [10, 20, 20]
    scored = validate(run, "two_class_logistic_regression", data)["scored_results"]
    fold = scored[(scored["Fold Number"] == 0) & scored["rich"].notna()]
    assert report.loc[0, "Accuracy"] == pytest.approx(
        skm.accuracy_score(fold["rich"], fold["Scored Labels"])
    )
