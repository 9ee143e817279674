"""Create Python Model's untrained and trained models: the user's `AzureMLModel`, sandboxed.

The user's class never lives in the worker. Create Python Model instantiates it in the runner's
Python sandbox and keeps the pickled object (bytes the worker never unpickles) with the script.
Train Model and Score Model, in later steps and other processes, send the script and those bytes
back to a new sandbox, which re-creates the object, calls `train` or `predict` and returns new
bytes or a DataFrame. The sandbox comes from `components.runtime.current_runtime`, which
`Component.run` sets, so Train Model and Score Model need no Python sandbox of their own.

Both classes hold only text and bytes, so they pickle like any other model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from components.errors import ComponentInputError
from components.ml.learners import feature_columns, labelled_rows
from components.runtime import Runtime, current_runtime

MODEL_CLASS = "AzureMLModel"
CREATE, TRAIN, PREDICT = "_flowbench_create", "_flowbench_train", "_flowbench_predict"

# The entry points the sandbox calls. They are compiled under their own file name, so the
# tracebacks the sandbox reports show only the frames of the user's script.
_ENTRY_POINTS = f'''
import pickle as _flowbench_pickle


def {CREATE}():
    model_class = globals().get("{MODEL_CLASS}")
    if not isinstance(model_class, type):
        return ("The script must define a class named {MODEL_CLASS} with the methods "
                "__init__(self), train(self, df_train, df_label) and predict(self, df).")
    missing = [m for m in ("train", "predict") if not callable(getattr(model_class, m, None))]
    if missing:
        return ("Class {MODEL_CLASS} must define " + " and ".join(missing)
                + ": train(self, df_train, df_label) and predict(self, df).")
    return _flowbench_pickle.dumps(model_class(), protocol=_flowbench_pickle.HIGHEST_PROTOCOL)


def {TRAIN}(model, df_train, df_label):
    model = _flowbench_pickle.loads(model)
    model.train(df_train, df_label)
    return _flowbench_pickle.dumps(model, protocol=_flowbench_pickle.HIGHEST_PROTOCOL)


def {PREDICT}(model, df):
    return _flowbench_pickle.loads(model).predict(df)
'''


def sandbox_script(script: str) -> str:
    """The user's script followed by the entry points the sandbox calls."""
    return f"{script}\n\nexec(compile({_ENTRY_POINTS!r}, '<flowbench>', 'exec'))\n"


def create_model(script: str, runtime: Runtime) -> PythonLearner:
    """Instantiate the script's `AzureMLModel` in the sandbox; the untrained model.

    Raises:
        ComponentInputError: the script fails, or lacks the class or its methods.
    """
    result = runtime.run_python(sandbox_script(script), CREATE, [])
    if isinstance(result, str):
        raise ComponentInputError(result)
    return PythonLearner(script=script, model=_expect_bytes(result, "__init__"))


@dataclass(frozen=True)
class PythonLearner:
    """An untrained Python model: the script and its pickled, freshly created `AzureMLModel`."""

    script: str = field(repr=False)
    model: bytes = field(default=b"", repr=False)
    name: str = "Python model"

    def fit(self, data: pd.DataFrame, label_column: str) -> TrainedPythonModel:
        """Call the model's `train(df_train, df_label)` in the sandbox; the trained model.

        `df_train` holds the feature columns (role feature, except the label), `df_label` the
        label as a Series; rows without a label are left out.

        Raises:
            ComponentInputError: no sandbox, no rows or features, or the user's `train` fails.
        """
        runtime = current_runtime(f"Training the {self.name}")
        labelled = labelled_rows(data, label_column)
        columns = feature_columns(data, label_column)
        if not columns:
            raise ComponentInputError(
                f"No feature columns to train the {self.name} on: every column other than the "
                f"label '{label_column}' is a score or has its feature flag cleared."
            )
        label = labelled[label_column].copy()
        label.attrs = {}
        trained = runtime.run_python(
            sandbox_script(self.script), TRAIN, [self.model, _bare(labelled[columns]), label]
        )
        print(
            f"Trained the {self.name} on {len(labelled)} rows and {len(columns)} feature "
            f"column(s) to predict '{label_column}'."
        )
        return TrainedPythonModel(
            script=self.script,
            model=_expect_bytes(trained, "train"),
            label_column=label_column,
            feature_columns=tuple(columns),
            name=self.name,
        )


@dataclass(frozen=True)
class TrainedPythonModel:
    """A trained Python model: the script, the pickled trained object and its columns."""

    script: str = field(repr=False)
    model: bytes = field(repr=False)
    label_column: str
    feature_columns: tuple[str, ...]
    name: str = "Python model"

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """The DataFrame the model's `predict(df)` returns, one row per row of `df` (same index).

        Raises:
            ComponentInputError: no sandbox, the user's `predict` fails, or it returns something
                other than a DataFrame with one row per input row and new column names.
        """
        runtime = current_runtime(f"Scoring with the {self.name}")
        result = runtime.run_python(sandbox_script(self.script), PREDICT, [self.model, _bare(df)])
        if not isinstance(result, pd.DataFrame):
            raise ComponentInputError(
                f"{MODEL_CLASS}.predict must return a pandas DataFrame of scores such as "
                f"pd.DataFrame({{'Scored Labels': ...}}); got {type(result).__name__}."
            )
        if len(result) != len(df):
            raise ComponentInputError(
                f"{MODEL_CLASS}.predict must return one row per input row: got {len(result)} "
                f"row(s) for {len(df)}."
            )
        names = [str(c) for c in result.columns]
        repeated = sorted({n for n in names if names.count(n) > 1})
        taken = sorted({n for n in names if n in (self.label_column, *self.feature_columns)})
        if repeated or taken:
            problem = (
                f"repeats {', '.join(map(repr, repeated))}"
                if repeated
                else f"reuses the input column(s) {', '.join(map(repr, taken))}"
            )
            raise ComponentInputError(
                f"The DataFrame {MODEL_CLASS}.predict returns {problem}; score columns need "
                f"names of their own, such as 'Scored Labels'."
            )
        result = result.set_axis(names, axis=1).set_axis(df.index, axis=0)
        result.attrs = {}
        return result


def _bare(df: pd.DataFrame) -> pd.DataFrame:
    # Column roles stay behind: the user's code gets a plain DataFrame.
    frame = df.copy()
    frame.attrs = {}
    return frame


def _expect_bytes(value: Any, method: str) -> bytes:
    if not isinstance(value, bytes):
        raise ComponentInputError(
            f"The sandbox returned {type(value).__name__} after {MODEL_CLASS}.{method}; "
            f"expected the pickled model."
        )
    return value
