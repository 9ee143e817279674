"""Create Python Model: an untrained model written in Python, for Train Model and Score Model.

The script defines ``class AzureMLModel`` with ``__init__(self)``, ``train(self, df_train,
df_label)`` and ``predict(self, df)`` returning a DataFrame of scores. Its code never runs in the
worker: `components.ml.python_model` runs each method in the runner's Python sandbox.
"""

from __future__ import annotations

from typing import Any

from components.errors import ComponentInputError
from components.ml.python_model import MODEL_CLASS, create_model
from components.registry import component
from components.runtime import Runtime
from components.spec import Param, ParamType, Port, PortKind

DEFAULT_SCRIPT = """\
import pandas as pd
from sklearn.linear_model import LogisticRegression


class AzureMLModel:
    # __init__ runs once, in Create Python Model; the attributes it sets are kept
    # and are available in Train Model and Score Model.
    def __init__(self):
        self.model = LogisticRegression(max_iter=1000)
        self.feature_column_names = list()

    # train runs in Train Model.
    #   df_train: pandas.DataFrame of the feature columns
    #   df_label: pandas.Series, the label column
    def train(self, df_train, df_label):
        # Numeric columns only; a missing value becomes the column's training mean.
        self.feature_column_names = df_train.select_dtypes("number").columns.tolist()
        features = df_train[self.feature_column_names]
        self.fill_values = features.mean()
        self.model.fit(features.fillna(self.fill_values), df_label)

    # predict runs in Score Model.
    #   df: pandas.DataFrame to score, with the same feature column names.
    # Returns a pandas.DataFrame of score columns, one row per row of df; their names
    # must differ from the input's columns. "Scored Labels" with "Scored Probabilities"
    # (two classes) or "Scored Probabilities_<class>" is what Evaluate Model reads.
    def predict(self, df):
        features = df[self.feature_column_names].fillna(self.fill_values)
        probabilities = self.model.predict_proba(features)
        scores = {"Scored Labels": self.model.predict(features)}
        if len(self.model.classes_) == 2:
            scores["Scored Probabilities"] = probabilities[:, 1]
        else:
            for index, name in enumerate(self.model.classes_):
                scores[f"Scored Probabilities_{name}"] = probabilities[:, index]
        return pd.DataFrame(scores)
"""


@component(
    id="create_python_model",
    name="Create Python Model",
    category="Python Language",
    inputs=[],
    outputs=[Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model")],
    params=[
        Param(
            "python_script",
            ParamType.TEXT,
            "Python script",
            default=DEFAULT_SCRIPT,
            required=True,
            help=f"Define class {MODEL_CLASS} with __init__(self), train(self, df_train, "
            f"df_label) and predict(self, df) returning a DataFrame of scores.",
        )
    ],
    needs=("python",),
)
def create_python_model(*, python_script: str, runtime: Runtime) -> dict[str, Any]:
    """Create an untrained model from a Python script, for Train Model and Score Model.

    The script's ``AzureMLModel`` is created here, in the runner's sandbox; Train Model calls its
    ``train(df_train, df_label)`` and Score Model its ``predict(df)``, each in a new sandbox.
    """
    if not python_script.strip():
        raise ComponentInputError(
            f"The 'Python script' parameter is empty; it must define class {MODEL_CLASS}."
        )
    return {"untrained_model": create_model(python_script, runtime)}
