"""Imports point one way: app -> jobs -> components, app -> storage, jobs -> storage.artifacts."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("app", "components", "jobs", "storage")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> set[str]:
    return {name for name in imports_of(path) if name.split(".")[0] in PACKAGES}


@pytest.mark.parametrize("path", modules("components"), ids=str)
def test_components_import_only_components(path):
    """A component module imports no other Flowbench package and no I/O library."""
    assert {n for n in project_imports(path) if not n.startswith("components")} == set()
    forbidden = {"duckdb", "redis", "rq", "streamlit", "requests", "httpx", "urllib.request"}
    assert {n.split(".")[0] for n in imports_of(path)} & forbidden == set()


def library_modules():
    return [p for p in modules("components/library") if p.name != "__init__.py"]


@pytest.mark.parametrize("path", library_modules(), ids=str)
def test_library_components_do_not_import_each_other(path):
    """A component shares code through components.ml or the framework, never another component.

    Only the library's __init__ imports its modules (that registers them).
    """
    assert {n for n in imports_of(path) if n.startswith("components.library")} == set()
    relative = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in relative if n.level] == []


def test_the_framework_does_not_import_the_ml_helpers_or_the_library():
    """spec, registry, runtime and the column helpers stand below components.ml and library.

    The registry alone imports the library package, lazily, which registers every component.
    """
    for path in (ROOT / "components").glob("*.py"):
        discovery = {"components.library"} if path.name == "registry.py" else set()
        for name in project_imports(path) - discovery:
            assert not name.startswith(("components.ml", "components.library")), (path, name)


@pytest.mark.parametrize("path", modules("jobs"), ids=str)
def test_jobs_import_components_and_the_artifact_store_only(path):
    """jobs never imports app, and from storage only the artifact store."""
    for name in project_imports(path):
        assert not name.startswith("app"), name
        if name.startswith("storage"):
            assert name in ("storage.artifacts", "storage.errors"), name


@pytest.mark.parametrize("path", modules("storage"), ids=str)
def test_storage_imports_no_app_or_jobs(path):
    """storage stands below app and jobs (it may use components' pure metadata helpers)."""
    for name in project_imports(path):
        assert name.split(".")[0] in ("storage", "components"), name


@pytest.mark.parametrize("path", modules("app/ui"), ids=str)
def test_ui_talks_to_the_control_plane_only(path):
    """UI modules never open the database, the queue or the learners themselves."""
    forbidden = {"duckdb", "rq", "redis", "sklearn"}
    assert {n.split(".")[0] for n in imports_of(path)} & forbidden == set()
    for name in project_imports(path):
        assert not name.startswith(("storage.duckdb_store", "jobs.scheduler", "jobs.step")), name
