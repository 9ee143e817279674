"""Every page under AppTest against a real control plane."""

from __future__ import annotations

import re

import pytest

from app.ui import state

PAGES = [
    "home",
    "designer",
    "datasets",
    "components",
    "runs",
    "run",
    "compare",
    "models",
    "compute",
    "endpoints",
    "pipeline_endpoints",
]


def texts(at) -> str:
    """Everything the page wrote, as one string to search."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    parts += [t.value for t in at.title] + [h.value for h in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exception(app, finished_run, page):
    """Each page draws against a workspace with a finished run, without an exception."""
    at = app(page)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_banner_when_control_plane_is_down(app, monkeypatch, page):
    """A control plane that does not answer gives a clear banner and no traceback."""
    from tests.conftest import free_port

    monkeypatch.setenv("FLOWBENCH_API_URL", f"http://127.0.0.1:{free_port()}")
    at = app(page)
    assert not at.exception, at.exception
    assert any("does not answer" in e.value for e in at.error), texts(at)


def test_run_page_shows_steps_metrics_and_charts(app, finished_run):
    """The run page lists every step and, for Evaluate Model, its metrics and chart tabs."""
    at = app("run", **{state.RUN_ID: finished_run.run.id, state.RUN_STEP: "evaluate"})
    assert not at.exception, at.exception
    assert "completed" in texts(at)
    assert any(t.label == "Visualize" for t in at.tabs)
    frames = [f.value for f in at.dataframe]
    assert any(
        "Mean_Absolute_Error" in str(list(f.iloc[:, 0])) for f in frames if f.shape[1] == 2
    ), frames


def test_runs_page_filters_by_experiment(app, finished_run):
    """Choosing an experiment narrows the runs table to its runs."""
    at = app("runs")
    at.selectbox(key="runs.experiment").set_value("ui-fixture").run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert set(table["experiment"]) == {"ui-fixture"}


def test_compare_page_shows_differing_parameters(app, client, finished_run):
    """Comparing two runs lists the component parameter that differs between them."""
    spec = dict(finished_run.run.spec)
    spec["nodes"] = [
        dict(n, params={**n["params"], "fraction": 0.6}) if n["id"] == "split" else n
        for n in spec["nodes"]
    ]
    other = client.submit(spec, experiment="ui-fixture")
    at = app("compare", **{state.COMPARE: (finished_run.run.id, other.id)})
    assert not at.exception, at.exception
    rows = [
        f.value
        for f in at.dataframe
        if "parameter" in f.value.columns and "node" in f.value.columns
    ]
    assert rows and list(rows[0]["parameter"]) == ["fraction"], rows


def test_models_page_lists_registered_model(app, finished_run):
    """The models page lists a registered model version with the run it came from."""
    at = app("models")
    frame = at.dataframe[0].value
    assert "fixture-price" in set(frame["model"])
    assert finished_run.run.id in set(frame["run"])


def test_datasets_page_profiles_a_sample(app):
    """The datasets page previews a sample and shows Summarize Data statistics."""
    at = app("datasets")
    at.selectbox(key="datasets.name").set_value("automobile-price").run()
    assert not at.exception, at.exception
    summaries = [f.value for f in at.dataframe if "Feature" in f.value.columns]
    assert summaries and "Price" in set(summaries[0]["Feature"])
    assert {"Mean", "Median", "Missing Value Count"} <= set(summaries[0].columns)


def test_compute_page_lists_workers(app):
    """The compute page shows the default target with the session's two workers."""
    at = app("compute")
    workers = [f.value for f in at.dataframe if "worker" in f.value.columns]
    assert workers and {"worker-1", "worker-2"} <= set(workers[0]["worker"])


def test_run_page_gives_reused_steps_no_seconds_of_their_own(app, stack, finished_run):
    """A fully reused resubmit shows its steps as reused, with no "0 s" as if they ran."""
    client = stack.client()
    try:
        rerun = client.submit(finished_run.run.spec, experiment="ui-fixture")
        detail = client.wait(rerun.id, timeout=60)
    finally:
        client.close()
    assert all(s.reused for s in detail.steps), detail.steps
    at = app("run", **{state.RUN_ID: rerun.id, state.RUN_STEP: "train"})
    assert not at.exception, at.exception
    table = next(f.value for f in at.dataframe if "seconds" in f.value.columns)
    assert set(table["status"]) == {"reused"}, table
    assert table["seconds"].isna().all(), table
    header = next(m.value for m in at.markdown if "[train]" in m.value)
    assert "reused from" in header and not re.search(r"(\d|<1) m?s ·", header), header


def test_a_short_run_reads_in_milliseconds_on_the_run_and_runs_pages(app, stack, finished_run):
    """A fully reused resubmit ends at once: its run page says "<1 ms" (or how many
    milliseconds), not "0.0 s"; the runs table keeps each run's seconds to the millisecond."""
    client = stack.client()
    try:
        rerun = client.wait(client.submit(finished_run.run.spec, experiment="ui-fixture").id)
    finally:
        client.close()
    at = app("run", **{state.RUN_ID: rerun.run.id})
    caption = next(c.value for c in at.caption if rerun.run.id in c.value)
    milliseconds = round(_seconds(rerun.run) * 1000)
    shown = "<1 ms" if milliseconds < 1 else f"{milliseconds} ms"
    assert milliseconds < 1000 and caption.endswith(f" · {shown}"), (caption, milliseconds)
    table = app("runs").dataframe[-1].value
    for run in (finished_run.run, rerun.run):
        row = table[table["id"] == run.id]
        assert row["seconds"].tolist() == [round(_seconds(run), 3)], (row, _seconds(run))


def _seconds(run) -> float:
    return (run.finished_at - run.started_at).total_seconds()
