"""Every manifest jobs.kube makes, validated offline with kubernetes-validate in strict mode
(its shipped schemas; KEDA's ScaledObject against a schema written from KEDA's docs), and the
settings that matter checked field by field."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from jobs.kube import (
    KubeEndpointSpec,
    KubeSpecError,
    KubeWorkerSpec,
    scoring_manifests,
    worker_manifests,
)
from jobs.kube import labels as lb

# The newest schemas kubernetes-validate ships, and an older minor still run by managed clusters.
VERSIONS = ("1.37.0", "1.33.0")
KEDA_SCHEMA = json.loads((Path(__file__).with_name("keda_scaledobject.schema.json")).read_text())
RECOMMENDED = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
}


def endpoint_spec(**changes) -> KubeEndpointSpec:
    values = dict(
        name="car-prices",
        bundle_url="http://10.1.2.3:8000/endpoints/car-prices/bundle",
        bundle_token="t0ken",
        primary_sha256="a" * 64,
        secondary_sha256="b" * 64,
        version="7",
    )
    return KubeEndpointSpec(**{**values, **changes})


def worker_spec(**changes) -> KubeWorkerSpec:
    values = dict(
        name="big-cluster",
        queue="gpu-q",
        redis_url="redis://:s3cret@redis.ml:6380/4",
        env={
            "FLOWBENCH_ARTIFACTS": "az://flowbench/ws1",
            "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;x",
        },
    )
    return KubeWorkerSpec(**{**values, **changes})


ALL_SETS = {
    "endpoint-autoscaled": lambda: scoring_manifests.manifests(endpoint_spec()),
    "endpoint-fixed": lambda: scoring_manifests.manifests(
        endpoint_spec(
            autoscale=False,
            replicas=3,
            service_type="ClusterIP",
            cpu_limit=None,
            image_pull_secret="acr",
        )
    ),
    "workers-keda": lambda: worker_manifests.manifests(worker_spec(), keda=True),
    "workers-plain": lambda: worker_manifests.manifests(
        worker_spec(redis_url="redis://redis:6379", env={}), keda=False
    ),
}


def by_kind(objects):
    return {o["kind"]: o for o in objects}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("which", sorted(ALL_SETS))
def test_every_manifest_passes_strict_validation(which, version):
    objects = ALL_SETS[which]()
    for obj in objects:
        if obj["kind"] == "ScaledObject":
            jsonschema.validate(obj, KEDA_SCHEMA)
        else:
            kubernetes_validate.validate(obj, version, strict=True)


def test_the_command_line_validator_accepts_the_files_too(tmp_path):
    """The documented way: `kubernetes-validate --strict FILE` on YAML, as a user would run it."""
    files = []
    for which, make in ALL_SETS.items():
        path = tmp_path / f"{which}.yaml"
        path.write_text(yaml.safe_dump_all([o for o in make() if o["kind"] != "ScaledObject"]))
        files.append(str(path))
    cli = Path(sys.executable).with_name("kubernetes-validate")
    done = subprocess.run(
        [str(cli), "--strict", "-k", VERSIONS[0], *files], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "INFO" in done.stdout and "ERROR" not in done.stdout


def test_strict_validation_catches_a_misspelt_field():
    """The check above can fail: a typo in a field is an error in strict mode."""
    deployment = by_kind(scoring_manifests.manifests(endpoint_spec()))["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)
    scaled = by_kind(worker_manifests.manifests(worker_spec(), keda=True))["ScaledObject"]
    scaled["spec"]["triggers"][0]["metadata"]["listLenght"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scaled, KEDA_SCHEMA)


@pytest.mark.parametrize("which", sorted(ALL_SETS))
def test_every_object_carries_the_six_recommended_labels(which):
    for obj in ALL_SETS[which]():
        found = obj["metadata"]["labels"]
        assert RECOMMENDED <= set(found), obj["kind"]
        assert found["app.kubernetes.io/part-of"] == "flowbench"
        assert found["app.kubernetes.io/managed-by"] == "flowbench"
        if obj["kind"] == "Deployment":
            template = obj["spec"]["template"]["metadata"]["labels"]
            assert RECOMMENDED <= set(template)
            selector = obj["spec"]["selector"]["matchLabels"]
            assert selector.items() <= template.items()
            assert "app.kubernetes.io/version" not in selector  # a new version keeps the selector


def test_scoring_deployment_probes_resources_and_server_command():
    objects = by_kind(
        scoring_manifests.manifests(
            endpoint_spec(
                cpu_request="250m", memory_request="768Mi", cpu_limit="2", memory_limit="2Gi"
            )
        )
    )
    container = objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "768Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert container["command"] == [
        "flowbench",
        "serve",
        "$(FLOWBENCH_BUNDLE_URL)",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
    ]
    pinned = by_kind(scoring_manifests.manifests(endpoint_spec(bundle_sha256="c" * 64)))
    assert pinned["Deployment"]["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == [
        "--sha256",
        "c" * 64,
    ]
    env = {e["name"]: e for e in container["env"]}
    assert env["FLOWBENCH_BUNDLE_URL"]["value"] == endpoint_spec().bundle_url
    assert env["FLOWBENCH_BUNDLE_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "fb-ep-car-prices",
        "key": "bundle-token",
    }
    mount = next(m for m in container["volumeMounts"] if m["name"] == "keys")
    assert env["FLOWBENCH_KEYS_FILE"]["value"] == mount["mountPath"] + "/keys.json"
    assert "subPath" not in mount  # a subPath mount would never see rotated keys
    assert (
        objects["Service"]["spec"]["selector"]
        == objects["Deployment"]["spec"]["selector"]["matchLabels"]
    )
    assert objects["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_secret_holds_key_hashes_and_token_never_keys_in_the_deployment():
    objects = by_kind(scoring_manifests.manifests(endpoint_spec()))
    data = {k: base64.b64decode(v).decode() for k, v in objects["Secret"]["data"].items()}
    assert json.loads(data["keys.json"]) == {
        "primary_sha256": "a" * 64,
        "secondary_sha256": "b" * 64,
    }
    assert data["bundle-token"] == "t0ken"
    assert "t0ken" not in json.dumps(objects["Deployment"])


def test_hpa_has_the_designer_defaults_and_targets_the_deployment():
    objects = by_kind(scoring_manifests.manifests(endpoint_spec()))
    hpa = objects["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 10)
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": objects["Deployment"]["metadata"]["name"],
    }
    fixed = by_kind(scoring_manifests.manifests(endpoint_spec(autoscale=False, replicas=3)))
    assert "HorizontalPodAutoscaler" not in fixed
    assert fixed["Deployment"]["spec"]["replicas"] == 3


def test_worker_deployment_secret_and_keda_trigger():
    objects = by_kind(
        worker_manifests.manifests(
            worker_spec(min_replicas=0, max_replicas=6, jobs_per_worker=2), keda=True
        )
    )
    container = objects["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == [
        "flowbench",
        "worker",
        "--queues",
        "gpu-q",
        "--name",
        "$(POD_NAME)",
    ]
    assert container["envFrom"] == [{"secretRef": {"name": "fb-wk-big-cluster"}}]
    secret = {k: base64.b64decode(v).decode() for k, v in objects["Secret"]["data"].items()}
    assert secret["REDIS_URL"] == "redis://:s3cret@redis.ml:6380/4"
    assert secret["FLOWBENCH_ARTIFACTS"] == "az://flowbench/ws1"
    assert secret["AZURE_STORAGE_CONNECTION_STRING"].startswith("DefaultEndpointsProtocol")
    assert secret["FLOWBENCH_REDIS_ADDRESS"] == "redis.ml:6380"
    assert secret["FLOWBENCH_REDIS_PASSWORD"] == "s3cret"
    assert "s3cret" not in json.dumps(objects["Deployment"]) + json.dumps(objects["ScaledObject"])
    scaled = objects["ScaledObject"]["spec"]
    assert (scaled["minReplicaCount"], scaled["maxReplicaCount"]) == (0, 6)
    assert scaled["scaleTargetRef"]["name"] == objects["Deployment"]["metadata"]["name"]
    trigger = scaled["triggers"][0]
    assert trigger["type"] == "redis"
    assert trigger["metadata"] == {
        "addressFromEnv": "FLOWBENCH_REDIS_ADDRESS",
        "passwordFromEnv": "FLOWBENCH_REDIS_PASSWORD",
        "listName": "rq:queue:gpu-q",
        "listLength": "2",
        "activationListLength": "0",
        "databaseIndex": "4",
        "enableTLS": "false",
    }
    # KEDA resolves *FromEnv names from the container's own env entries.
    names = {e["name"] for e in container["env"]}
    assert {"FLOWBENCH_REDIS_ADDRESS", "FLOWBENCH_REDIS_PASSWORD"} <= names


def test_without_keda_the_worker_count_is_the_replicas_setting():
    objects = by_kind(worker_manifests.manifests(worker_spec(replicas=3), keda=False))
    assert "ScaledObject" not in objects
    assert objects["Deployment"]["spec"]["replicas"] == 3


def test_keda_list_name_is_the_list_rq_fills(redis_url):
    """Enqueue on a real Redis with RQ and read the list the ScaledObject names."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_url)
    queue = Queue("kube-keda-probe", connection=connection)
    queue.empty()
    for n in range(3):
        queue.enqueue("builtins.print", n)
    spec = worker_spec(queue="kube-keda-probe", redis_url=redis_url)
    trigger = worker_manifests.scaled_object(spec)["spec"]["triggers"][0]["metadata"]
    assert connection.llen(trigger["listName"]) == 3 == queue.count
    assert trigger["databaseIndex"] == str(connection.connection_pool.connection_kwargs["db"])
    queue.empty()


@pytest.mark.parametrize(
    ("url", "address", "db", "tls"),
    [
        ("redis://localhost", "localhost:6379", 0, False),
        ("rediss://user:p%40ss@cache.example.net:6380/2", "cache.example.net:6380", 2, True),
        ("redis://[::1]:7000/1", "[::1]:7000", 1, False),
    ],
)
def test_redis_url_parts(url, address, db, tls):
    parts = worker_manifests.redis_parts(url)
    assert (parts.address, parts.database, parts.tls) == (address, db, tls)
    if "p%40ss" in url:
        assert (parts.username, parts.password) == ("user", "p@ss")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"cpu_request": "lots"}, "CPU request"),
        ({"memory_request": "2Gi", "memory_limit": "1Gi"}, "above its limit"),
        ({"min_replicas": 5, "max_replicas": 2}, "Maximum replicas"),
        ({"min_replicas": 0}, "at least 1"),
        ({"target_cpu_percent": 0}, "1..100"),
        ({"image": "bad image name"}, "container image"),
        ({"namespace": "Not_OK"}, "Namespace"),
        ({"bundle_url": "file:///tmp/b.tar.gz"}, "http(s)"),
        ({"service_type": "Ingress"}, "Service type"),
        ({"bundle_sha256": "abc"}, "64 hex digits"),
    ],
)
def test_endpoint_settings_are_checked_with_a_clear_message(changes, words):
    with pytest.raises(
        KubeSpecError, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        scoring_manifests.manifests(endpoint_spec(**changes))


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"queue": "bad queue"}, "Queue"),
        ({"redis_url": "http://redis:6379"}, "redis://"),
        ({"redis_url": "redis://redis:6379/zero"}, "database"),
        ({"env": {"REDIS_URL": "x"}}, "REDIS_URL"),
        ({"env": {"1BAD": "x"}}, "1BAD"),
        ({"jobs_per_worker": 0}, "Jobs per worker"),
    ],
)
def test_worker_settings_are_checked_with_a_clear_message(changes, words):
    with pytest.raises(KubeSpecError, match=words):
        worker_manifests.manifests(worker_spec(**changes), keda=True)


def test_object_names_are_dns_labels_and_do_not_collide():
    names = {
        lb.object_name("fb-ep", n)
        for n in ("car-prices", "Car Prices", "car_prices", "x" * 80, "y" * 80)
    }
    assert len(names) == 5
    for name in names:
        assert len(name) <= 63 and name == name.lower()
        assert name.replace("-", "").isalnum() and not name.endswith("-")
    assert lb.object_name("fb-ep", "car-prices") == "fb-ep-car-prices"
    long_version = "f" * 64  # a sha256 as the version
    spec = endpoint_spec(version=long_version)
    objects = by_kind(scoring_manifests.manifests(spec))
    assert objects["Deployment"]["metadata"]["labels"]["app.kubernetes.io/version"] == "f" * 63
    assert objects["Deployment"]["metadata"]["annotations"]["flowbench.io/version"] == long_version
