"""The artifact store's contract: the same tests against a local folder and Azurite (Azure Blob).

Tests that only make sense for a folder (paths, a failing rename) say so in their class name.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.preprocessing import StandardScaler

from components.metadata import LABEL, roles, with_roles
from storage.artifacts import SCHEME, ArtifactStore
from storage.errors import (
    ArtifactError,
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    NotFoundError,
)
from tests.conftest import AZURITE_KEY, ROOT

SMALL_SPOOL = 64 * 1024  # stores made with this stream anything larger through staging


@dataclass
class Raw:
    """Reaches the bytes behind a store without going through it (to tamper, list, compare)."""

    kind: str
    store: ArtifactStore
    container: str = ""
    connection_string: str = ""

    def _blob(self, key: str):
        from azure.storage.blob import BlobServiceClient

        service = BlobServiceClient.from_connection_string(self.connection_string)
        return service.get_blob_client(self.container, f"ws/{key}")

    def write(self, uri: str, data: bytes) -> None:
        key = uri.removeprefix(SCHEME)
        if self.kind == "local":
            self.store.path_for(uri).parent.mkdir(parents=True, exist_ok=True)
            self.store.path_for(uri).write_bytes(data)
        else:
            self._blob(key).upload_blob(data, overwrite=True)

    def read(self, uri: str) -> bytes:
        if self.kind == "local":
            return self.store.path_for(uri).read_bytes()
        return self._blob(uri.removeprefix(SCHEME)).download_blob().readall()

    def version(self, uri: str) -> object:
        """Changes whenever the object is written again."""
        if self.kind == "local":
            stat = self.store.path_for(uri).stat()
            return stat.st_ino, stat.st_mtime_ns
        return self._blob(uri.removeprefix(SCHEME)).get_blob_properties().etag

    def keys(self) -> list[str]:
        """Every visible (committed) object, including leftovers such as temporary files."""
        if self.kind == "local":
            root = self.store.root
            return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        from azure.storage.blob import ContainerClient

        client = ContainerClient.from_connection_string(self.connection_string, self.container)
        return sorted(b.name.removeprefix("ws/") for b in client.list_blobs())

    def uncommitted(self) -> list[str]:
        """Blobs that hold only uncommitted blocks (Azure): invisible to readers."""
        from azure.storage.blob import ContainerClient

        client = ContainerClient.from_connection_string(self.connection_string, self.container)
        return [
            b.name
            for b in client.list_blobs(include=["uncommittedblobs"])
            if b.name not in {c.name for c in client.list_blobs()}
        ]


def _open(kind: str, tmp_path: Path, request, spool_limit: int | None = None):
    options = {} if spool_limit is None else {"spool_limit": spool_limit}
    if kind == "local":
        store = ArtifactStore(tmp_path / "artifacts", **options)
        return store, Raw("local", store)
    azurite = request.getfixturevalue("azurite")
    container = f"t{uuid.uuid4().hex[:20]}"
    env = {"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string}
    store = ArtifactStore(f"az://{container}/ws", env=env, **options)
    store.check()  # creates the container
    return store, Raw("azurite", store, container, azurite.connection_string)


@pytest.fixture(params=["local", "azurite"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def opened(kind, tmp_path, request):
    return _open(kind, tmp_path, request)


@pytest.fixture
def artifacts(opened) -> ArtifactStore:
    return opened[0]


@pytest.fixture
def raw(opened) -> Raw:
    return opened[1]


@pytest.fixture
def streaming(kind, tmp_path, request):
    """A second store on the same bytes whose spool limit is tiny: large objects stream."""
    store, raw = _open(kind, tmp_path, request, spool_limit=SMALL_SPOOL)
    return store, raw


@pytest.fixture
def table() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "price": [1.5, np.nan, 3.0],
            "kind": pd.Categorical(["a", None, "b"], categories=["a", "b", "c"]),
            "name": pd.Series(["x", None, "z"], dtype="str"),
            "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
            "count": [1, 2, 3],
            "flag": [True, False, True],
        }
    )
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

    def test_same_table_same_uri_written_once(self, artifacts, raw, table):
        """Storing equal content again returns the same URI and leaves the object alone."""
        first = artifacts.put_table(table)
        version = raw.version(first.uri)
        second = artifacts.put_table(table.copy())
        assert second == first
        assert raw.version(first.uri) == version

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
        assert (
            artifacts.put_table(filtered).uri
            == artifacts.put_table(filtered.reset_index(drop=True)).uri
        )

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

    def test_preview_spans_small_row_groups(self, artifacts, raw):
        """A preview gathers rows across row groups smaller than its limit."""
        df = pd.DataFrame({"n": range(500)})
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), sink, row_group_size=30)
        data = sink.getvalue().to_pybytes()
        uri = f"{SCHEME}objects/{hashlib.sha256(data).hexdigest()}.parquet"
        raw.write(uri, data)
        assert pq.ParquetFile(pa.BufferReader(data)).num_row_groups > 1
        preview = artifacts.preview(uri, limit=100)
        assert [r["n"] for r in preview["rows"]] == list(range(100))
        assert preview["row_count"] == 500

    def test_missing_artifacts_are_not_found(self, artifacts):
        """Reading anything absent raises ArtifactNotFoundError (a NotFoundError) naming it."""
        table, model = (f"{SCHEME}objects/{'0' * 64}.{suffix}" for suffix in ("parquet", "joblib"))
        for read in (artifacts.get_table, artifacts.preview, artifacts.table_columns):
            with pytest.raises(ArtifactNotFoundError, match=f"No artifact exists at '{table}'"):
                read(table)
        with pytest.raises(ArtifactNotFoundError, match="No artifact exists at"):
            artifacts.get_object(model)
        with pytest.raises(ArtifactNotFoundError, match="No artifact exists at"):
            artifacts.get_bytes(f"{SCHEME}objects/{'0' * 64}.bin")
        assert not artifacts.exists(table)
        assert issubclass(ArtifactNotFoundError, NotFoundError)

    def test_many_dtypes_round_trip(self, artifacts):
        """Integers of every width, nullable types, decimals, times with zones and durations
        come back equal, with their dtypes."""
        n = 5
        df = pd.DataFrame(
            {
                "i8": np.arange(n, dtype="int8"),
                "u16": np.arange(n, dtype="uint16"),
                "i64": np.arange(n, dtype="int64") * 10**12,
                "f32": np.linspace(0, 1, n, dtype="float32"),
                "nullable_int": pd.array([1, None, 3, 4, None], dtype="Int64"),
                "nullable_bool": pd.array([True, None, False, True, None], dtype="boolean"),
                "text": pd.Series(["a", "é", None, "", "z"], dtype="str"),
                "ordered": pd.Categorical(
                    ["lo", "hi", "lo", None, "mid"], categories=["lo", "mid", "hi"], ordered=True
                ),
                "utc": pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC"),
                "local_time": pd.date_range(
                    "2024-03-30", periods=n, freq="D", tz="Europe/Amsterdam"
                ),
                "duration": pd.to_timedelta([1, 2, None, 4, 5], unit="s"),
                "decimal": [Decimal("1.10"), Decimal("2.25"), None, Decimal("0"), Decimal("-3.5")],
                "raw_bytes": [b"\x00", b"ab", None, b"", b"\xff"],
            }
        )
        back = artifacts.get_table(artifacts.put_table(df).uri)
        pd.testing.assert_frame_equal(back, df)

    def test_large_table_streams_to_the_same_address(self, artifacts, streaming):
        """A table larger than the spool limit is streamed through staging, gets the same
        content address as when written from memory, reads back equal, and leaves no staging
        object behind."""
        store, raw = streaming
        rng = np.random.default_rng(1)
        df = pd.DataFrame(
            {
                "x": rng.normal(size=60_000),
                "k": rng.integers(0, 9, 60_000),
                "s": rng.choice(["u", "v", "w"], 60_000),
            }
        )
        streamed = store.put_table(df)
        assert streamed == artifacts.put_table(df)  # same bytes, whichever way written
        pd.testing.assert_frame_equal(store.get_table(streamed.uri), df)
        objects = [k for k in raw.keys() if k.startswith("objects/")]
        assert sorted(objects) == sorted(
            [
                streamed.uri.removeprefix(SCHEME),
                streamed.uri.removeprefix(SCHEME).replace(".parquet", ".columns.json"),
            ]
        )
        assert [k for k in raw.keys() if not k.startswith("objects/")] == []

    def test_tampered_table_is_refused(self, artifacts, raw, table):
        """A table whose bytes were changed behind the store is refused by get_table and by
        preview, and the error names the URI."""
        ref = artifacts.put_table(table)
        other = pa.BufferOutputStream()
        pq.write_table(pa.table({"price": [666.0]}), other)
        raw.write(ref.uri, other.getvalue().to_pybytes())
        with pytest.raises(ArtifactIntegrityError, match=ref.uri):
            artifacts.get_table(ref.uri)
        with pytest.raises(ArtifactIntegrityError):
            artifacts.preview(ref.uri)

    def test_tampered_large_table_is_refused_by_preview(self, artifacts, raw):
        """A table too large to preview from memory is still checked: one byte changed in
        its data pages (the footer and first rows left as they were) and the preview refuses."""
        from storage.artifacts import PREVIEW_WHOLE_LIMIT

        rng = np.random.default_rng(7)
        df = pd.DataFrame({"x": rng.normal(size=PREVIEW_WHOLE_LIMIT // 8 + 50_000)})
        ref = artifacts.put_table(df)
        data = bytearray(raw.read(ref.uri))
        assert len(data) > PREVIEW_WHOLE_LIMIT
        assert artifacts.preview(ref.uri, limit=3)["rows"][0]["x"] == df["x"][0]
        data[len(data) * 3 // 4] ^= 0xFF
        raw.write(ref.uri, bytes(data))
        with pytest.raises(ArtifactIntegrityError, match="modified"):
            artifacts.preview(ref.uri, limit=3)


class TestObjects:
    def test_round_trip(self, artifacts):
        """A fitted transformation comes back and behaves the same."""
        scaler = StandardScaler().fit([[1.0], [3.0]])
        uri = artifacts.put_object(scaler)
        assert uri.startswith("artifacts://objects/") and uri.endswith(".pkl")
        assert artifacts.put_object(scaler) == uri
        assert artifacts.get_object(uri).transform([[3.0]])[0][0] == pytest.approx(1.0)

    def test_objects_written_with_joblib_before_still_load(self, artifacts, raw):
        """Workspaces hold `.joblib` objects from before objects were plain pickles."""
        scaler = StandardScaler().fit([[1.0], [3.0]])
        buffer = io.BytesIO()
        joblib.dump(scaler, buffer)
        data = buffer.getvalue()
        uri = f"{SCHEME}objects/{hashlib.sha256(data).hexdigest()}.joblib"
        raw.write(uri, data)
        assert artifacts.get_object(uri).transform([[3.0]])[0][0] == pytest.approx(1.0)
        raw.write(uri, data + b"x")
        with pytest.raises(ArtifactIntegrityError):
            artifacts.get_object(uri)

    def test_tampered_file_is_refused_before_unpickling(self, artifacts, raw, tmp_path):
        """A changed object raises ArtifactIntegrityError and its payload never runs."""
        uri = artifacts.put_object({"weights": [1, 2, 3]})
        marker = tmp_path / "payload-ran"
        raw.write(uri, pickle.dumps(_Planted(marker)))
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


class TestFiles:
    def test_round_trip_from_bytes_path_and_reader(self, artifacts, streaming, tmp_path):
        """Opaque files are stored by content from bytes, a path or a reader (streamed past
        the spool limit), and come back as bytes or as a local file."""
        store, _ = streaming
        data = os.urandom(300_000)
        source = tmp_path / "bundle.tar.gz"
        source.write_bytes(data)
        uri = artifacts.put_file(data, "tar.gz")
        assert uri == f"{SCHEME}objects/{hashlib.sha256(data).hexdigest()}.tar.gz"
        assert store.put_file(source, "tar.gz") == uri
        with source.open("rb") as handle:
            assert store.put_file(handle, "tar.gz") == uri
        assert artifacts.get_bytes(uri) == data
        copy = artifacts.get_file(uri, tmp_path / "out" / "copy.tar.gz")
        assert copy.read_bytes() == data

    def test_tampered_file_is_refused_and_not_copied(self, artifacts, raw, tmp_path):
        """A changed file is refused as bytes and never appears at the destination."""
        uri = artifacts.put_file(b"bundle v1", "bin")
        raw.write(uri, b"bundle v2")
        with pytest.raises(ArtifactIntegrityError):
            artifacts.get_bytes(uri)
        with pytest.raises(ArtifactIntegrityError):
            artifacts.get_file(uri, tmp_path / "copy.bin")
        assert list(tmp_path.glob("*copy.bin*")) == []

    @pytest.mark.parametrize("suffix", ["parquet", "pkl", "joblib", "../x", "EXE", ""])
    def test_reserved_or_odd_suffixes_are_refused(self, artifacts, suffix):
        """Opaque files cannot pose as tables or pickles, nor leave the objects folder."""
        with pytest.raises(ArtifactError, match="suffix"):
            artifacts.put_file(b"x", suffix)


class TestConcurrencyAndFailures:
    def test_concurrent_writers_of_the_same_objects(self, streaming, table):
        """Eight writers storing the same small table, large table and object at once all get
        the same URIs, the objects read back verified, and nothing temporary is left."""
        store, raw = streaming
        big = pd.DataFrame({"n": np.arange(40_000), "x": np.linspace(0, 1, 40_000)})
        results: list[tuple[str, str, str]] = []
        errors: list[BaseException] = []

        def write() -> None:
            try:
                results.append(
                    (
                        store.put_table(table).uri,
                        store.put_table(big).uri,
                        store.put_object({"w": [1, 2, 3]}),
                    )
                )
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(set(results)) == 1 and len(results) == 8
        small_uri, big_uri, object_uri = results[0]
        pd.testing.assert_frame_equal(store.get_table(small_uri), table)
        pd.testing.assert_frame_equal(store.get_table(big_uri), big)
        assert store.get_object(object_uri) == {"w": [1, 2, 3]}
        assert [k for k in raw.keys() if not k.startswith("objects/")] == []

    def test_a_writer_killed_mid_write_leaves_no_object(self, kind, streaming, tmp_path):
        """A process killed while streaming a large table leaves nothing under the table's
        name (only an invisible staging leftover); a later writer stores it whole."""
        store, raw = streaming
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        location = str(store.root) if kind == "local" else store.location
        if kind != "local":
            env["AZURE_STORAGE_CONNECTION_STRING"] = raw.connection_string
        script = (
            "import sys, time, numpy as np, pandas as pd\n"
            "from storage import artifact_backends as b\n"
            "from storage.artifacts import ArtifactStore\n"
            "original = b.LocalBackend.open_staging, b.FsspecBackend.open_staging\n"
            "def slow(open_staging):\n"
            "    def opened(*args, **kwargs):\n"
            "        staging = open_staging(*args, **kwargs)\n"
            "        write, sent = staging.write, [0]\n"
            "        def slow_write(data):\n"
            "            write(data)\n"
            "            sent[0] += memoryview(data).nbytes\n"
            "            if sent[0] > 9 * 2**20:  # past Azure's first 8 MiB block: hang\n"
            "                print('in flight', flush=True); time.sleep(600)\n"
            "        staging.write = slow_write\n"
            "        return staging\n"
            "    return opened\n"
            "b.LocalBackend.open_staging = slow(original[0])\n"
            "b.FsspecBackend.open_staging = slow(original[1])\n"
            f"store = ArtifactStore({location!r}, spool_limit={SMALL_SPOOL})\n"
            "df = pd.DataFrame({'x': np.random.default_rng(7).random(1_500_000)})\n"
            "store.put_table(df)\n"
            "print('finished', flush=True)\n"
        )
        df = pd.DataFrame({"x": np.random.default_rng(7).random(1_500_000)})

        def in_flight() -> bool:  # some bytes have reached the store, under no final name
            if kind == "local":
                return any(p.stat().st_size for p in store.root.glob(".staging-*"))
            return bool(raw.uncommitted())

        child = subprocess.Popen(
            [sys.executable, "-c", script], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout.readline().strip() == "in flight"
            deadline = time.monotonic() + 30
            while not in_flight() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert in_flight() and child.poll() is None  # killed mid-write, not after
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait(timeout=30)
        assert [k for k in raw.keys() if k.startswith("objects/")] == []
        leftovers = [k for k in raw.keys() if not k.startswith("objects/")]
        if kind == "local":  # a dot-named temporary file that no URI can address
            assert all(Path(k).name.startswith(".staging-") for k in leftovers) and leftovers
        else:  # blocks staged, never committed: no blob is visible at all
            assert leftovers == [] and raw.uncommitted()
        ref = store.put_table(df)
        pd.testing.assert_frame_equal(store.get_table(ref.uri), df)


class TestUrisAndLogs:
    @pytest.mark.parametrize(
        "uri",
        [
            "artifacts://../outside.txt",
            "artifacts://objects/../../outside.txt",
            "artifacts:///etc/passwd",
            "artifacts://objects/..\\..\\outside.txt",
            "artifacts://objects/.hidden",
            "artifacts://",
        ],
    )
    def test_traversal_is_refused(self, artifacts, uri):
        """URIs that could leave the root are refused."""
        with pytest.raises(ArtifactError, match="invalid segment"):
            artifacts.path_for(uri)

    @pytest.mark.parametrize("uri", ["file:///etc/passwd", "s3://bucket/key", "/etc/passwd"])
    def test_other_schemes_are_refused(self, artifacts, uri):
        """Only artifacts:// URIs are understood."""
        with pytest.raises(ArtifactError, match="is not an artifact URI"):
            artifacts.exists(uri)

    def test_uri_for_inverts_path_for(self, kind, artifacts, tmp_path):
        """uri_for maps a stored file back to its URI and refuses paths outside the root;
        object stores have no paths at all."""
        uri = "artifacts://objects/abc.parquet"
        if kind != "local":
            with pytest.raises(ArtifactError, match="no local path"):
                artifacts.path_for(uri)
            return
        assert artifacts.uri_for(artifacts.path_for(uri)) == uri
        with pytest.raises(ArtifactError, match="outside the artifact store"):
            artifacts.uri_for(tmp_path / "elsewhere.txt")

    def test_logs(self, artifacts):
        """Logs read as '' until written, then as the last text written."""
        uri = artifacts.log_uri("run_1", "clean missing/../x")
        assert uri == "artifacts://logs/run_1/clean%20missing%2F..%2Fx.log"
        assert artifacts.read_log(uri) == ""
        artifacts.write_log(uri, "line 1\n")
        artifacts.write_log(uri, "line 1\nline 2\n")
        assert artifacts.read_log(uri) == "line 1\nline 2\n" and artifacts.exists(uri)

    def test_failed_write_leaves_no_file(self, tmp_path, table, monkeypatch):
        """Local folder: a write that fails before the rename leaves neither the target nor a
        temporary file."""
        artifacts = ArtifactStore(tmp_path / "artifacts")

        def broken_replace(src, dst):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken_replace)
        with pytest.raises(ArtifactError, match="Cannot write artifact .*: disk full"):
            artifacts.put_table(table)
        assert [p for p in artifacts.root.rglob("*") if p.is_file()] == []


class TestCredentials:
    def test_a_wrong_key_fails_clearly_without_showing_it(self, azurite):
        """A rejected key gives an ArtifactError that names the store, and neither the
        message nor the traceback shows the key or the connection string."""
        wrong = AZURITE_KEY[:-8] + "AAAAAAA="
        connection = azurite.connection_string.replace(AZURITE_KEY, wrong)
        store = ArtifactStore(
            "az://flowbench/ws", env={"AZURE_STORAGE_CONNECTION_STRING": connection}
        )
        assert "AccountKey" not in store.location and wrong not in repr(vars(store))
        for action in (
            store.check,
            lambda: store.put_object({"a": 1}),
            lambda: store.exists(f"{SCHEME}objects/{'0' * 64}.joblib"),
        ):
            with pytest.raises(ArtifactError) as caught:
                action()
            shown = "".join(traceback.format_exception(caught.value))
            assert "az://flowbench/ws" in str(caught.value)
            assert wrong not in shown and connection not in shown
            assert wrong[:20] not in shown

    def test_credentials_in_the_location_are_refused_without_echo(self):
        """A location carrying credentials is refused, and the message does not repeat them."""
        with pytest.raises(ArtifactError, match="do not belong in the location") as caught:
            ArtifactStore("az://name:s3cr3t-key@flowbench/ws")
        assert "s3cr3t" not in str(caught.value)
        with pytest.raises(ArtifactError, match="do not belong") as caught:
            ArtifactStore("s3://bucket/p?X-Amz-Signature=abcdef")
        assert "abcdef" not in str(caught.value)

    def test_azure_needs_credentials(self):
        """az:// without any Azure credential says which variables to set."""
        with pytest.raises(ArtifactError, match="AZURE_STORAGE_CONNECTION_STRING"):
            ArtifactStore("az://flowbench/ws", env={})


class TestDurability:
    """Local stores fsync what only they hold, not what a step can compute again, and a torn
    object (written without fsync, then cut by a power loss) counts as absent once read."""

    @pytest.fixture
    def fsyncs(self, monkeypatch) -> list[int]:
        calls: list[int] = []
        real = os.fsync
        monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd) or real(fd))
        return calls

    def test_only_durable_writes_are_fsynced(self, tmp_path, table, fsyncs):
        store = ArtifactStore(tmp_path)
        store.put_table(table, durable=False)
        store.put_object({"w": [1, 2]}, durable=False)
        assert fsyncs == []
        store.put_table(table.head(2))
        store.put_object({"w": [3]})
        assert len(fsyncs) == 3  # a table's Parquet and sidecar, the object

    def test_make_durable_fsyncs_a_table_and_its_sidecar(self, tmp_path, table, fsyncs):
        store = ArtifactStore(tmp_path)
        ref = store.put_table(table, durable=False)
        store.make_durable(ref.uri)
        assert len(fsyncs) == 2
        with pytest.raises(ArtifactNotFoundError):
            store.make_durable(SCHEME + "objects/" + "0" * 64 + ".joblib")

    def test_a_torn_object_is_set_aside_and_written_again(self, tmp_path, table):
        store = ArtifactStore(tmp_path)
        ref = store.put_table(table, durable=False)
        path = store.path_for(ref.uri)
        path.write_bytes(path.read_bytes()[:100])  # what a power cut can leave
        with pytest.raises(ArtifactIntegrityError):
            store.get_table(ref.uri)
        assert not store.exists(ref.uri)  # a run no longer reuses it: its step runs again
        with pytest.raises(ArtifactIntegrityError, match="set aside"):  # a reader is told why
            store.preview(ref.uri)
        assert [p.name for p in path.parent.glob(".damaged-*")] != []  # kept, unaddressable
        assert store.put_table(table, durable=False) == ref
        pd.testing.assert_frame_equal(store.get_table(ref.uri), table)

    def test_a_torn_model_is_set_aside_too(self, tmp_path):
        store = ArtifactStore(tmp_path)
        uri = store.put_object({"w": [1, 2]}, durable=False)
        store.path_for(uri).write_bytes(b"")
        with pytest.raises(ArtifactIntegrityError):
            store.get_object(uri)
        assert not store.exists(uri)
        assert store.put_object({"w": [1, 2]}) == uri
        assert store.get_object(uri) == {"w": [1, 2]}
