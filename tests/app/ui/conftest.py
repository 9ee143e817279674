"""UI fixtures: AppTest pages against the session's real control plane."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]
MAIN = str(ROOT / "app" / "ui" / "main.py")
TUTORIAL = ROOT / "examples" / "automobile_price.json"


def _reset_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def ui_env(stack, monkeypatch):
    """Point the UI's client (FlowbenchClient.from_settings) at the session's control plane."""
    monkeypatch.setenv("FLOWBENCH_API_URL", stack.api_url)
    monkeypatch.setenv("FLOWBENCH_HOME", str(stack.home))
    monkeypatch.delenv("FLOWBENCH_TOKEN", raising=False)
    _reset_caches()
    yield stack
    _reset_caches()


@pytest.fixture
def app(ui_env):
    """A factory of AppTests of the UI, opened on one page (views/<name>.py)."""
    from streamlit.testing.v1 import AppTest

    def open_page(page: str, **state) -> AppTest:
        at = AppTest.from_file(MAIN, default_timeout=60)
        at.session_state["flowbench_signed_in"] = True  # the login has tests of its own
        for key, value in state.items():
            at.session_state[key] = value
        at.switch_page(f"views/{page}.py")
        return at.run()

    return open_page


@pytest.fixture(scope="session")
def finished_run(stack):
    """A completed run of the tutorial pipeline, with a registered model."""
    import json

    client = stack.client()
    try:
        run = client.submit(json.loads(TUTORIAL.read_text()), experiment="ui-fixture")
        detail = client.wait(run.id, timeout=180)
        assert detail.run.status.value == "completed", detail
        client.register_model("fixture-price", run.id, "train")
        return detail
    finally:
        client.close()


@pytest.fixture
def rerun_until():
    """Rerun an AppTest until `done(at)` holds (pages that refresh themselves in a browser)."""
    return _rerun_until


def _rerun_until(at, done, timeout: float = 120.0, pause: float = 0.5):
    deadline = time.monotonic() + timeout
    while not done(at):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; markdown: {[m.value for m in at.markdown]}")
        time.sleep(pause)
        at.run()
    return at
