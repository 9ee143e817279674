"""Tests of Import Data's and Export Data's file and URL access."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from components.errors import ComponentInputError
from jobs.runtime.files import read_source, write_export


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    """An import folder with one file, an empty export folder, and a secret next to them."""
    imports, exports = tmp_path / "imports", tmp_path / "exports"
    (imports / "sub").mkdir(parents=True)
    exports.mkdir()
    (imports / "sub" / "data.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "secret.txt").write_text("secret")
    return imports, exports


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A local http.server on 127.0.0.1 serving a folder with a small and a large file."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "small.csv").write_bytes(b"x\n1\n")
    (served / "large.bin").write_bytes(b"0" * 50_000)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_reads_file_under_import_folder(roots: tuple[Path, Path]) -> None:
    """A relative path reads the file under the import folder."""
    assert read_source(roots[0], "sub/data.csv", max_bytes=100) == b"a,b\n1,2\n"


@pytest.mark.parametrize("location", ["../secret.txt", "sub/../../secret.txt", "/etc/passwd"])
def test_paths_leaving_import_folder_are_refused(roots: tuple[Path, Path], location: str) -> None:
    """'..' and absolute paths are refused before anything is read."""
    with pytest.raises(ComponentInputError, match="relative to the import folder"):
        read_source(roots[0], location, max_bytes=100)


def test_symlink_escape_is_refused(roots: tuple[Path, Path]) -> None:
    """A symbolic link inside the import folder that points outside it is refused."""
    (roots[0] / "link.txt").symlink_to(roots[0].parent / "secret.txt")
    with pytest.raises(ComponentInputError, match="outside the import folder"):
        read_source(roots[0], "link.txt", max_bytes=100)


def test_missing_and_oversized_files(roots: tuple[Path, Path]) -> None:
    """A missing file and one over the size limit are user errors naming the path."""
    with pytest.raises(ComponentInputError, match="No file 'nope.csv'"):
        read_source(roots[0], "nope.csv", max_bytes=100)
    with pytest.raises(ComponentInputError, match="'sub/data.csv' is larger than the 4-byte"):
        read_source(roots[0], "sub/data.csv", max_bytes=4)


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/x.csv", "s3://bucket/key"]
)
def test_other_schemes_are_refused(roots: tuple[Path, Path], location: str) -> None:
    """Only http and https URLs are fetched."""
    with pytest.raises(ComponentInputError, match="reads http"):
        read_source(roots[0], location, max_bytes=100)


def test_fetches_url(roots: tuple[Path, Path], server: str) -> None:
    """An http URL is fetched."""
    assert read_source(roots[0], f"{server}/small.csv", max_bytes=100) == b"x\n1\n"


def test_url_over_size_limit_is_refused(roots: tuple[Path, Path], server: str) -> None:
    """A response larger than the limit is refused."""
    with pytest.raises(ComponentInputError, match="more than the 1000-byte limit"):
        read_source(roots[0], f"{server}/large.bin", max_bytes=1000)


def test_url_errors_are_user_errors(roots: tuple[Path, Path], server: str) -> None:
    """An HTTP error status and an unreachable host are reported, not raised raw."""
    with pytest.raises(ComponentInputError, match="HTTP 404"):
        read_source(roots[0], f"{server}/missing.csv", max_bytes=100)
    closed = server.rsplit(":", 1)[0] + ":1"
    with pytest.raises(ComponentInputError, match="Fetching .* failed"):
        read_source(roots[0], f"{closed}/x.csv", max_bytes=100, timeout=2)


def test_export_writes_atomically_under_export_folder(roots: tuple[Path, Path]) -> None:
    """The file lands at the relative path (parents created), with no temporary left."""
    written = write_export(roots[1], "out/result.csv", b"x\n1\n")
    assert Path(written) == (roots[1] / "out" / "result.csv").resolve()
    assert Path(written).read_bytes() == b"x\n1\n"
    write_export(roots[1], "out/result.csv", b"x\n2\n")
    assert Path(written).read_bytes() == b"x\n2\n"
    assert [p.name for p in (roots[1] / "out").iterdir()] == ["result.csv"]


@pytest.mark.parametrize("path", ["../escape.csv", "/tmp/escape.csv", "a/../../escape.csv", ""])
def test_export_paths_leaving_folder_are_refused(roots: tuple[Path, Path], path: str) -> None:
    """Exports cannot leave the export folder."""
    with pytest.raises(ComponentInputError, match="relative to the export folder"):
        write_export(roots[1], path, b"x")
    assert not (roots[1].parent / "escape.csv").exists()


def test_export_through_symlinked_folder_is_refused(roots: tuple[Path, Path]) -> None:
    """A symbolic link to a folder outside the export folder is not followed."""
    outside = roots[1].parent / "outside"
    outside.mkdir()
    (roots[1] / "linked").symlink_to(outside)
    with pytest.raises(ComponentInputError, match="outside the export folder"):
        write_export(roots[1], "linked/x.csv", b"x")
    assert list(outside.iterdir()) == []
