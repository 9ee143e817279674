"""Tests of Convert to Indicator Values and Select Columns Transform, replayed on new rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components import metadata
from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def cars() -> pd.DataFrame:
    """A categorical 'color' with a gap, a categorical integer 'doors', a text and a label."""
    return metadata.with_roles(
        pd.DataFrame(
            {
                "color": pd.Categorical(["red", "blue", None, "red"]),
                "doors": pd.Categorical([2, 4, 4, 2]),
                "make": pd.Series(["a", "b", "c", "d"], dtype="str"),
                "price": [1.0, 2.0, 3.0, 4.0],
            }
        ),
        {"price": metadata.LABEL},
    )


def test_indicator_columns_follow_categories(run: Run, cars: pd.DataFrame) -> None:
    """Each category becomes '<column>-<value>' 0/1 after its column; gaps get '-Missing'."""
    out = run("convert_to_indicator_values", {"dataset": cars}, columns=by_names("color", "doors"))[
        "results_dataset"
    ]
    assert list(out.columns) == [
        "color",
        "color-blue",
        "color-red",
        "color-Missing",
        "doors",
        "doors-2",
        "doors-4",
        "make",
        "price",
    ]
    assert out["color-red"].tolist() == [1, 0, 0, 1]
    assert out["color-Missing"].tolist() == [0, 0, 1, 0]
    assert out["doors-4"].tolist() == [0, 1, 1, 0]
    assert metadata.roles(out)["price"] == metadata.LABEL


def test_round_trip_on_new_rows_with_unseen_category(run: Run, cars: pd.DataFrame) -> None:
    """Apply Transformation gives new rows the training columns; unseen values set none."""
    encoder = run(
        "convert_to_indicator_values", {"dataset": cars}, columns=by_names("color"), overwrite=True
    )["indicator_values_transformation"]
    new = pd.DataFrame(
        {
            "color": pd.Categorical(["green", "blue", None]),
            "doors": pd.Categorical([2, 2, 4]),
            "make": ["x", "y", "z"],
            "price": [9.0, 8.0, 7.0],
        }
    )
    out = run("apply_transformation", {"transformation": encoder, "dataset": new})
    result = out["transformed_dataset"]
    assert list(result.columns) == [
        "color-blue",
        "color-red",
        "color-Missing",
        "doors",
        "make",
        "price",
    ]
    assert result[["color-blue", "color-red", "color-Missing"]].to_numpy().tolist() == [
        [0, 0, 0],
        [1, 0, 0],
        [0, 0, 1],
    ]


def test_non_categorical_columns_are_named(run: Run, cars: pd.DataFrame) -> None:
    """Text and numeric columns are refused with their names (the designer's Error 0056)."""
    with pytest.raises(
        ComponentInputError, match=r"not categorical: 'make' \(String\), 'price' \(Double\)"
    ):
        run(
            "convert_to_indicator_values",
            {"dataset": cars},
            columns=by_names("color", "make", "price"),
        )


def test_replay_needs_the_fitted_columns(run: Run, cars: pd.DataFrame) -> None:
    """New rows without a converted column are a user error naming it."""
    encoder = run("convert_to_indicator_values", {"dataset": cars}, columns=by_names("color"))[
        "indicator_values_transformation"
    ]
    with pytest.raises(ComponentInputError, match="lacks column.*'color'"):
        run(
            "apply_transformation",
            {"transformation": encoder, "dataset": cars.drop(columns=["color"])},
        )


def test_select_columns_transform_replays_projection(run: Run, cars: pd.DataFrame) -> None:
    """The transformation keeps the given dataset's columns, in its order, on new rows."""
    wanted = cars[["price", "color"]]
    selection = run("select_columns_transform", {"dataset": wanted})
    transformation = selection["column_selection_transformation"]
    out = run(
        "apply_transformation",
        {"transformation": transformation, "dataset": cars.assign(extra=np.ones(4))},
    )
    assert list(out["transformed_dataset"].columns) == ["price", "color"]
    assert metadata.roles(out["transformed_dataset"])["price"] == metadata.LABEL
    with pytest.raises(ComponentInputError, match="lacks column.*'price'"):
        run(
            "apply_transformation",
            {"transformation": transformation, "dataset": cars.drop(columns=["price"])},
        )
