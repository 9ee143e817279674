"""Shared fixtures for the component-library tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from components import get, metadata
from jobs.runtime import StepRuntime

ROWS = 24


@pytest.fixture(autouse=True, scope="session")
def one_thread() -> Any:
    """Fit on one thread: on tiny tables OpenMP threads only spin, and slow down under load."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def table() -> pd.DataFrame:
    """24 rows of mixed types (text, categorical, boolean, numbers, dates) with a few NaNs.

    'price' (numeric) is marked as the label; 'expensive' is a two-class text column.
    """
    rng = np.random.default_rng(7)
    horsepower = rng.normal(120, 30, ROWS).round()
    turbo = np.arange(ROWS) % 3 == 0
    price = 90 * horsepower + 3000 * turbo + rng.normal(0, 400, ROWS)
    df = pd.DataFrame(
        {
            "make": pd.Series(rng.choice(["audi", "bmw", "volvo"], ROWS), dtype="str"),
            "body": pd.Categorical(rng.choice(["sedan", "wagon", "hatchback"], ROWS)),
            "turbo": turbo,
            "horsepower": horsepower,
            "doors": rng.choice([2, 4], ROWS),
            "sold": pd.date_range("2020-01-01", periods=ROWS, freq="W"),
            "price": price.round(2),
            "expensive": np.where(price > np.median(price), "yes", "no"),
        }
    )
    df.loc[[2, 9], "make"] = None
    df.loc[[4, 11, 17], "horsepower"] = np.nan
    return metadata.with_roles(df, {"price": metadata.LABEL})


@pytest.fixture
def step_runtime(tmp_path: Path) -> StepRuntime:
    """The runner's real runtime, with empty import and export folders under tmp_path."""
    (tmp_path / "imports").mkdir()
    (tmp_path / "exports").mkdir()
    return StepRuntime(tmp_path / "imports", tmp_path / "exports")


@pytest.fixture
def run(step_runtime: StepRuntime) -> Callable[..., dict[str, Any]]:
    """Run a registered component: run(component_id, inputs, **params) -> outputs.

    Components that declare needs (SQL, import, export) get `step_runtime`.
    """

    def run_component(
        component_id: str, inputs: dict[str, Any] | None = None, **params: Any
    ) -> dict[str, Any]:
        return get(component_id).run(inputs or {}, params, step_runtime)

    return run_component


@pytest.fixture
def train(run: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
    """Fit a learner component on a dataset: train(learner_id, dataset, label, **params)."""

    def train_learner(
        learner_id: str, dataset: pd.DataFrame, label: str | None = None, **params: Any
    ) -> Any:
        learner = run(learner_id, **params)["untrained_model"]
        inputs = {"untrained_model": learner, "dataset": dataset}
        return run("train_model", inputs, label_column=label)["trained_model"]

    return train_learner
