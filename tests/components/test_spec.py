"""Tests of components.spec: parameters and specs described as data."""

from __future__ import annotations

import json
import re

import pytest

from components.spec import ComponentSpec, Param, ParamType, Port, PortKind


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (Param("n", ParamType.INT, "Trees", required=True), None, r"^'Trees' is required\.$"),
        (
            Param("n", ParamType.INT, "Trees"),
            2.5,
            r"'Trees' parameter must be a whole number\. "
            r"Got 2\.5 instead\.",
        ),
        (Param("n", ParamType.INT, "Trees"), True, r"must be a whole number"),
        (
            Param("f", ParamType.FLOAT, "Fraction", min=0, max=1),
            1.5,
            r"'Fraction' parameter must be in the range \[0, 1\]\. Got 1\.5",
        ),
        (
            Param("f", ParamType.FLOAT, "Rate", min=0, max=1, min_exclusive=True),
            0,
            r"must be in the range \(0, 1\]",
        ),
        (Param("f", ParamType.FLOAT, "Rate", min=0), float("nan"), r"must be a finite number"),
        (Param("f", ParamType.FLOAT, "Rate", max=2, max_exclusive=True), 2.0, r"range \[-inf, 2\)"),
        (Param("b", ParamType.BOOL, "Flag"), "yes", r"'Flag' parameter must be true or false"),
        (
            Param("c", ParamType.CHOICE, "Mode", choices=("A", "B")),
            "C",
            r"must be one of 'A', 'B'\. Got 'C'",
        ),
        (Param("s", ParamType.COLUMNS, "Columns"), ["a"], r"must be a column selection"),
        (
            Param("s", ParamType.COLUMNS, "Columns"),
            {"begin": "some"},
            r"'begin' is 'all' or 'none'",
        ),
        (Param("t", ParamType.STR, "Name", required=True), "", r"'Name' is required"),
    ],
)
def test_check_explains_what_is_wrong(param: Param, value: object, message: str) -> None:
    """Param.check names the parameter, what it expects and what it got."""
    problem = param.check(value)
    assert problem is not None
    assert re.search(message, problem), problem


@pytest.mark.parametrize(
    ("param", "value"),
    [
        (Param("n", ParamType.INT, min=1), 3),
        (Param("n", ParamType.INT, min=1), 3.0),
        (Param("f", ParamType.FLOAT, min=0, max=1), 1),
        (Param("t", ParamType.TEXT, required=True), ""),
        (Param("n", ParamType.INT), None),
        (Param("s", ParamType.COLUMNS), {"names": ["a"]}),
    ],
)
def test_check_accepts_valid_values(param: Param, value: object) -> None:
    """Values within type and range pass; an optional blank passes; TEXT may be empty."""
    assert param.check(value) is None


def test_blank_means_unset_except_for_text() -> None:
    """Empty text is 'not set' for most types, but a real value for TEXT."""
    assert Param("a", ParamType.STR).is_blank("")
    assert Param("a", ParamType.INT).is_blank(None)
    assert not Param("a", ParamType.TEXT).is_blank("")
    assert not Param("a", ParamType.INT).is_blank(0)


def test_coerce_gives_implementation_types() -> None:
    """JSON numbers become int/float as declared and blanks become None."""
    assert type(Param("n", ParamType.INT).coerce(3.0)) is int
    assert type(Param("f", ParamType.FLOAT).coerce(1)) is float
    assert Param("c", ParamType.COLUMN).coerce("") is None
    assert Param("t", ParamType.TEXT).coerce("") == ""


def _spec() -> ComponentSpec:
    return ComponentSpec(
        id="demo",
        version=2,
        name="Demo",
        category="Data Transformation",
        description="d",
        inputs=(Port("dataset", PortKind.DATASET, "Dataset"),),
        outputs=(Port("out", PortKind.DATASET), Port("t", PortKind.TRANSFORMATION)),
        params=(
            Param("mode", ParamType.CHOICE, "Mode", default="A", choices=("A", "B")),
            Param(
                "value", ParamType.FLOAT, "Value", required=True, min=0, visible_if={"mode": ("B",)}
            ),
            Param("cols", ParamType.COLUMNS, default={"begin": "all", "rules": []}),
        ),
        metrics_output="out",
    )


def test_spec_round_trips_through_json() -> None:
    """to_dict/from_dict through JSON gives an equal spec."""
    spec = _spec()
    assert ComponentSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_check_params_skips_hidden_and_reports_unknown() -> None:
    """Hidden params are not validated; visible required ones and unknown names are reported."""
    spec = _spec()
    assert spec.check_params({}) == []
    problems = dict(spec.check_params({"mode": "B", "colour": 1}))
    assert set(problems) == {"value", "colour"}
    assert "'Value' is required" in problems["value"]
    assert "Unknown parameter 'colour'" in problems["colour"]


def test_resolve_params_overlays_defaults() -> None:
    """Given values override defaults and are coerced; the rest keep their defaults."""
    resolved = _spec().resolve_params({"value": 2})
    assert resolved == {"mode": "A", "value": 2.0, "cols": {"begin": "all", "rules": []}}
