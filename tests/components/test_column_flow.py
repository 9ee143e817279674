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


def test_a_memoized_rule_answers_once_per_input_and_hands_out_new_objects():
    """Asked again with the same columns and parameters, the rule is not run again; each
    caller gets its own answer, so one changing it leaves the next one's whole."""
    calls = []

    @column_flow.memoized
    def rule(inputs, params):
        calls.append(params["n"])
        return {"*": [dict(c, name=f"{c['name']}{params['n']}") for c in inputs["dataset"]]}

    first = rule({"dataset": COLUMNS}, {"n": 1})
    first["*"][0]["name"] = "changed"
    again = rule({"dataset": COLUMNS}, {"n": 1})
    assert again["*"][0]["name"] == "price1" and calls == [1]
    assert rule({"dataset": COLUMNS}, {"n": 2})["*"][2]["name"] == "doors2" and calls == [1, 2]
    unkeyable = {"dataset": COLUMNS, "odd": object()}  # JSON cannot hold it: asked directly
    assert rule(unkeyable, {"n": 1})["*"][0]["name"] == "price1" and calls == [1, 2, 1]
