"""Tests of Evaluate Model on quantile regression, anomaly detection and compared inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_pinball_loss

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
RNG = np.random.default_rng(12)


def labelled(df: pd.DataFrame, label: str = "truth") -> pd.DataFrame:
    return metadata.with_roles(df, {label: metadata.LABEL})


def test_quantile_loss_equals_scikit_learn(run: Run) -> None:
    """Each 'Quantile Loss:<q>' is sklearn's mean pinball loss; the average is their mean."""
    truth = RNG.normal(size=50)
    scored = labelled(
        pd.DataFrame(
            {
                "truth": truth,
                "Scores for quantile :0.25": truth - 0.5 + RNG.normal(size=50),
                "Scores for quantile :0.75": truth + 0.5,
            }
        )
    )
    report = run("evaluate_model", {"scored_dataset": scored})["evaluation_results"]
    low = mean_pinball_loss(truth, scored["Scores for quantile :0.25"], alpha=0.25)
    high = mean_pinball_loss(truth, scored["Scores for quantile :0.75"], alpha=0.75)
    assert report.loc[0, "Quantile Loss:0.25"] == pytest.approx(low)
    assert report.loc[0, "Quantile Loss:0.75"] == pytest.approx(high)
    assert report.loc[0, "Average Quantile Loss"] == pytest.approx((low + high) / 2)


def test_quantile_model_end_to_end(
    run: Run, train: Callable[..., Any], table: pd.DataFrame
) -> None:
    """Score Model on Fast Forest Quantile Regression gives columns Evaluate Model reads."""
    model = train(
        "fast_forest_quantile_regression", table, seed=0, num_trees=10, min_leaf_instances=2
    )
    scored = run("score_model", {"trained_model": model, "dataset": table})["scored_dataset"]
    report = run("evaluate_model", {"scored_dataset": scored})["evaluation_results"]
    assert list(report.columns) == [
        "Quantile Loss:0.25",
        "Quantile Loss:0.5",
        "Quantile Loss:0.75",
        "Average Quantile Loss",
    ]


def test_anomaly_detection_gets_binary_metrics(run: Run) -> None:
    """Explicit anomaly-detection score columns are evaluated with the binary metrics."""
    truth = np.array([0] * 8 + [1] * 2)
    scored = labelled(
        pd.DataFrame(
            {
                "truth": truth,
                "Anomaly Detection Scored Labels": [0] * 7 + [1, 1, 0],
                "Anomaly Detection Scored Probabilities": [0.1] * 7 + [0.8, 0.9, 0.4],
            }
        )
    )
    row = run("evaluate_model", {"scored_dataset": scored})["evaluation_results"].iloc[0]
    assert (
        row["True Positive"],
        row["False Positive"],
        row["False Negative"],
        row["True Negative"],
    ) == (1, 1, 1, 7)
    assert row["Precision"] == pytest.approx(0.5)


def test_pca_anomaly_detection_end_to_end(run: Run) -> None:
    """PCA-based detection flags rows off the training plane; Evaluate reads its scores."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(300, 2))
    normal = np.column_stack([base, base.sum(axis=1) + rng.normal(0, 0.05, 300)])
    odd = rng.normal(size=(10, 3)) * 4
    frame = pd.DataFrame(np.vstack([normal, odd]), columns=["a", "b", "c"])
    frame["is_anomaly"] = [0] * 300 + [1] * 10
    data = labelled(frame, "is_anomaly")
    learner = run("pca_based_anomaly_detection")["untrained_model"]
    model = run(
        "train_anomaly_detection_model", {"untrained_model": learner, "dataset": data.head(300)}
    )["trained_model"]
    scored = run("score_model", {"trained_model": model, "dataset": data})["scored_dataset"]
    assert scored["Scored Probabilities"].iloc[300:].min() > 0.5
    row = run("evaluate_model", {"scored_dataset": scored})["evaluation_results"].iloc[0]
    assert row["Recall"] == 1.0 and row["AUC"] > 0.99


def test_pca_components_must_be_fewer_than_features(run: Run) -> None:
    """Asking for as many components as features names both numbers."""
    learner = run("pca_based_anomaly_detection", number_of_components=3)["untrained_model"]
    data = pd.DataFrame(RNG.normal(size=(20, 3)), columns=["a", "b", "c"])
    with pytest.raises(
        ComponentInputError,
        match=r"number of components \(3\) must be less "
        r"than the number of encoded features \(3\)",
    ):
        run("train_anomaly_detection_model", {"untrained_model": learner, "dataset": data})


@pytest.mark.parametrize(
    "scores",
    [
        {"Scored Labels": [1.0, 2.5, 2.0, 4.0]},
        {"Scored Labels": [1, 2, 2, 1], "Scored Probabilities": [0.1, 0.9, 0.8, 0.3]},
        {"Scored Labels": [1, 2, 3, 1], "Scored Probabilities_1": [1, 0, 0, 1]},
        {"Scores for quantile :0.5": [1.0, 2.0, 2.0, 1.0]},
    ],
)
def test_left_and_right_rows_for_every_task(run: Run, scores: dict[str, list]) -> None:
    """Two inputs of one task give two rows, left first, each equal to its single evaluation."""
    truth = [1, 2, 3, 1] if "Scored Probabilities_1" in scores else [1, 2, 2, 1]
    left = labelled(pd.DataFrame({"truth": truth, **scores}))
    right = labelled(pd.DataFrame({"truth": truth[::-1], **scores}))
    both = run("evaluate_model", {"scored_dataset": left, "scored_dataset_to_compare": right})[
        "evaluation_results"
    ]
    alone = [
        run("evaluate_model", {"scored_dataset": d})["evaluation_results"] for d in (left, right)
    ]
    pd.testing.assert_frame_equal(both, pd.concat(alone, ignore_index=True))


def test_inputs_of_different_tasks_are_refused(run: Run) -> None:
    """A regression input compared with a quantile-regression input names both tasks."""
    left = labelled(pd.DataFrame({"truth": [1.0, 2.0], "Scored Labels": [1.5, 2.5]}))
    right = labelled(pd.DataFrame({"truth": [1.0, 2.0], "Scores for quantile :0.5": [1.0, 2.0]}))
    with pytest.raises(
        ComponentInputError,
        match=r"same kind of model: 'Scored dataset' holds "
        r"regression scores, 'Scored dataset to "
        r"compare' holds quantile regression",
    ):
        run("evaluate_model", {"scored_dataset": left, "scored_dataset_to_compare": right})


def test_clustering_without_distances_is_refused(run: Run) -> None:
    """Assignments without distance columns say which columns are expected."""
    scored = pd.DataFrame({"Assignments": [0, 1]})
    with pytest.raises(ComponentInputError, match=r"'DistancesToClusterCenter no.0'"):
        run("evaluate_model", {"scored_dataset": scored})
