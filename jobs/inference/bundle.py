"""The bundle: everything a scoring server needs from a real-time inference run, in one file.

A bundle is a zip file named after its own SHA-256 (``<sha256>.fbbundle``) holding

- ``manifest.json``: format and version, the input schema per Web Service Input (column,
  type, categorical, nullable), the output columns per Web Service Output, a sample request
  (a real row of the training data, without the label), the lineage (training run, inference
  run, model, dataset versions) and the SHA-256 of every other member;
- ``pipeline.json``: the inference run's pipeline spec;
- ``objects/<sha256>.pkl``: the frozen models and transformations, each as the artifact store
  keeps it (``.joblib`` in bundles made before objects were plain pickles);
- ``samples/<input>.parquet``: up to 500 rows of each input, which `load_bundle` uses to check
  the compiled fast path against the plain pipeline.

`load_bundle` checks the file's hash against its name (or the hash it is given) and every
member against the manifest before it unpickles anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.errors import ComponentInputError
from components.metadata import describe_columns
from jobs.inference.compiled import CompiledPipeline, compile_replay
from jobs.inference.errors import BundleError, RequestError
from jobs.inference.replay import WEB_SERVICE_INPUT, WEB_SERVICE_OUTPUT, Replay
from jobs.inference.schema import ColumnSchema, InputSchema
from jobs.pipeline import PipelineSpec
from storage.artifacts import json_safe, load_object
from storage.errors import ArtifactError

FORMAT = "flowbench-bundle"
FORMAT_VERSION = 1
SUFFIX = ".fbbundle"
SAMPLE_ROWS = 500
FROZEN = ("frozen_model", "frozen_transformation")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # member times, so equal content gives equal bytes
# Rows the fast path is checked on at load time.
CHECK_ROWS = 200
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class BundleInfo:
    """A written bundle: where it is, its SHA-256 (also its name) and its manifest."""

    path: Path
    sha256: str
    format_version: int
    manifest: dict[str, Any] = field(repr=False)


def write_bundle(
    store: Any,
    run_spec: dict[str, Any],
    outputs: dict[str, dict[str, str]],
    *,
    lineage: dict[str, Any] | None = None,
    dest_dir: str | Path | None = None,
) -> BundleInfo:
    """Write the bundle of a completed real-time inference run.

    Args:
        store: the `storage.ArtifactStore` holding the run's artifacts.
        run_spec: the inference run's (pinned) spec.
        outputs: node id -> port -> URI of the run's steps.
        lineage: what to record about where it came from (training run, inference run, model,
            dataset versions); the datasets' names and versions in the spec are added.
        dest_dir: the folder to write to; default ``<artifact root>/bundles``.

    Raises:
        BundleError: the run is not a completed real-time inference run.
    """
    spec = PipelineSpec.from_dict(run_spec)
    members: dict[str, bytes] = {"pipeline.json": _json_bytes(spec.to_dict())}
    objects: dict[str, str] = {}
    for node in spec.nodes:
        if node.component in FROZEN:
            uri = node.params.get("artifact")
            if not isinstance(uri, str):
                raise BundleError(f"Frozen node {node.id!r} names no stored artifact.")
            data = _read_artifact(store, uri)
            member = f"objects/{hashlib.sha256(data).hexdigest()}.{_object_suffix(uri)}"
            members[member] = data
            objects[uri] = member
    inputs, samples = [], {}
    for node in spec.nodes:
        if node.component == WEB_SERVICE_INPUT:
            table = _output_table(store, outputs, node.id)
            name = str(node.params.get("name", "WebServiceInput0"))
            columns = tuple(
                ColumnSchema(c["name"], c["type"], bool(c["categorical"]))
                for c in describe_columns(table)
            )
            inputs.append(InputSchema(name, columns))
            samples[name] = table.head(SAMPLE_ROWS).reset_index(drop=True)
            members[f"samples/{name}.parquet"] = _parquet_bytes(samples[name])
    answers = {}
    for node in spec.nodes:
        if node.component == WEB_SERVICE_OUTPUT:
            table = _output_table(store, outputs, node.id)
            answers[str(node.params.get("name", "WebServiceOutput0"))] = [
                {"name": c["name"], "type": c["type"]} for c in describe_columns(table)
            ]
    if not inputs or not answers:
        raise BundleError(
            "This run is not a real-time inference pipeline: it needs a Web "
            "Service Input and a Web Service Output (create one from a training "
            "run with 'Create real-time inference pipeline')."
        )
    loaded = {uri: _load_member(m, members[m]) for uri, m in objects.items()}
    replay = Replay(spec, loaded)
    inputs, sample_rows = _probe(replay, inputs, samples)
    datasets = [
        {"node": n.id, "dataset": n.dataset, "version": n.dataset_version}
        for n in spec.nodes
        if n.is_dataset
    ]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pipeline": spec.name,
        "inputs": [i.to_dict() for i in inputs],
        "outputs": [{"name": n, "columns": c} for n, c in answers.items()],
        "sample_request": {"Inputs": sample_rows, "GlobalParameters": {}},
        "lineage": {
            **(lineage or {}),
            "datasets": datasets,
            "frozen": [
                {
                    "node": n.id,
                    "component": n.component,
                    "artifact": n.params.get("artifact"),
                    "source": n.params.get("source", ""),
                }
                for n in spec.nodes
                if n.component in FROZEN
            ],
        },
        "objects": objects,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    data = _zip({"manifest.json": _json_bytes(manifest), **members})
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(dest_dir) if dest_dir is not None else Path(store.root) / "bundles"
    path = folder / f"{digest}{SUFFIX}"
    if not path.exists():
        _write_atomic(path, data)
    return BundleInfo(path=path, sha256=digest, format_version=FORMAT_VERSION, manifest=manifest)


class LoadedBundle:
    """A bundle ready to score: schemas, the sample request, and the fastest checked path."""

    def __init__(
        self,
        manifest: dict[str, Any],
        spec: PipelineSpec,
        objects: dict[str, Any],
        samples: dict[str, pd.DataFrame],
        sha256: str,
    ) -> None:
        self.manifest = manifest
        self.spec = spec
        self.sha256 = sha256
        self.inputs = [InputSchema.from_dict(i) for i in manifest["inputs"]]
        self.output_columns = {o["name"]: o["columns"] for o in manifest["outputs"]}
        self.sample_request = manifest["sample_request"]
        self.replay = Replay(spec, objects)
        self.compiled: CompiledPipeline | None = None
        self.engine = "pipeline"
        self.fast_path_note = ""
        self._try_compile(samples)

    @property
    def input_schema(self) -> InputSchema:
        """The schema of the first (usually only) Web Service Input."""
        return self.inputs[0]

    # -- scoring ----------------------------------------------------------------------------

    def score_request(self, inputs: Any) -> dict[str, list[dict[str, Any]]]:
        """Answer a request's "Inputs" object: output name -> rows.

        Raises:
            RequestError: an input is missing or a row does not fit the schema, or the
                pipeline refuses the rows (the message names the problem).
        """
        if not isinstance(inputs, dict):
            raise RequestError(
                [{"problem": "'Inputs' must be an object: {\"WebServiceInput0\": [rows]}"}]
            )
        missing = [i.name for i in self.inputs if i.name not in inputs]
        if missing:
            raise RequestError(
                [
                    {
                        "input": name,
                        "problem": "missing from 'Inputs'; expected "
                        f"{[i.name for i in self.inputs]}",
                    }
                    for name in missing
                ]
            )
        checked = {i.name: i.check(inputs[i.name]) for i in self.inputs}
        if self.compiled is not None:
            rows = checked[self.inputs[0].name]
            return {self.compiled.output_name: self.compiled.score_rows(rows)}
        return self._replay_rows(checked)

    def score(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The first output's rows for rows of the first input."""
        answer = self.score_request({self.inputs[0].name: rows})
        return next(iter(answer.values()))

    def score_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Batch scoring: the first output's table for a table of the first input's columns."""
        if self.compiled is not None:
            return self.compiled.score_frame(df)
        tables = self.replay.run({self.inputs[0].name: df})
        return next(iter(tables.values()))

    def score_plain(self, inputs: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
        """`score_request` through the plain pipeline, never the fast path (for checks)."""
        checked = {i.name: i.check(inputs[i.name]) for i in self.inputs}
        return self._replay_rows(checked)

    def _replay_rows(self, checked: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
        tables = {i.name: i.frame(checked[i.name]) for i in self.inputs}
        try:
            answers = self.replay.run(tables)
        except ComponentInputError as exc:
            raise RequestError([{"problem": f"the pipeline refused the rows: {exc}"}]) from exc
        counts = {len(rows) for rows in checked.values()}
        result = {}
        for name, table in answers.items():
            if len(counts) == 1 and len(table) != next(iter(counts)):
                raise RequestError(
                    [
                        {
                            "problem": f"the pipeline kept {len(table)} of "
                            f"{next(iter(counts))} row(s) (a step such as Clean "
                            "Missing Data removed rows); check for missing values"
                        }
                    ]
                )
            result[name] = _records(table)
        return result

    # -- the fast path ----------------------------------------------------------------------

    def _try_compile(self, samples: dict[str, pd.DataFrame]) -> None:
        if len(self.inputs) != 1:
            self.fast_path_note = "several inputs"
            return
        schema = self.inputs[0]
        rows = _valid_rows(schema, samples.get(schema.name), CHECK_ROWS)
        if not rows:
            self.fast_path_note = "no sample rows to check it on"
            return
        try:
            compiled = compile_replay(self.replay, self.inputs, schema.frame(rows))
        except Exception as exc:  # any surprise in an unknown shape means: use the plain path
            self.fast_path_note = f"not compiled: {type(exc).__name__}: {exc}"
            return
        if compiled is None:
            self.fast_path_note = "pipeline shape not supported by the fast path"
            return
        expected = self._replay_rows({schema.name: rows})[compiled.output_name]
        by_rows = compiled.score_rows(rows)
        by_frame = _records(compiled.score_frame(schema.frame(rows)))
        problem = _compare(expected, by_rows) or _compare(expected, by_frame)
        if problem:
            self.fast_path_note = f"disagreed with the pipeline ({problem}); not used"
            return
        self.compiled = compiled
        self.engine = "compiled"
        self.fast_path_note = f"checked against the pipeline on {len(rows)} rows"


def load_bundle(path: str | Path, expected_sha256: str | None = None) -> LoadedBundle:
    """Load a bundle after checking its hash and every member's.

    The file's SHA-256 must equal `expected_sha256` when given, and its name when the name is
    a SHA-256 (as `write_bundle` names it).

    Raises:
        BundleError: unreadable, not a bundle, another format version, or a hash mismatch.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError(f"Cannot read bundle {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    stem = path.name.removesuffix(SUFFIX)
    for expected, what in (
        (expected_sha256, "the expected hash"),
        (stem if _HEX64.match(stem) else None, "its name"),
    ):
        if expected and expected.lower() != digest:
            raise BundleError(
                f"Bundle {path.name} does not match {what} (its SHA-256 is "
                f"{digest[:12]}...); refusing to load it."
            )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BundleError(f"{path.name} is not a Flowbench bundle: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{path.name} is not a Flowbench bundle (no '{FORMAT}' manifest).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"Bundle format version {manifest.get('format_version')!r} is not "
            f"supported; this Flowbench reads version {FORMAT_VERSION}."
        )
    files = manifest.get("files", {})
    extra = set(archive.namelist()) - set(files) - {"manifest.json"}
    if extra:
        raise BundleError(
            f"Bundle {path.name} holds files its manifest does not list: {sorted(extra)}."
        )
    members = {}
    for name, sha in files.items():
        try:
            content = archive.read(name)
        except KeyError as exc:
            raise BundleError(f"Bundle {path.name} lacks {name}.") from exc
        if hashlib.sha256(content).hexdigest() != sha:
            raise BundleError(
                f"Bundle member {name} does not match its hash in the manifest; "
                "refusing to load it."
            )
        members[name] = content
    objects = {uri: _load_member(m, members[m]) for uri, m in manifest["objects"].items()}
    samples = {
        name.removeprefix("samples/").removesuffix(".parquet"): pq.read_table(
            io.BytesIO(content)
        ).to_pandas()
        for name, content in members.items()
        if name.startswith("samples/")
    }
    spec = PipelineSpec.from_dict(json.loads(members["pipeline.json"]))
    return LoadedBundle(manifest, spec, objects, samples, digest)


# -- helpers ----------------------------------------------------------------------------------


def _probe(
    replay: Replay, inputs: list[InputSchema], samples: dict[str, pd.DataFrame]
) -> tuple[list[InputSchema], dict[str, list]]:
    """Which columns may be missing, and a sample row per input that scores to one row.

    A column is nullable when a sample row with that value missing still scores to exactly
    one row: Clean Missing Data's "Remove entire row", say, makes its columns required.
    """
    chosen: dict[str, dict[str, Any]] = {}
    for schema in inputs:
        table = samples[schema.name]
        records = [
            {str(k): json_safe(v) for k, v in r.items()}
            for r in table.head(100).to_dict(orient="records")
        ]
        records.sort(key=lambda r: sum(v is None for v in r.values()))
        found = next(
            (r for r in records if _scores_one(replay, inputs, chosen, schema.name, r)), None
        )
        if found is None:
            raise BundleError(
                f"No sample row of {schema.name} scores through the pipeline; "
                "check the inference run's steps."
            )
        chosen[schema.name] = found
    probed = []
    for schema in inputs:
        row = chosen[schema.name]
        columns = []
        for column in schema.columns:
            nullable = row.get(column.name) is None or _scores_one(
                replay, inputs, chosen, schema.name, {**row, column.name: None}
            )
            columns.append(ColumnSchema(column.name, column.type, column.categorical, nullable))
        probed.append(InputSchema(schema.name, tuple(columns)))
    return probed, {name: [row] for name, row in chosen.items()}


def _scores_one(
    replay: Replay,
    inputs: list[InputSchema],
    chosen: dict[str, dict[str, Any]],
    name: str,
    row: dict[str, Any],
) -> bool:
    rows = {**chosen, name: row}
    if any(i.name not in rows for i in inputs):
        return True  # another input has no row yet: judged when it has one
    unlimited = [
        InputSchema(
            i.name, tuple(ColumnSchema(c.name, c.type, c.categorical, True) for c in i.columns)
        )
        for i in inputs
    ]
    try:
        tables = replay.run({i.name: i.frame([rows[i.name]]) for i in unlimited})
    except Exception:  # a probe that fails just means "not with this value"
        return False
    return all(len(t) == 1 for t in tables.values())


def _valid_rows(
    schema: InputSchema, table: pd.DataFrame | None, limit: int
) -> list[dict[str, Any]]:
    if table is None:
        return []
    rows = []
    for record in table.to_dict(orient="records"):
        row = {k: json_safe(v) for k, v in record.items()}
        try:
            schema.check([row])
        except RequestError:
            continue
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def _compare(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> str | None:
    if len(expected) != len(actual):
        return f"{len(actual)} rows instead of {len(expected)}"
    for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
        if list(left) != list(right):
            return f"columns {list(right)} instead of {list(left)}"
        for column, value in left.items():
            other = right[column]
            if (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and isinstance(other, (int, float))
                and not isinstance(other, bool)
            ):
                if not np.isclose(float(other), float(value), rtol=RELATIVE_TOLERANCE, atol=1e-12):
                    return f"row {index} column {column!r}: {other!r} instead of {value!r}"
            elif value != other:
                return f"row {index} column {column!r}: {other!r} instead of {value!r}"
    return None


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [str(c) for c in table.columns]
    return [
        {c: json_safe(v) for c, v in zip(columns, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def _object_suffix(uri: str) -> str:
    suffix = uri.rpartition(".")[2]
    if suffix not in ("pkl", "joblib"):
        raise BundleError(f"Frozen artifact {uri!r} is not a stored object (.pkl or .joblib).")
    return suffix


def _load_member(name: str, data: bytes) -> Any:
    """A bundle's object member, whose bytes were checked against the manifest."""
    try:
        return load_object(data, name.rpartition(".")[2])
    except ArtifactError as exc:
        raise BundleError(f"Bundle member {name}: {exc}") from exc


def _read_artifact(store: Any, uri: str) -> bytes:
    try:
        data = store.path_for(uri).read_bytes()
    except (ArtifactError, OSError) as exc:
        raise BundleError(f"Cannot read frozen artifact {uri!r}: {exc}") from exc
    name = Path(uri).name.split(".")[0]
    if _HEX64.match(name) and hashlib.sha256(data).hexdigest() != name:
        raise BundleError(f"Frozen artifact {uri!r} was modified after it was written.")
    return data


def _output_table(store: Any, outputs: dict[str, dict[str, str]], node_id: str) -> pd.DataFrame:
    uri = outputs.get(node_id, {}).get("dataset_out")
    if uri is None:
        raise BundleError(
            f"Step {node_id!r} has no output: the inference run must complete "
            "before its bundle can be written."
        )
    try:
        return store.get_table(uri)
    except ArtifactError as exc:
        raise BundleError(f"Cannot read the output of step {node_id!r}: {exc}") from exc


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True, default=str).encode("utf-8")


def _parquet_bytes(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name])
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BundleError(f"Cannot write bundle {path}: {exc}") from exc
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
