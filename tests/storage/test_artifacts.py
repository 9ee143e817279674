"""The artifact store: tables, objects and logs on the local file system."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.preprocessing import StandardScaler

from components.metadata import LABEL, roles, with_roles
from storage.artifacts import ArtifactStore
from storage.errors import (
    ArtifactError,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    NotFoundError,
)


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "artifacts")


@pytest.fixture
def table() -> pd.DataFrame:
    df = pd.DataFrame({
        "price": [1.5, np.nan, 3.0],
        "kind": pd.Categorical(["a", None, "b"], categories=["a", "b", "c"]),
        "name": pd.Series(["x", None, "z"], dtype="str"),
        "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
        "count": [1, 2, 3],
        "flag": [True, False, True],
    })
    return with_roles(df, {"price": LABEL})


class _Planted:
    """Unpickling this writes a marker file: stands in for a malicious payload."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


class TestTables:
    def test_round_trip_keeps_dtypes_roles_and_missing_values(self, artifacts, table):
        """Category dtype (with unused categories), NaN, NaT and roles survive a round trip."""
        ref = artifacts.put_table(table)
        back = artifacts.get_table(ref.uri)
        pd.testing.assert_frame_equal(back, table)
        assert list(back["kind"].cat.categories) == ["a", "b", "c"]
        assert roles(back)["price"] == LABEL
        assert ref.row_count == 3 and ref.uri == f"artifacts://objects/{ref.content_hash}.parquet"
        assert artifacts.table_columns(ref.uri) == ref.columns
        assert {c["name"]: c["categorical"] for c in ref.columns}["kind"] is True

    def test_same_table_same_uri_written_once(self, artifacts, table):
        """Storing equal content again returns the same URI and leaves the file alone."""
        first = artifacts.put_table(table)
        stat = artifacts.path_for(first.uri).stat()
        second = artifacts.put_table(table.copy())
        assert second == first
        again = artifacts.path_for(first.uri).stat()
        assert (again.st_ino, again.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)

    def test_roles_are_part_of_the_content(self, artifacts, table):
        """The same data with another label is another table with its own roles."""
        other = with_roles(table, {"price": "feature", "count": LABEL})
        a, b = artifacts.put_table(table), artifacts.put_table(other)
        assert a.uri != b.uri
        assert roles(artifacts.get_table(b.uri))["count"] == LABEL
        assert roles(artifacts.get_table(b.uri))["price"] == "feature"

    def test_the_index_is_not_stored(self, artifacts, table):
        """A filtered table equals its reset copy: the row index is not content."""
        filtered = table.iloc[[0, 2]]
        assert artifacts.put_table(filtered).uri == \
            artifacts.put_table(filtered.reset_index(drop=True)).uri

    @pytest.mark.parametrize("columns", [["a", "a"], [0, 1]])
    def test_column_names_must_be_unique_strings(self, artifacts, columns):
        """Duplicate or non-string column names are refused."""
        with pytest.raises(ArtifactError, match="unique strings"):
            artifacts.put_table(pd.DataFrame([[1, 2]], columns=columns))

    def test_preview_is_json_safe_and_limited(self, artifacts, table):
        """Preview gives the first rows with NaN/inf as None and timestamps as ISO text."""
        df = table.assign(ratio=[np.inf, 0.5, 1.0])
        preview = artifacts.preview(artifacts.put_table(df).uri, limit=2)
        json.dumps(preview, allow_nan=False)
        assert preview["row_count"] == 3 and len(preview["rows"]) == 2
        first, second = preview["rows"]
        assert first["when"] == "2024-01-01T00:00:00" and first["ratio"] is None
        assert second["price"] is None and second["kind"] is None and second["when"] is None
        assert first["count"] == 1 and first["flag"] is True
        assert [c["name"] for c in preview["columns"]] == list(df.columns)
        assert artifacts.preview(artifacts.put_table(df).uri, limit=0)["rows"] == []

    def test_preview_spans_small_row_groups(self, artifacts):
        """A preview gathers rows across row groups smaller than its limit."""
        df = pd.DataFrame({"n": range(500)})
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buffer, row_group_size=30)
        # Stored under its own content address, as the store would.
        uri = f"artifacts://objects/{hashlib.sha256(buffer.getvalue()).hexdigest()}.parquet"
        artifacts.path_for(uri).parent.mkdir(parents=True, exist_ok=True)
        artifacts.path_for(uri).write_bytes(buffer.getvalue())
        preview = artifacts.preview(uri, limit=100)
        assert [r["n"] for r in preview["rows"]] == list(range(100))
        assert preview["row_count"] == 500

    def test_missing_table_is_not_found(self, artifacts):
        """Reading an absent table raises ArtifactNotFoundError, also a NotFoundError."""
        with pytest.raises(ArtifactNotFoundError, match="No artifact exists at"):
            artifacts.get_table("artifacts://objects/" + "0" * 64 + ".parquet")
        assert issubclass(ArtifactNotFoundError, NotFoundError)


class TestObjects:
    def test_round_trip(self, artifacts):
        """A fitted transformation comes back and behaves the same."""
        scaler = StandardScaler().fit([[1.0], [3.0]])
        uri = artifacts.put_object(scaler)
        assert uri.startswith("artifacts://objects/") and uri.endswith(".joblib")
        assert artifacts.put_object(scaler) == uri
        assert artifacts.get_object(uri).transform([[3.0]])[0][0] == pytest.approx(1.0)

    def test_tampered_file_is_refused_before_unpickling(self, artifacts, tmp_path):
        """A changed object file raises ArtifactIntegrityError and its payload never runs."""
        uri = artifacts.put_object({"weights": [1, 2, 3]})
        marker = tmp_path / "payload-ran"
        artifacts.path_for(uri).write_bytes(pickle.dumps(_Planted(marker)))
        with pytest.raises(ArtifactIntegrityError, match="was modified after it was written"):
            artifacts.get_object(uri)
        assert not marker.exists()

    def test_only_object_uris_are_loaded(self, artifacts, table):
        """get_object refuses URIs that are not content-addressed joblib objects."""
        with pytest.raises(ArtifactError, match="not an object URI"):
            artifacts.get_object(artifacts.put_table(table).uri)

    def test_unpicklable_object_is_refused(self, artifacts):
        """An object pickle cannot store raises ArtifactError, not a pickling error."""
        with pytest.raises(ArtifactError, match="Cannot store function"):
            artifacts.put_object(lambda x: x)


class TestUrisAndLogs:
    @pytest.mark.parametrize("uri", [
        "artifacts://../outside.txt",
        "artifacts://objects/../../outside.txt",
        "artifacts:///etc/passwd",
        "artifacts://objects/..\\..\\outside.txt",
        "artifacts://objects/.hidden",
        "artifacts://",
    ])
    def test_traversal_is_refused(self, artifacts, uri):
        """URIs that could leave the root are refused."""
        with pytest.raises(ArtifactError, match="invalid segment"):
            artifacts.path_for(uri)

    @pytest.mark.parametrize("uri", ["file:///etc/passwd", "s3://bucket/key", "/etc/passwd"])
    def test_other_schemes_are_refused(self, artifacts, uri):
        """Only artifacts:// URIs are understood."""
        with pytest.raises(ArtifactError, match="is not an artifact URI"):
            artifacts.exists(uri)

    def test_uri_for_inverts_path_for(self, artifacts, tmp_path):
        """uri_for maps a stored file back to its URI and refuses paths outside the root."""
        uri = "artifacts://objects/abc.parquet"
        assert artifacts.uri_for(artifacts.path_for(uri)) == uri
        with pytest.raises(ArtifactError, match="outside the artifact store"):
            artifacts.uri_for(tmp_path / "elsewhere.txt")

    def test_logs(self, artifacts):
        """Logs read as '' until written, then as the last text written."""
        uri = artifacts.log_uri("run_1", "clean missing/../x")
        assert uri == "artifacts://logs/run_1/clean%20missing%2F..%2Fx.log"
        assert artifacts.path_for(uri).is_relative_to(artifacts.root)
        assert artifacts.read_log(uri) == ""
        artifacts.write_log(uri, "line 1\n")
        artifacts.write_log(uri, "line 1\nline 2\n")
        assert artifacts.read_log(uri) == "line 1\nline 2\n" and artifacts.exists(uri)

    def test_failed_write_leaves_no_file(self, artifacts, table, monkeypatch):
        """A write that fails before the rename leaves neither the target nor a temp file."""
        def broken_replace(src, dst):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken_replace)
        with pytest.raises(ArtifactError, match="Cannot write artifact .*: disk full"):
            artifacts.put_table(table)
        assert [p for p in artifacts.root.rglob("*") if p.is_file()] == []
