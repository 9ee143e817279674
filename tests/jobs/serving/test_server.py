"""The scoring server as a client sees it: a real `flowbench serve` process over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from jobs.serving.keys import create_keys_file, hash_key, new_key, write_keys_file
from tests.conftest import ROOT, free_port
from tests.jobs.inference.conftest import TutorialBundle, build_tutorial_bundle, scored_test_rows

MAX_BODY = 200_000


@dataclass
class Server:
    url: str
    primary: str
    secondary: str
    keys_file: Path
    process: subprocess.Popen
    bundle: TutorialBundle

    def score(self, body: object, key: str | None = "primary", **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if key is not None:
            token = {"primary": self.primary, "secondary": self.secondary}.get(key, key)
            headers["Authorization"] = f"Bearer {token}"
        if isinstance(body, (bytes, str)):
            return httpx.post(f"{self.url}/score", content=body, headers=headers, timeout=10)
        return httpx.post(f"{self.url}/score", json=body, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    bundle = build_tutorial_bundle(folder)
    keys_file = folder / "keys.json"
    primary, secondary = create_keys_file(keys_file)
    port = free_port()
    log = open(folder / "serve.log", "ab")  # the child writes to it
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            str(bundle.info.path),
            "--port",
            str(port),
            "--keys-file",
            str(keys_file),
            "--max-body-bytes",
            str(MAX_BODY),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (folder / "serve.log").read_text()
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "scoring server did not start"
        time.sleep(0.1)
    yield Server(url, primary, secondary, keys_file, process, bundle)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)
    log.close()


def sample(server: Server) -> dict:
    return json.loads(json.dumps(server.bundle.info.manifest["sample_request"]))


def request_for(rows: list[dict]) -> dict:
    return {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}}


def test_answers_score_models_numbers_for_several_rows(server: Server) -> None:
    rows, expected = scored_test_rows(server.bundle)
    response = server.score(request_for(rows))
    assert response.status_code == 200, response.text
    answer = response.json()["Results"]["WebServiceOutput0"]
    assert len(answer) == len(rows)
    np.testing.assert_allclose([r["Scored Labels"] for r in answer], expected, rtol=1e-12)
    assert answer[0]["Horsepower"] == rows[0]["Horsepower"]  # input columns are echoed
    assert "Price" not in answer[0]


def test_keys(server: Server) -> None:
    body = sample(server)
    assert server.score(body, key=None).status_code == 401
    assert server.score(body, key="wrong").status_code == 401
    assert (
        server.score(
            body, headers={"Authorization": f"Basic {server.primary}"}, key=None
        ).status_code
        == 401
    )
    assert server.score(body, key="primary").status_code == 200
    assert server.score(body, key="secondary").status_code == 200
    refused = server.score(body, key=None)
    assert refused.json()["error"]["code"] == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_regenerated_key_is_picked_up_without_restart(server: Server) -> None:
    body = sample(server)
    fresh = new_key()
    write_keys_file(
        server.keys_file,
        {"primary_sha256": hash_key(fresh), "secondary_sha256": hash_key(server.secondary)},
    )
    try:
        assert server.score(body, key=fresh).status_code == 200
        assert server.score(body, key="primary").status_code == 401
        assert server.score(body, key="secondary").status_code == 200
    finally:
        write_keys_file(
            server.keys_file,
            {
                "primary_sha256": hash_key(server.primary),
                "secondary_sha256": hash_key(server.secondary),
            },
        )
    assert server.score(body, key="primary").status_code == 200


@pytest.mark.parametrize(
    "mutate,status,column,needle",
    [
        (lambda r: r.pop("Horsepower"), 422, "Horsepower", "missing column"),
        (lambda r: r.update(Horsepower="fast"), 422, "Horsepower", "whole number"),
        (lambda r: r.update(EngineSize=True), 422, "EngineSize", "expected a number"),
        (lambda r: r.update(Type=3), 422, "Type", "expected text"),
        (lambda r: r.update(Weight=None), 422, "Weight", "missing value"),
    ],
)
def test_bad_rows_name_row_column_and_problem(
    server: Server, mutate, status: int, column: str, needle: str
) -> None:
    body = sample(server)
    good = body["Inputs"]["WebServiceInput0"][0]
    bad = dict(good)
    mutate(bad)
    response = server.score(request_for([good, bad]))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["problems"][0]["row"] == 1 and error["problems"][0]["column"] == column
    assert needle in error["problems"][0]["problem"]
    assert "row 1" in error["details"] and column in error["details"]


def test_malformed_and_misshapen_requests(server: Server) -> None:
    body = sample(server)
    row = body["Inputs"]["WebServiceInput0"][0]
    nan_body = json.dumps(request_for([row])).replace(str(row["EngineSize"]), "NaN", 1)
    cases = [
        (b"{not json", 400, "Malformed JSON"),
        (b"[1, 2]", 400, "Inputs"),
        (json.dumps({"Inputs": {"WebServiceInput0": []}}), 422, "empty"),
        (json.dumps({"Inputs": {"WebServiceInput0": {"a": 1}}}), 422, "list of rows"),
        (json.dumps({"Inputs": {"other": [row]}}), 422, "missing from 'Inputs'"),
        (
            json.dumps({"Inputs": {"WebServiceInput0": [row]}, "GlobalParameters": 3}),
            400,
            "GlobalParameters",
        ),
        (nan_body, 422, "missing value"),
        (
            json.dumps(request_for([row])).replace("GlobalParameters", "X") + "x",
            400,
            "Malformed JSON",
        ),
        ("[" * 100_000 + "]" * 100_000, 400, ""),
    ]
    for content, status, needle in cases:
        response = server.score(content)
        assert response.status_code == status, (content[:80], response.text)
        assert needle in response.text


def test_oversized_body_is_refused(server: Server) -> None:
    rows = sample(server)["Inputs"]["WebServiceInput0"] * 1000
    assert server.score(request_for(rows)).status_code == 413

    def chunks():  # no Content-Length: the limit holds while reading
        yield b'{"Inputs": {"WebServiceInput0": ['
        for _ in range(1000):
            yield json.dumps(rows[0]).encode() + b","
        yield b"{}]}}"

    response = httpx.post(
        f"{server.url}/score",
        content=chunks(),
        timeout=10,
        headers={"Authorization": f"Bearer {server.primary}"},
    )
    assert response.status_code == 413


def test_swagger_health_and_metrics(server: Server) -> None:
    swagger = httpx.get(f"{server.url}/swagger.json").json()
    assert swagger["openapi"].startswith("3.")
    operation = swagger["paths"]["/score"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    rows = content["schema"]["properties"]["Inputs"]["properties"]["WebServiceInput0"]
    properties = rows["items"]["properties"]
    assert properties["Horsepower"] == {"type": "integer"}
    assert properties["Model"] == {"type": "string", "nullable": True}
    assert "Price" not in properties and "Horsepower" in rows["items"]["required"]
    assert content["example"] == sample(server)
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "healthy" and health["engine"] == "compiled"
    assert health["bundle_sha256"] == server.bundle.info.sha256

    def counts() -> dict[str, float]:
        text = httpx.get(f"{server.url}/metrics").text
        found = {}
        for family in text_string_to_metric_families(text):
            for metric in family.samples:
                if metric.name == "flowbench_scoring_requests_total":
                    found[metric.labels["status"]] = metric.value
                if metric.name == "flowbench_scoring_request_duration_seconds_count":
                    found["latency_count"] = metric.value
        return found

    before = counts()
    server.score(sample(server))
    server.score(sample(server), key=None)
    after = counts()
    assert after["200"] == before.get("200", 0) + 1
    assert after["401"] == before.get("401", 0) + 1
    assert after["latency_count"] == before.get("latency_count", 0) + 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(
                ["Horsepower", "Type", "EngineSize", "Weight", "Origin", "AirBags", "x"]
            ),
            json_values,
            max_size=7,
        ),
        max_size=3,
    ),
    replace=st.booleans(),
    junk=json_values,
)
def test_no_request_gets_a_500(server: Server, rows: list, replace: bool, junk: object) -> None:
    """Random rows (merged into a good row or alone) and random bodies: never a 5xx."""
    good = sample(server)["Inputs"]["WebServiceInput0"][0]
    merged = [{**good, **row} if replace else row for row in rows]
    for body in (request_for(merged), {"Inputs": junk}, junk):
        response = server.score(json.dumps(body, allow_nan=True))
        assert response.status_code in (200, 400, 413, 422), response.text
    assert server.process.poll() is None
