"""Web Service Input and Output, and the frozen nodes of an inference pipeline.

An inference pipeline (jobs.inference) is an ordinary pipeline: the trained model and every
fitted transformation of the training run enter it as frozen nodes (the designer's MD- and TD-
nodes) that load the stored artifact, fitted transformations are replayed by Apply
Transformation, and Web Service Input / Output mark where a scoring request enters and where
the answer leaves. In a pipeline run Web Service Input passes its dataset through (the dataset
gives the schema and a sample); the scoring server feeds it the request rows instead.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from components import columns as column_selector
from components import metadata
from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.learners import TrainedModel
from components.ml.python_model import TrainedPythonModel
from components.ml.recommender import SvdRecommender
from components.ml.transforms import Transformation
from components.ml.transforms.absent import WithoutColumn
from components.registry import component
from components.runtime import Runtime
from components.spec import Param, ParamType, Port, PortKind

_ALL = {"begin": "all", "rules": []}


def _project(dataset: pd.DataFrame, columns: dict[str, Any], what: str) -> pd.DataFrame:
    names = column_selector.resolve(dataset, columns)
    if not names:
        raise ComponentInputError(
            f"{what} selects no columns; the dataset has: {', '.join(map(str, dataset.columns))}."
        )
    return metadata.keep_metadata(dataset, dataset[names])


@component(
    id="web_service_input",
    name="Web Service Input",
    category="Web Service",
    inputs=[Port("dataset", PortKind.DATASET, "Schema dataset", optional=True)],
    outputs=[Port("dataset_out", PortKind.DATASET, "Dataset")],
    params=[
        Param(
            "name",
            ParamType.STR,
            "Name",
            default="WebServiceInput0",
            required=True,
            help='The key of this input\'s rows in a request: {"Inputs": {name: [rows]}}.',
        ),
        Param(
            "columns",
            ParamType.COLUMNS,
            "Columns a request carries",
            default=_ALL,
            required=True,
            help="The schema dataset's columns that requests carry; the conversion leaves "
            "out the label.",
        ),
    ],
)
def web_service_input(
    dataset: pd.DataFrame | None, *, name: str, columns: dict[str, Any]
) -> dict[str, Any]:
    """Mark where a real-time request's rows enter an inference pipeline."""
    if dataset is None:
        raise ComponentInputError(
            f"Web Service Input '{name}' needs a dataset connected to give its schema and a "
            "sample request."
        )
    return {"dataset_out": _project(dataset, columns, f"Web Service Input '{name}'")}


@component(
    id="web_service_output",
    name="Web Service Output",
    category="Web Service",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("dataset_out", PortKind.DATASET, "Dataset")],
    params=[
        Param(
            "name",
            ParamType.STR,
            "Name",
            default="WebServiceOutput0",
            required=True,
            help='The key of this output\'s rows in an answer: {"Results": {name: [rows]}}.',
        ),
        Param(
            "columns",
            ParamType.COLUMNS,
            "Columns to return",
            default=_ALL,
            required=True,
            help="Trim the answer, for example to only 'Scored Labels'.",
        ),
    ],
)
def web_service_output(
    dataset: pd.DataFrame, *, name: str, columns: dict[str, Any]
) -> dict[str, Any]:
    """Mark where a real-time inference pipeline's answer leaves, trimmed to chosen columns."""
    return {"dataset_out": _project(dataset, columns, f"Web Service Output '{name}'")}


@component(
    id="frozen_model",
    name="Frozen Trained Model",
    category="Web Service",
    inputs=[],
    outputs=[Port("trained_model", PortKind.TRAINED_MODEL, "Trained model")],
    params=[
        Param(
            "artifact",
            ParamType.STR,
            "Stored model",
            required=True,
            help="The artifact URI of a model trained by an earlier run (replace it to "
            "update the inference pipeline with a retrained model).",
        ),
        Param(
            "source",
            ParamType.STR,
            "Trained by",
            default="",
            help="Where the model came from: run and step.",
        ),
    ],
    needs=("artifact",),
)
def frozen_model(*, artifact: str, source: str, runtime: Runtime) -> dict[str, Any]:
    """A trained model saved by a training run (the designer's MD- node)."""
    model = runtime.load_artifact(artifact)
    expect_instance(
        model,
        (TrainedModel, TrainedPythonModel, SvdRecommender),
        "Stored model",
        "a model trained by Train Model",
    )
    return {"trained_model": model}


@component(
    id="frozen_transformation",
    name="Frozen Transformation",
    category="Web Service",
    inputs=[],
    outputs=[Port("transformation", PortKind.TRANSFORMATION, "Transformation")],
    params=[
        Param(
            "artifact",
            ParamType.STR,
            "Stored transformation",
            required=True,
            help="The artifact URI of a transformation fitted by an earlier run.",
        ),
        Param(
            "source",
            ParamType.STR,
            "Fitted by",
            default="",
            help="Where the transformation came from: run and step.",
        ),
        Param(
            "absent_column",
            ParamType.STR,
            "Column requests lack",
            default="",
            help="A column the transformation was fitted with that new rows do not carry "
            "(the label); a training value stands in for it while it is applied.",
        ),
        Param(
            "absent_value",
            ParamType.STR,
            "Stand-in value (JSON)",
            default="null",
            help="The JSON value that stands in for the absent column.",
        ),
    ],
    needs=("artifact",),
)
def frozen_transformation(
    *, artifact: str, source: str, absent_column: str, absent_value: str, runtime: Runtime
) -> dict[str, Any]:
    """A fitted data transformation saved by a training run (the designer's TD- node)."""
    fitted = expect_instance(
        runtime.load_artifact(artifact),
        Transformation,  # type: ignore[type-abstract]
        "Stored transformation",
        "a fitted transformation",
    )
    if absent_column:
        try:
            placeholder = json.loads(absent_value)
        except ValueError as exc:
            raise ComponentInputError(f"'Stand-in value (JSON)' is not JSON: {exc}") from exc
        fitted = WithoutColumn(fitted, absent_column, placeholder)
    return {"transformation": fitted}
