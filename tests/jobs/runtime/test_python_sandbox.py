"""Tests of the Python sandbox that runs user scripts in a separate, limited process."""

from __future__ import annotations

import io
import os
import time

import pandas as pd
import pytest

from components.errors import ComponentInputError
from jobs.errors import SandboxUnavailableError
from jobs.runtime.python import run_python
from jobs.runtime.sandbox import sandbox_problem


def test_child_cannot_see_workspace_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """FLOWBENCH_TOKEN, REDIS_URL and *_KEY variables of the parent are absent in the child."""
    monkeypatch.setenv("FLOWBENCH_TOKEN", "secret-token")
    monkeypatch.setenv("REDIS_URL", "redis://secret")
    monkeypatch.setenv("ENDPOINT_KEY", "secret-key")
    script = (
        "import os\n"
        "def main():\n"
        "    return sorted(k for k in os.environ if 'TOKEN' in k or 'KEY' in k\n"
        "                  or k.startswith('FLOWBENCH') or k == 'REDIS_URL')\n"
    )
    assert run_python(script, "main", [], timeout=60, log=io.StringIO()) == []


def test_timeout_kills_an_endless_script() -> None:
    """A `while True` script is stopped after the time limit with a message saying so."""
    started = time.monotonic()
    with pytest.raises(ComponentInputError, match=r"ran longer than 3 s and was stopped"):
        run_python(
            "def main():\n    while True:\n        pass\n", "main", [], timeout=3, log=io.StringIO()
        )
    assert time.monotonic() - started < 30


def test_memory_limit_stops_a_huge_allocation() -> None:
    """Allocating past the address-space limit fails with a clear out-of-memory message."""
    script = "def main():\n    block = bytearray(4 * 2**30)\n    return len(block)\n"
    with pytest.raises(
        ComponentInputError, match=r"ran out of memory \(limit 1024 MiB\)(.|\n)*line 2, in main"
    ):
        run_python(script, "main", [], timeout=60, log=io.StringIO(), memory_bytes=2**30)


def test_user_traceback_shows_only_their_frames() -> None:
    """A failing script reports its own file, line and function, not the sandbox's frames."""
    script = "import pandas as pd\n\ndef azureml_main(a, b):\n    return a['missing'],\n"
    with pytest.raises(ComponentInputError) as caught:
        run_python(
            script, "azureml_main", [pd.DataFrame({"x": [1]}), None], timeout=60, log=io.StringIO()
        )
    message = str(caught.value)
    assert 'File "<script>", line 4, in azureml_main' in message
    assert "KeyError: 'missing'" in message
    assert "python_child" not in message


def test_printed_output_lands_in_the_log() -> None:
    """What the script prints is copied into the step log, and the result comes back."""
    log = io.StringIO()
    script = "def main(frame):\n    print('rows:', len(frame))\n    return frame.assign(y=1),\n"
    result = run_python(script, "main", [pd.DataFrame({"x": [1, 2]})], timeout=60, log=log)
    assert "rows: 2" in log.getvalue()
    pd.testing.assert_frame_equal(result[0], pd.DataFrame({"x": [1, 2], "y": [1, 1]}))


def test_crafted_pickle_results_are_refused() -> None:
    """A result that is not data (here an object whose pickle would run os.system) is refused
    inside the sandbox: only JSON and Arrow cross the boundary."""
    script = (
        "import os\n"
        "class Sneaky:\n"
        "    def __reduce__(self):\n"
        "        return (os.system, ('echo pwned',))\n"
        "def main():\n"
        "    return Sneaky()\n"
    )
    with pytest.raises(
        ComponentInputError, match=r"return value was refused: a user_script.Sneaky cannot leave"
    ):
        run_python(script, "main", [], timeout=60, log=io.StringIO())


def test_missing_entry_point_is_named() -> None:
    """A script without the function to call says which function it must define."""
    with pytest.raises(ComponentInputError, match=r"must define a function 'azureml_main'"):
        run_python("x = 1\n", "azureml_main", [], timeout=60, log=io.StringIO())


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A worker where bubblewrap is not installed (an empty PATH)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    sandbox_problem.cache_clear()
    yield
    sandbox_problem.cache_clear()


def test_without_the_sandbox_user_code_does_not_run(no_bwrap, tmp_path) -> None:
    """No bwrap: the call fails saying why and how to fix it, and the script never ran."""
    marker = tmp_path / "ran"
    script = f"def main():\n    open({str(marker)!r}, 'w').close()\n"
    with pytest.raises(
        SandboxUnavailableError,
        match=r"not run.*bubblewrap \(bwrap\) is not installed.*apt-get install "
        r"bubblewrap.*FLOWBENCH_UNSAFE_UNCONFINED_PYTHON=1",
    ):
        run_python(script, "main", [], timeout=60, log=io.StringIO())
    assert not marker.exists()


def test_the_unsafe_setting_runs_user_code_unconfined(no_bwrap, monkeypatch) -> None:
    """FLOWBENCH_UNSAFE_UNCONFINED_PYTHON=1 runs the script as the worker's own user."""
    monkeypatch.setenv("FLOWBENCH_UNSAFE_UNCONFINED_PYTHON", "1")
    script = "import os\ndef main(frame):\n    return os.getuid(), frame.assign(y=2)\n"
    uid, frame = run_python(
        script, "main", [pd.DataFrame({"x": [1]})], timeout=60, log=io.StringIO()
    )
    assert uid == os.getuid()
    assert frame.to_dict("list") == {"x": [1], "y": [2]}
