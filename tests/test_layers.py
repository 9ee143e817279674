"""Imports point one way: app -> jobs -> components, app -> storage, jobs -> storage.artifacts.

Imports are resolved to the module they name, whatever their form: `from storage import
duckdb_store` is `storage.duckdb_store`, and `from storage import Draft` is the package
`storage` itself, so a rule on a package cannot be dodged by importing through its
`__init__`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("app", "components", "jobs", "storage")


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, by its full dotted name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if _is_module(submodule) else node.module)
    return found


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> set[str]:
    return {name for name in imports_of(path) if name.split(".")[0] in PACKAGES}


def package_of(name: str) -> str:
    return name.split(".")[0]


def test_imports_are_resolved_through_packages(tmp_path):
    """The resolution the rules rely on: a package import is the package, a module is itself."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from storage import Draft\nfrom storage import artifacts\nimport jobs.plan\n"
        "from components.spec import Param\n"
    )
    assert imports_of(probe) == {"storage", "storage.artifacts", "jobs.plan", "components.spec"}


@pytest.mark.parametrize("path", modules("components"), ids=str)
def test_components_import_only_components(path):
    """A component module imports no other Flowbench package and no I/O library."""
    assert {n for n in project_imports(path) if package_of(n) != "components"} == set()
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
        assert package_of(name) != "app", name
        if package_of(name) == "storage":
            assert name in ("storage.artifacts", "storage.errors"), name


@pytest.mark.parametrize("path", modules("storage"), ids=str)
def test_storage_imports_no_app_or_jobs(path):
    """storage stands below app and jobs (it may use components' pure metadata helpers)."""
    for name in project_imports(path):
        assert package_of(name) in ("storage", "components"), name


# What the UI may use besides itself: the control plane's client and settings, and the
# declarative parts that drive forms and the graph (component specs, the pipeline spec model
# and its graph operations).
UI_MAY_IMPORT = (
    "app.ui",
    "app.client",
    "app.settings",
    "app.durations",  # how long something took, written as the CLI writes it
    "components.spec",
    "jobs.pipeline",
    "jobs.graph",
    "jobs.defaults",  # names and numbers only (the default compute target)
)


@pytest.mark.parametrize("path", modules("app/ui"), ids=str)
def test_ui_talks_to_the_control_plane_only(path):
    """UI modules never open the database, the queue or the learners themselves."""
    forbidden = {"duckdb", "rq", "redis", "sklearn"}
    assert {n.split(".")[0] for n in imports_of(path)} & forbidden == set()
    for name in project_imports(path):
        assert any(
            name == allowed or name.startswith(allowed + ".") for allowed in UI_MAY_IMPORT
        ), name


@pytest.mark.parametrize(
    "path", [p for p in ROOT.joinpath("app").rglob("*.py") if "ui" not in p.parts], ids=str
)
def test_nothing_outside_the_ui_imports_it(path):
    """The API, services and CLI stand below the UI."""
    assert not any(n == "app.ui" or n.startswith("app.ui.") for n in imports_of(path))


@pytest.mark.parametrize(
    "path", modules("components") + modules("jobs") + modules("storage"), ids=str
)
def test_nothing_imports_app(path):
    """app is the top layer: components, jobs and storage never reach up into it."""
    assert not any(package_of(n) == "app" for n in project_imports(path))
