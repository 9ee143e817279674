"""Artifact store locations and backend configuration (S3 is configured, not reached: no S3
service runs here; Azure is exercised against Azurite in test_artifacts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.artifact_backends import FsspecBackend, Location, open_backend, parse_location
from storage.artifacts import ArtifactStore, location_from_environment
from storage.errors import ArtifactError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("az://flowbench/ws1", Location("az", "flowbench/ws1")),
        ("abfs://flowbench", Location("az", "flowbench")),
        ("s3://my.bucket/team/ws-1/", Location("s3", "my.bucket/team/ws-1")),
        ("file:///srv/artifacts", Location("file", "/srv/artifacts")),
    ],
)
def test_locations_parse_to_a_scheme_and_root(text, expected):
    """Each scheme gives its backend's root; trailing slashes do not matter."""
    assert parse_location(text) == expected
    assert str(parse_location(str(expected))) == str(expected)


def test_a_plain_folder_is_a_local_store(tmp_path):
    """A path without a scheme is a folder, resolved to an absolute path."""
    assert parse_location(tmp_path / "a" / ".." / "b") == Location("file", str(tmp_path / "b"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gs://bucket/x", "unknown scheme"),
        ("az://Upper/x", "not a valid container"),
        ("az://a--b/x", "not a valid container"),
        ("s3://b/x", "not a valid bucket"),
        ("az://flowbench/../x", "prefix segment"),
        ("file://host/x", "local folder"),
        ("", "empty"),
    ],
)
def test_bad_locations_are_refused(text, message):
    """Unknown schemes, bad container or bucket names and odd prefixes are refused."""
    with pytest.raises(ArtifactError, match=message):
        parse_location(text)


def test_the_default_location_is_the_workspace_folder(tmp_path):
    """Without FLOWBENCH_ARTIFACTS the store is FLOWBENCH_HOME/artifacts."""
    assert location_from_environment({"FLOWBENCH_HOME": str(tmp_path)}) == str(
        tmp_path / "artifacts"
    )
    assert (
        location_from_environment(
            {"FLOWBENCH_HOME": str(tmp_path), "FLOWBENCH_ARTIFACTS": "s3://b-1/x"}
        )
        == "s3://b-1/x"
    )
    store = ArtifactStore.from_environment({"FLOWBENCH_HOME": str(tmp_path)})
    assert (
        store.root == tmp_path / "artifacts"
        and store.location == f"file://{tmp_path / 'artifacts'}"
    )


def test_s3_takes_keys_endpoint_and_region_from_the_environment():
    """AWS_* variables configure s3fs; the location shown carries none of them."""
    env = {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t/value+x",
        "AWS_SESSION_TOKEN": "tok-123456",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        "AWS_REGION": "eu-west-1",
    }
    backend = open_backend("s3://flowbench/ws1", env)
    assert isinstance(backend, FsspecBackend)
    fs = backend.fs
    assert (fs.key, fs.secret, fs.token) == ("AKIAEXAMPLE", "s3cr3t/value+x", "tok-123456")
    assert fs.endpoint_url == "http://127.0.0.1:9"
    assert fs.client_kwargs == {"region_name": "eu-west-1"}
    assert str(backend.location) == "s3://flowbench/ws1"
    assert backend.redact("denied for s3cr3t/value+x and tok-123456") == "denied for *** and ***"


def test_s3_without_keys_uses_botocores_chain():
    """No keys in the environment: s3fs is left to find them (instance profile, ...)."""
    fs = open_backend("s3://flowbench/ws2", {}).fs
    assert fs.key is None and fs.secret is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"AZURE_STORAGE_ACCOUNT_NAME": "acct", "AZURE_STORAGE_ACCOUNT_KEY": "a2V5a2V5a2V5"},
            {"account_name": "acct"},
        ),
        (
            {"AZURE_STORAGE_ACCOUNT_NAME": "acct", "AZURE_STORAGE_SAS_TOKEN": "sv=2024&sig=abcdef"},
            {"account_name": "acct"},
        ),
    ],
)
def test_azure_account_name_with_key_or_sas(env, expected):
    """An account name with a key or a SAS token configures adlfs; errors hide both."""
    backend = open_backend("az://flowbench/ws", env)
    assert backend.fs.account_name == expected["account_name"]
    secret = env.get("AZURE_STORAGE_ACCOUNT_KEY") or env["AZURE_STORAGE_SAS_TOKEN"]
    assert secret not in backend.redact(f"failed with {secret}")


def test_path_helpers_refuse_object_stores(tmp_path):
    """path_for and uri_for belong to local stores only."""
    store = ArtifactStore("s3://flowbench/ws3", env={})
    assert store.root is None
    with pytest.raises(ArtifactError, match="no local path"):
        store.uri_for(Path(tmp_path))


def test_a_step_uses_the_store_its_job_names_unless_the_worker_pins_one(tmp_path):
    """Workers of several workspaces can share a Redis: a job names its store; a worker whose
    FLOWBENCH_ARTIFACTS pins a store refuses a job for another one."""
    from storage.artifacts import ArtifactStore
    from storage.errors import ArtifactError

    home = {"FLOWBENCH_HOME": str(tmp_path / "home")}
    named = ArtifactStore.for_step(str(tmp_path / "a"), env=home)
    assert named.location == f"file://{tmp_path / 'a'}"
    own = ArtifactStore.for_step(None, env=home)
    assert own.location == f"file://{tmp_path / 'home'}/artifacts"
    pinned = {**home, "FLOWBENCH_ARTIFACTS": f"file://{tmp_path / 'a'}"}
    assert ArtifactStore.for_step(str(tmp_path / "a"), env=pinned).location == named.location
    with pytest.raises(ArtifactError, match="configured for"):
        ArtifactStore.for_step(str(tmp_path / "b"), env=pinned)
