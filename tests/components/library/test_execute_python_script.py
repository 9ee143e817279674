"""Tests of Execute Python Script, run through the runner's real Python sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from components import get
from components.errors import ComponentInputError
from components.library.python_language import DEFAULT_SCRIPT

Run = Callable[..., dict[str, Any]]


def test_default_template_returns_the_first_input(run: Run, table: pd.DataFrame) -> None:
    """The default script passes Dataset1 through and prints it to the log."""
    outputs = run("execute_python_script", {"dataset1": table})
    pd.testing.assert_frame_equal(outputs["result_dataset"], table)
    assert outputs["result_dataset2"].empty
    assert "def azureml_main(dataframe1 = None, dataframe2 = None):" in DEFAULT_SCRIPT


def test_two_inputs_and_two_outputs(run: Run) -> None:
    """Both inputs reach the script; both returned frames come out."""
    script = (
        "import pandas as pd\n"
        "def azureml_main(dataframe1, dataframe2):\n"
        "    return dataframe1.merge(dataframe2, on='k'), dataframe2.head(1)\n"
    )
    left, right = pd.DataFrame({"k": [1, 2], "a": [3, 4]}), pd.DataFrame({"k": [2], "b": [5]})
    outputs = run(
        "execute_python_script", {"dataset1": left, "dataset2": right}, python_script=script
    )
    assert outputs["result_dataset"].to_dict("list") == {"k": [2], "a": [4], "b": [5]}
    assert outputs["result_dataset2"].to_dict("list") == {"k": [2], "b": [5]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "return dataframe1",
            r"must return a sequence of up to two pandas DataFrames, such as "
            r"'return dataframe1,' \(note the comma\); got DataFrame",
        ),
        (
            "return dataframe1, dataframe1, dataframe1",
            r"at most two DataFrames; got a sequence of 3",
        ),
        (
            "return dataframe1, 42",
            r"Item 2 returned by azureml_main must be a pandas DataFrame; "
            r"got int",
        ),
        ("return pd.DataFrame([[1, 2]], columns=['a', 'a']),", r"repeats column name\(s\) 'a'"),
    ],
)
def test_bad_return_values_are_explained(
    run: Run, table: pd.DataFrame, body: str, message: str
) -> None:
    """A wrong return value says what azureml_main must return."""
    script = f"import pandas as pd\ndef azureml_main(dataframe1, dataframe2):\n    {body}\n"
    with pytest.raises(ComponentInputError, match=message):
        run("execute_python_script", {"dataset1": table}, python_script=script)


def test_user_errors_carry_their_line(run: Run, table: pd.DataFrame) -> None:
    """An exception in the script reports the script's line and function."""
    script = "def azureml_main(dataframe1, dataframe2):\n    return 1 / 0\n"
    with pytest.raises(
        ComponentInputError,
        match=r'File "<script>", line 2, in azureml_main(.|\n)*ZeroDivisionError',
    ):
        run("execute_python_script", {"dataset1": table}, python_script=script)


def test_empty_script_is_rejected(run: Run, table: pd.DataFrame) -> None:
    """A blank script names the parameter."""
    with pytest.raises(ComponentInputError, match=r"'Python script' is required|is empty"):
        run("execute_python_script", {"dataset1": table}, python_script="   ")


def test_spec_declares_the_python_need() -> None:
    """The component asks the runner for its Python sandbox and is reused like others."""
    spec = get("execute_python_script").spec
    assert spec.needs == ("python",)
    assert spec.deterministic
