"""Column rules known before a step runs: the selection helper and its memo."""

from __future__ import annotations

from components import column_flow
from components.column_flow import column, selected

COLUMNS = [
    column("price", "Double", role="label"),
    column("make", "String", categorical=True),
    column("doors", "Integer"),
]


def test_selected_answers_the_same_when_asked_again():
    """The second answer (from the memo) equals the first, and holds the caller's columns."""
    by_type = {
        "begin": "none",
        "rules": [{"action": "include", "by": "types", "values": ["Categorical"]}],
    }
    first = selected(COLUMNS, by_type)
    again = selected(COLUMNS, by_type)
    assert first == again == [COLUMNS[1]]
    assert again[0] is COLUMNS[1]


def test_selected_tells_columns_apart_by_what_the_selector_reads():
    """Same names, another type: the memo does not answer for the first columns."""
    numeric = {
        "begin": "none",
        "rules": [{"action": "include", "by": "types", "values": ["Numeric"]}],
    }
    assert selected(COLUMNS, numeric) == [COLUMNS[0], COLUMNS[2]]
    as_text = [column("price", "String", role="label"), *COLUMNS[1:]]
    assert selected(as_text, numeric) == [COLUMNS[2]]


def test_selected_missing_column_is_none_every_time():
    picked = {"names": ["price", "wheels"]}
    assert selected(COLUMNS, picked) is None
    assert selected(COLUMNS, picked) is None
    assert selected(COLUMNS, "not a selection") is None


def test_selected_with_a_selection_json_cannot_hold_still_answers():
    """A selection that is not JSON (a set) is answered without the memo."""
    before = column_flow._picked_memo.cache_info().currsize
    assert selected(COLUMNS, {"names": ["make"], "extra": {1, 2}}) == [COLUMNS[1]]
    assert column_flow._picked_memo.cache_info().currsize == before
