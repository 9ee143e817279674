"""Execute Python Script: the user's pandas code, run in the runner's Python sandbox.

The script never runs in the worker: `runtime.run_python` starts a separate, limited process
(see jobs.runtime.python) without access to the workspace's secrets.

The component is deterministic as far as reuse goes, as in the designer: a run whose script and
inputs are unchanged reuses the previous outputs instead of running the script again. A script
that draws random numbers should seed them (``np.random.default_rng(0)``); a script that reads
something outside its inputs (a clock, a web page) is changed to make it run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from components.errors import ComponentInputError
from components.registry import component
from components.runtime import Runtime
from components.spec import Param, ParamType, Port, PortKind

ENTRY_POINT = "azureml_main"
DEFAULT_SCRIPT = """\
# The script MUST contain a function named azureml_main,
# which is the entry point for this component.

# imports up here can be used to
import pandas as pd

# The entry point function MUST have two input arguments.
# If the input port is not connected, the corresponding
# dataframe argument will be None.
#   Param<dataframe1>: a pandas.DataFrame
#   Param<dataframe2>: a pandas.DataFrame
def azureml_main(dataframe1 = None, dataframe2 = None):

    # Execution logic goes here
    print(f'Input pandas.DataFrame #1: {dataframe1}')

    # Return value must be of a sequence of pandas.DataFrame
    # E.g.
    #   -  Single return value: return dataframe1,
    #   -  Two return values: return dataframe1, dataframe2
    return dataframe1,
"""


@component(
    id="execute_python_script",
    name="Execute Python Script",
    category="Python Language",
    inputs=[
        Port("dataset1", PortKind.DATASET, "Dataset1", optional=True),
        Port("dataset2", PortKind.DATASET, "Dataset2", optional=True),
    ],
    outputs=[
        Port("result_dataset", PortKind.DATASET, "Result dataset"),
        Port("result_dataset2", PortKind.DATASET, "Result dataset2"),
    ],
    params=[
        Param(
            "python_script",
            ParamType.TEXT,
            "Python script",
            default=DEFAULT_SCRIPT,
            required=True,
            help="Define azureml_main(dataframe1, dataframe2) returning up to two "
            "DataFrames, e.g. 'return dataframe1,'.",
        )
    ],
    needs=("python",),
)
def execute_python_script(
    dataset1: pd.DataFrame | None,
    dataset2: pd.DataFrame | None,
    *,
    python_script: str,
    runtime: Runtime,
) -> dict[str, Any]:
    """Run Python code on up to two datasets; return up to two datasets.

    The script defines ``azureml_main(dataframe1, dataframe2)`` and returns a sequence of at
    most two DataFrames; a missing one gives an empty output. Printed text goes to the step log.
    """
    if not python_script.strip():
        raise ComponentInputError(
            "The 'Python script' parameter is empty; it must define "
            f"{ENTRY_POINT}(dataframe1, dataframe2)."
        )
    result = runtime.run_python(python_script, ENTRY_POINT, [dataset1, dataset2])
    first, second = result_frames(result)
    return {"result_dataset": first, "result_dataset2": second}


def result_frames(result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (up to) two DataFrames of `azureml_main`'s return value; missing ones are empty.

    Raises:
        ComponentInputError: not a sequence, more than two items, or an item not a DataFrame.
    """
    if (
        isinstance(result, pd.DataFrame)
        or not isinstance(result, Sequence)
        or isinstance(result, str)
    ):
        raise ComponentInputError(
            f"{ENTRY_POINT} must return a sequence of up to two pandas DataFrames, such as "
            f"'return dataframe1,' (note the comma); got {type(result).__name__}."
        )
    if len(result) > 2:
        raise ComponentInputError(
            f"{ENTRY_POINT} must return at most two DataFrames; got a sequence of "
            f"{len(result)} items."
        )
    frames = []
    for position, item in enumerate(list(result) + [None] * (2 - len(result)), start=1):
        if item is None:
            frames.append(pd.DataFrame())
            continue
        if not isinstance(item, pd.DataFrame):
            raise ComponentInputError(
                f"Item {position} returned by {ENTRY_POINT} must be a pandas DataFrame; got "
                f"{type(item).__name__}."
            )
        frames.append(_storable(item, position))
    return frames[0], frames[1]


def _storable(frame: pd.DataFrame, position: int) -> pd.DataFrame:
    names = [str(c) for c in frame.columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ComponentInputError(
            f"DataFrame {position} returned by {ENTRY_POINT} repeats column name(s) "
            f"{', '.join(map(repr, repeated))}; column names must be unique."
        )
    if names != list(frame.columns):
        frame = frame.set_axis(names, axis=1)
    return frame
