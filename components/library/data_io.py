"""Data Input and Output: Enter Data Manually, Import Data and Export Data.

Import and Export reach outside through the runner (`runtime.read_source`,
`runtime.write_export`); the components only parse and serialise bytes.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from components.errors import ComponentInputError
from components.ml import parsing
from components.registry import component
from components.runtime import Runtime
from components.spec import Param, ParamType, Port, PortKind

AUTO = "Auto (from the file extension)"
_EXTENSIONS = {
    ".csv": parsing.CSV,
    ".tsv": parsing.TSV,
    ".txt": parsing.CSV,
    ".parquet": parsing.PARQUET,
    ".jsonl": parsing.JSON_LINES,
    ".ndjson": parsing.JSON_LINES,
    ".arff": parsing.ARFF,
}
_DELIMITED = {"data_format": (AUTO, parsing.CSV, parsing.TSV)}


@component(
    id="enter_data_manually",
    name="Enter Data Manually",
    category="Data Input and Output",
    inputs=[],
    outputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    params=[
        Param(
            "data_format",
            ParamType.CHOICE,
            "DataFormat",
            default=parsing.CSV,
            choices=(parsing.CSV, parsing.TSV, parsing.ARFF, parsing.SVMLIGHT),
        ),
        Param(
            "has_header",
            ParamType.BOOL,
            "HasHeader",
            default=True,
            visible_if={"data_format": (parsing.CSV, parsing.TSV)},
            help="The first line names the columns; otherwise they are col1..colN.",
        ),
        Param(
            "data",
            ParamType.TEXT,
            "Data",
            default="",
            required=True,
            help="The rows, typed or pasted, in the chosen format.",
        ),
    ],
)
def enter_data_manually(*, data_format: str, has_header: bool, data: str | None) -> dict[str, Any]:
    """Enable entering and editing small datasets by typing values."""
    if not (data or "").strip():
        raise ComponentInputError("'Data' is empty; type or paste at least one row.")
    return {"dataset": parsing.parse_table(data or "", data_format, has_header=has_header)}


@component(
    id="import_data",
    name="Import Data",
    category="Data Input and Output",
    inputs=[],
    outputs=[Port("dataset", PortKind.DATASET, "Output dataset")],
    params=[
        Param(
            "location",
            ParamType.STR,
            "Path or URL",
            default="",
            required=True,
            help="A path under the workspace's import folder (such as sales/2024.csv) or an "
            "http(s) URL. The output is reused while the parameters do not change: "
            "tick 'Regenerate output' on the node when the source itself changed.",
        ),
        Param(
            "data_format",
            ParamType.CHOICE,
            "File format",
            default=AUTO,
            choices=(
                AUTO,
                parsing.CSV,
                parsing.TSV,
                parsing.PARQUET,
                parsing.JSON_LINES,
                parsing.ARFF,
            ),
        ),
        Param(
            "has_header", ParamType.BOOL, "File has header row", default=True, visible_if=_DELIMITED
        ),
        Param(
            "max_megabytes",
            ParamType.INT,
            "Size limit (MB)",
            default=100,
            min=1,
            max=10240,
            help="Refuse a source larger than this.",
        ),
    ],
    needs=("import",),
)
def import_data(
    *,
    location: str | None,
    data_format: str,
    has_header: bool,
    max_megabytes: int,
    runtime: Runtime,
) -> dict[str, Any]:
    """Load data from a file in the workspace's import folder or from a web URL.

    The step is deterministic: it is reused while its parameters are unchanged, as the
    designer's Import Data is unless 'Regenerate output' is ticked.
    """
    location = (location or "").strip()
    if not location:
        raise ComponentInputError("'Path or URL' is required.")
    chosen = _format_of(location) if data_format == AUTO else data_format
    raw = runtime.read_source(location, max_bytes=max_megabytes * 1024 * 1024)
    df = parsing.parse_table(raw, chosen, has_header=has_header)
    print(
        f"Read {len(raw)} bytes from {location} as {chosen}: {len(df)} rows, {df.shape[1]} columns."
    )
    return {"dataset": df}


def _format_of(location: str) -> str:
    path = location.split("?", 1)[0].lower()
    for extension, data_format in _EXTENSIONS.items():
        if path.endswith(extension):
            return data_format
    raise ComponentInputError(
        f"Cannot tell the file format of {location!r} from its extension "
        f"({', '.join(_EXTENSIONS)}); choose 'File format'."
    )


@component(
    id="export_data",
    name="Export Data",
    category="Data Input and Output",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("export_summary", PortKind.DATASET, "Export summary")],
    params=[
        Param(
            "path",
            ParamType.STR,
            "Path",
            default="",
            required=True,
            help="Where to write, relative to the workspace's export folder, such as "
            "results/scored.csv.",
        ),
        Param(
            "file_format",
            ParamType.CHOICE,
            "File type",
            default=parsing.CSV,
            choices=(parsing.CSV, parsing.PARQUET),
        ),
    ],
    needs=("export",),
    deterministic=False,
)
def export_data(
    dataset: pd.DataFrame, *, path: str | None, file_format: str, runtime: Runtime
) -> dict[str, Any]:
    """Save a dataset to the workspace's export folder as CSV or Parquet.

    The designer's Export Data has no output; this one reports what it wrote (path, rows,
    format) so the step has something to show. It always runs (never reused), since the file
    may have been changed or removed since.
    """
    path = (path or "").strip()
    if not path:
        raise ComponentInputError("'Path' is required.")
    buffer = io.BytesIO()
    if file_format == parsing.PARQUET:
        dataset.to_parquet(buffer, index=False)
    else:
        buffer.write(dataset.to_csv(index=False).encode("utf-8"))
    written = runtime.write_export(path, buffer.getvalue())
    print(f"Wrote {len(dataset)} rows to {written}.")
    summary = pd.DataFrame({"path": [written], "rows": [len(dataset)], "format": [file_format]})
    return {"export_summary": summary}
