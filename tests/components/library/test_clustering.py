"""Tests of K-Means Clustering, Train Clustering Model, Assign Data to Clusters and their
evaluation, against scikit-learn's KMeans and distances computed with numpy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.preprocessing import MinMaxScaler

from components import metadata
from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def points() -> pd.DataFrame:
    """90 points in three clusters; 'group' is a label column with a few gaps."""
    rng = np.random.default_rng(4)
    centers = [(0, 0), (10, 0), (0, 10)]
    rows = [
        (x + rng.normal(), y + rng.normal() * 3, f"g{k}")
        for k, (x, y) in enumerate(centers)
        for _ in range(30)
    ]
    df = pd.DataFrame(rows, columns=["x", "y", "group"])
    df.loc[[0, 40], "group"] = None
    return metadata.with_roles(df, {"group": metadata.LABEL})


def cluster(run: Run, data: pd.DataFrame, **params: Any) -> dict[str, Any]:
    learner = run("k_means_clustering", **params)["untrained_model"]
    return run(
        "train_clustering_model",
        {"untrained_model": learner, "dataset": data},
        column_set=by_names("x", "y"),
    )


@pytest.mark.parametrize(
    ("init", "sklearn_init"), [("K-Means++", "k-means++"), ("Random", "random")]
)
def test_assignments_equal_scikit_learn(
    run: Run, points: pd.DataFrame, init: str, sklearn_init: str
) -> None:
    """Assignments and distances equal KMeans on MinMax-scaled features, same seed and init."""
    results = cluster(run, points, number_of_centroids=3, initialization=init, seed=7)[
        "results_dataset"
    ]
    scaled = MinMaxScaler().fit_transform(points[["x", "y"]])
    direct = KMeans(n_clusters=3, init=sklearn_init, n_init=1, max_iter=100, random_state=7).fit(
        scaled
    )
    assert results["Assignments"].tolist() == direct.labels_.tolist()
    distances = results[[f"DistancesToClusterCenter no.{k}" for k in range(3)]].to_numpy()
    assert np.allclose(distances, direct.transform(scaled))


def test_default_initialization_starts_from_first_rows(run: Run, points: pd.DataFrame) -> None:
    """'Default' initialization uses the first N rows as the starting centroids."""
    results = cluster(
        run, points, number_of_centroids=3, initialization="Default", normalize_features=False
    )["results_dataset"]
    start = points[["x", "y"]].to_numpy()[:3]
    direct = KMeans(n_clusters=3, init=start, n_init=1, max_iter=100).fit(points[["x", "y"]])
    assert results["Assignments"].tolist() == direct.labels_.tolist()


def test_assign_data_matches_training_results(run: Run, points: pd.DataFrame) -> None:
    """Assign Data to Clusters gives new rows the training model's assignments."""
    outputs = cluster(run, points, number_of_centroids=3, seed=1)
    assigned = run(
        "assign_data_to_clusters", {"trained_model": outputs["trained_model"], "dataset": points}
    )["results_dataset"]
    pd.testing.assert_frame_equal(assigned, outputs["results_dataset"])


def test_result_only_keeps_scores_and_label(run: Run, points: pd.DataFrame) -> None:
    """Unchecking append outputs only the label and the cluster columns."""
    outputs = cluster(
        run,
        points,
        number_of_centroids=2,
        seed=1,
    )
    result = run(
        "assign_data_to_clusters",
        {"trained_model": outputs["trained_model"], "dataset": points},
        append=False,
    )
    assert list(result["results_dataset"].columns) == [
        "group",
        "Assignments",
        "DistancesToClusterCenter no.0",
        "DistancesToClusterCenter no.1",
    ]


@pytest.mark.parametrize("mode", ["Fill missing values", "Overwrite from closest to center"])
def test_label_modes(run: Run, points: pd.DataFrame, mode: str) -> None:
    """Label modes fill gaps (or overwrite) with the label of the row closest to each center."""
    outputs = cluster(run, points, number_of_centroids=3, seed=3, assign_label_mode=mode)
    results = outputs["results_dataset"]
    estimator = outputs["trained_model"].estimator
    own = results["Assignments"].map(dict(enumerate(estimator.cluster_labels_)))
    if mode == "Fill missing values":
        assert results["group"].notna().all()
        assert results.loc[[0, 40], "group"].tolist() == own.loc[[0, 40]].tolist()
        assert results.drop(index=[0, 40])["group"].equals(points.drop(index=[0, 40])["group"])
    else:
        assert results["group"].tolist() == own.tolist()
    assert sorted(estimator.cluster_labels_) == ["g0", "g1", "g2"]


def test_evaluate_clustering_against_numpy(run: Run, points: pd.DataFrame) -> None:
    """Evaluate Model's per-cluster and combined rows equal numpy on the distance columns."""
    results = cluster(run, points, number_of_centroids=3, seed=2)["results_dataset"]
    report = run("evaluate_model", {"scored_dataset": results})["evaluation_results"]
    distances = results[[f"DistancesToClusterCenter no.{k}" for k in range(3)]].to_numpy()
    assigned = results["Assignments"].to_numpy()
    own = distances[np.arange(len(assigned)), assigned]
    others = (distances.sum(axis=1) - own) / 2
    expected = []
    for k in range(3):
        rows = assigned == k
        expected.append(
            [
                f"Evaluation For Cluster No.{k}",
                others[rows].mean(),
                own[rows].mean(),
                rows.sum(),
                own[rows].max(),
            ]
        )
    expected.append(["Combined Evaluation", others.mean(), own.mean(), len(own), own.max()])
    assert report["Result Description"].tolist() == [row[0] for row in expected]
    numbers = report[
        [
            "Average Distance to Other Center",
            "Average Distance to Cluster Center",
            "Number of Points",
            "Maximal Distance to Cluster Center",
        ]
    ].to_numpy()
    assert np.allclose(numbers, np.array([row[1:] for row in expected], dtype=float))


def test_evaluate_compares_two_clusterings(run: Run, points: pd.DataFrame) -> None:
    """Two clustering results give both inputs' rows, each tagged with its port."""
    left = cluster(run, points, number_of_centroids=2, seed=1)["results_dataset"]
    right = cluster(run, points, number_of_centroids=3, seed=1)["results_dataset"]
    report = run("evaluate_model", {"scored_dataset": left, "scored_dataset_to_compare": right})[
        "evaluation_results"
    ]
    assert report["Input"].value_counts().to_dict() == {
        "Scored dataset": 3,
        "Scored dataset to compare": 4,
    }


def test_train_model_refuses_a_clustering_learner(run: Run, points: pd.DataFrame) -> None:
    """K-Means given to Train Model points the user to Train Clustering Model."""
    learner = run("k_means_clustering")["untrained_model"]
    with pytest.raises(ComponentInputError, match=r"train it with Train Clustering Model"):
        run("train_model", {"untrained_model": learner, "dataset": points})


def test_too_few_rows_for_the_centroids(run: Run, points: pd.DataFrame) -> None:
    """Fewer rows than centroids is a user error naming both counts."""
    with pytest.raises(ComponentInputError, match=r"2 row\(s\) cannot form 3 clusters"):
        cluster(run, points.head(2), number_of_centroids=3)


def test_column_set_must_exist(run: Run, points: pd.DataFrame) -> None:
    """A column set naming a missing column says which."""
    learner = run("k_means_clustering")["untrained_model"]
    with pytest.raises(ComponentInputError, match=r"Column\(s\) 'z' not found"):
        run(
            "train_clustering_model",
            {"untrained_model": learner, "dataset": points},
            column_set=by_names("x", "z"),
        )
