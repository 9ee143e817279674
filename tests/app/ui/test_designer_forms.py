"""The designer under AppTest: the tutorial pipeline built through the forms alone, validated and
submitted; field errors, undo and pipeline parameters."""

from __future__ import annotations

import json
import uuid

from app.ui import state
from tests.app.ui.conftest import TUTORIAL

COLUMNS_TO_DROP = ["Min.Price", "Max.Price", "Make", "Model"]


def field(at, node_id: str, suffix: str) -> str:
    """The key of a properties-pane widget of `node_id`."""
    return f"pp.{at.session_state[state.FORM_GEN]}.{node_id}.{suffix}"


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def new_draft(at, name: str):
    at.text_input(key="start.name").set_value(name)
    return at.button(key="start.create").click().run()


def canvas_event(at, **event) -> None:
    """What the canvas reports when the user acts on it (a browser is needed to act on the
    canvas itself: tests/app/ui/test_browser.py)."""
    at.session_state[state.CANVAS] = {"seq": uuid.uuid4().hex, **event}
    at.run()
    assert not at.exception, at.exception


def add(at, palette_key: str) -> str:
    """Place a palette entry on the canvas; the id of the node it added (it is selected)."""
    name = palette_key.removeprefix("pal.")
    if name.startswith("ds."):
        canvas_event(at, type="add", dataset=name.removeprefix("ds."), position=[0, 0])
    else:
        canvas_event(at, type="add", component=name, position=[0, 0])
    return at.session_state[state.SELECTED]


def connect(at, node_id: str, port: str, source: str) -> None:
    at.selectbox(key=field(at, node_id, f"in.{port}")).set_value(source).run()
    assert not at.exception, at.exception


def saved_spec(at) -> dict:
    return at.session_state[state.DRAFT]["spec"]


def test_tutorial_built_through_forms_validates_and_runs(app, client, rerun_until):
    """The regression tutorial, built with palette, input pickers and parameter forms only,
    validates without issues, submits and completes."""
    at = new_draft(app("designer"), "Tutorial through forms")
    cars = add(at, "pal.ds.automobile-price")
    select = add(at, "pal.select_columns_in_dataset")
    connect(at, select, "dataset", f"{cars}.dataset")
    at.radio(key=field(at, select, "columns.mode")).set_value("With rules").run()
    at.selectbox(key=field(at, select, "columns.action")).set_value("exclude")
    at.selectbox(key=field(at, select, "columns.by")).set_value("names")
    at.multiselect(key=field(at, select, "columns.values")).set_value(COLUMNS_TO_DROP)
    button(at, "Add rule").click().run()
    clean = add(at, "pal.clean_missing_data")
    connect(at, clean, "dataset", f"{select}.results_dataset")
    at.selectbox(key=field(at, clean, "cleaning_mode")).set_value("Remove entire row").run()
    split = add(at, "pal.split_data")
    connect(at, split, "dataset", f"{clean}.cleaned_dataset")
    at.number_input(key=field(at, split, "fraction")).set_value(0.7).run()
    learner = add(at, "pal.linear_regression")
    train = add(at, "pal.train_model")
    connect(at, train, "untrained_model", f"{learner}.untrained_model")
    connect(at, train, "dataset", f"{split}.results_dataset1")
    at.selectbox(key=field(at, train, "label_column")).set_value("Price").run()
    score = add(at, "pal.score_model")
    connect(at, score, "trained_model", f"{train}.trained_model")
    connect(at, score, "dataset", f"{split}.results_dataset2")
    evaluate = add(at, "pal.evaluate_model")
    connect(at, evaluate, "scored_dataset", f"{score}.scored_dataset")

    at.button(key="designer.validate").click().run()
    assert at.session_state[state.ISSUES] == [], at.session_state[state.ISSUES]
    spec = saved_spec(at)
    assert client.get_draft(at.session_state[state.DRAFT_ID]).spec == spec  # autosaved
    tutorial = json.loads(TUTORIAL.read_text())
    assert sorted(n.get("component") or n.get("dataset") for n in spec["nodes"]) == sorted(
        n.get("component") or n.get("dataset") for n in tutorial["nodes"]
    )
    assert len(spec["edges"]) == len(tutorial["edges"])
    assert spec["nodes"][1]["params"]["columns"]["rules"][0]["values"] == COLUMNS_TO_DROP

    at.text_input(key="submit.experiment").set_value("tutorial-forms")
    button(at, "Submit").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state[state.RUN_ID]
    assert client.run(run_id).run.experiment == "tutorial-forms"
    client.wait(run_id, timeout=180)
    at.switch_page("views/run.py")  # AppTest keeps its page; a browser follows st.switch_page
    rerun_until(
        at,
        lambda t: any(
            "status" in f.value.columns
            and
            # steps other tests already ran are reused
            set(f.value["status"]) <= {"completed", "reused"}
            for f in t.dataframe
        ),
    )
    assert not at.exception, at.exception


def test_wrong_value_names_the_field_and_is_not_saved(app):
    """An out-of-range fraction is reported beside its field, and the draft is not saved."""
    at = new_draft(app("designer"), "Field errors")
    split = add(at, "pal.split_data")
    revision = at.session_state[state.DRAFT]["revision"]
    at.number_input(key=field(at, split, "fraction")).set_value(1.5).run()
    assert not at.exception, at.exception
    messages = [e.value for e in at.error]
    assert any("Fraction" in m and "range" in m and "1.5" in m for m in messages), messages
    assert at.session_state[state.DRAFT]["revision"] == revision
    assert "fraction" not in saved_spec(at)["nodes"][0]["params"]


def test_undo_takes_back_the_last_change(app):
    """Undo after adding a node gives back the draft without it."""
    at = new_draft(app("designer"), "Undo")
    add(at, "pal.split_data")
    add(at, "pal.linear_regression")
    at.button(key="designer.undo").click().run()
    assert [n["component"] for n in saved_spec(at)["nodes"]] == ["split_data"]


def test_pipeline_parameter_is_created_and_attached(app, client):
    """A pipeline parameter created in its tab and attached in the properties pane is saved as
    a reference in the node's parameters."""
    at = new_draft(app("designer"), "Parameters")
    split = add(at, "pal.split_data")
    at.text_input(key="pparam.name").set_value("train_fraction")
    at.selectbox(key="pparam.type").set_value("float")
    at.text_input(key="pparam.default").set_value("0.8")
    button(at, "Create pipeline parameter").click().run()
    at.selectbox(key=field(at, split, "param")).set_value("fraction")
    at.selectbox(key=field(at, split, "to")).set_value("train_fraction")
    at.button(key=field(at, split, "attach")).click().run()
    spec = client.get_draft(at.session_state[state.DRAFT_ID]).spec
    assert spec["parameters"] == [{"name": "train_fraction", "type": "float", "default": 0.8}]
    assert spec["nodes"][0]["params"]["fraction"] == {"$param": "train_fraction"}


def test_sample_pipeline_opens_as_draft_with_graph_selection(app):
    """Opening a sample makes a draft; selecting a node opens its parameter form."""
    at = app("designer")
    at.selectbox(key="start.sample").set_value("automobile_price")
    at.button(key="start.open_sample").click().run()
    at.selectbox(key=state.NODE_SELECT).set_value("split").run()
    assert not at.exception, at.exception
    assert at.number_input(key=field(at, "split", "fraction")).value == 0.7


def test_rejected_value_says_it_is_not_kept(app):
    """A rejected value is marked as not saved, and the field errors (which disable Submit)
    hold it."""
    at = new_draft(app("designer"), "Rejected")
    split = add(at, "pal.split_data")
    at.number_input(key=field(at, split, "fraction")).set_value(1.5).run()
    assert any("Not saved: the draft keeps its default." in e.value for e in at.error)
    assert at.session_state[state.FIELD_ERRORS]


def test_label_picker_offers_the_columns_that_reach_train_model(app):
    """Train Model's label list is what reaches it: Price, not the columns Select Columns
    removed."""
    at = app("designer")
    at.selectbox(key="start.sample").set_value("automobile_price")
    at.button(key="start.open_sample").click().run()
    at.selectbox(key=state.NODE_SELECT).set_value("train").run()
    options = at.selectbox(key=field(at, "train", "label_column")).options
    assert "Price" in options and "Horsepower" in options
    assert "Min.Price" not in options and "Make" not in options


def test_algorithm_guide_adds_the_chosen_learner(app):
    """The palette's guide (a canvas event opens it) recommends learners and adds one."""
    at = new_draft(app("designer"), "Guide")
    canvas_event(at, type="guide")
    # In a browser the dialog reruns alone and stays open; AppTest reruns the page, so the
    # test keeps it open.
    at.radio(key="guide.goal").set_value("two")
    at.radio(key="guide.priority").set_value("explainability")
    at.session_state[state.GUIDE] = True
    at.run()
    labels = [m.value for m in at.markdown]
    assert any("Two-Class Logistic Regression" in t and "recommended" in t for t in labels)
    at.button(key="guide.add.two_class_logistic_regression").click()
    at.session_state[state.GUIDE] = True
    at.run()
    assert not at.exception, at.exception
    assert [n["component"] for n in saved_spec(at)["nodes"]] == ["two_class_logistic_regression"]


def test_a_wire_drawn_on_the_canvas_shows_in_the_open_inputs_and_stays(app):
    """The selected node's input picker follows a wire drawn on the canvas, and the next action
    elsewhere does not send the picker's old "(not connected)" back (which dropped the wire)."""
    at = new_draft(app("designer"), "Wire while selected")
    score = add(at, "pal.score_model")
    evaluate = add(at, "pal.evaluate_model")  # selected: its inputs show "(not connected)"
    picker = field(at, evaluate, "in.scored_dataset")
    assert at.selectbox(key=picker).value == "(not connected)"
    canvas_event(
        at, type="connect", source=f"{score}.scored_dataset", target=f"{evaluate}.scored_dataset"
    )
    wire = {"source": f"{score}.scored_dataset", "target": f"{evaluate}.scored_dataset"}
    assert wire in saved_spec(at)["edges"]
    assert at.selectbox(key=picker).value == f"{score}.scored_dataset"
    canvas_event(at, type="move", positions={score: [10, 20]})
    at.run()
    assert wire in saved_spec(at)["edges"]
    assert at.selectbox(key=picker).value == f"{score}.scored_dataset"
    canvas_event(at, type="delete", edges=[wire])
    assert wire not in saved_spec(at)["edges"]
    assert at.selectbox(key=picker).value == "(not connected)"
