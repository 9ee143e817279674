"""The endpoint service's small parts: keys files, request figures, Test form, sample code."""

from __future__ import annotations

import hashlib
import json
import socket
import stat

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from app.services.endpoint_keys import EndpointKeys
from app.services.endpoint_metrics import scrape_figures
from app.ui import endpoint_ops


def test_keys_files_hold_hashes_for_the_server_and_keys_for_the_owner(tmp_path):
    keys = EndpointKeys(tmp_path / "cars")
    made = keys.create()
    assert made["primary"] != made["secondary"] and len(made["primary"]) >= 40
    on_disk = json.loads(keys.keys_file.read_text())
    assert on_disk == {
        f"{slot}_sha256": hashlib.sha256(made[slot].encode()).hexdigest()
        for slot in ("primary", "secondary")
    }
    assert made["primary"] not in keys.keys_file.read_text()
    for path in (keys.keys_file, keys.secret_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    rotated = keys.regenerate("secondary")
    assert rotated["primary"] == made["primary"] and rotated["secondary"] != made["secondary"]
    assert keys.read() == rotated
    with pytest.raises(ValueError, match="tertiary"):
        keys.regenerate("tertiary")


def test_figures_come_from_the_prometheus_text():
    registry = CollectorRegistry()
    requests = Counter("flowbench_scoring_requests", "requests", ["status"], registry=registry)
    latency = Histogram(
        "flowbench_scoring_request_duration_seconds",
        "latency",
        buckets=(0.001, 0.005, 0.01, 0.1),
        registry=registry,
    )
    observed = [0.0005, 0.002, 0.003, 0.004, 0.05]
    for seconds in observed:
        latency.observe(seconds)
    requests.labels("200").inc(4)
    requests.labels("422").inc(1)
    figures = scrape_figures(generate_latest(registry).decode())
    assert figures["requests"] == 5 and figures["errors"] == 1
    assert figures["mean_ms"] == pytest.approx(1000 * sum(observed) / len(observed), rel=1e-6)
    assert figures["p50_ms"] == 5.0  # the bucket holding the 3rd of 5 observations
    assert figures["p99_ms"] == 100.0
    assert scrape_figures("")["mean_ms"] is None


SCHEMA = {
    "inputs": [
        {
            "name": "WebServiceInput0",
            "columns": [
                {"name": "Horsepower", "type": "Integer"},
                {"name": "MPG.city", "type": "Double"},
                {"name": "Type", "type": "String"},
                {"name": "Manual", "type": "Boolean"},
            ],
        }
    ],
    "sample_request": {
        "Inputs": {
            "WebServiceInput0": [
                {"Horsepower": 140, "MPG.city": 25.0, "Type": "Small", "Manual": True}
            ]
        },
        "GlobalParameters": {},
    },
}


def test_the_test_form_makes_a_typed_request_and_names_bad_fields():
    texts = {k: endpoint_ops.form_text(v) for k, v in endpoint_ops.sample_row(SCHEMA).items()}
    assert texts == {"Horsepower": "140", "MPG.city": "25.0", "Type": "Small", "Manual": "true"}
    request, problems = endpoint_ops.request_from_form(SCHEMA, texts)
    assert problems == [] and request == SCHEMA["sample_request"]
    _, problems = endpoint_ops.request_from_form(
        SCHEMA, {**texts, "Horsepower": "lots", "Manual": "maybe"}
    )
    assert [p.split(":")[0] for p in problems] == ["Horsepower", "Manual"]
    request, _ = endpoint_ops.request_from_form(SCHEMA, {**texts, "MPG.city": ""})
    assert request["Inputs"]["WebServiceInput0"][0]["MPG.city"] is None


def test_sample_code_quotes_what_a_shell_would_break_on():
    request = {
        "Inputs": {"WebServiceInput0": [{"Model": 'it\'s "quoted"', "x": None}]},
        "GlobalParameters": {},
    }
    code = endpoint_ops.sample_code("http://127.0.0.1:9/score", "k-e_y", request)
    namespace: dict = {}
    exec(code["python"].split("request = urllib")[0], namespace)  # the literals, no call
    assert namespace["body"] == request and namespace["key"] == "k-e_y"
    import shlex

    words = shlex.split(code["curl"].replace("\\\n", " "))
    assert json.loads(words[words.index("-d") + 1]) == request
    assert "Authorization: Bearer k-e_y" in words


def test_our_own_server_is_alive_by_its_exit_status_not_its_command_line(tmp_path, monkeypatch):
    """Just after exec the kernel can show an empty command line, which once made a starting
    server look dead (and then be stopped): our own child counts as alive until it exits. A
    server started by an earlier control plane is still matched by pid and command line."""
    import sys

    from app.services import endpoint_processes
    from app.services.endpoint_processes import LocalServers

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    servers = LocalServers(tmp_path / "endpoints", serve_command=sleeper)
    server = servers.start("probe", tmp_path / "bundle.fbbundle")
    try:
        monkeypatch.setattr(endpoint_processes, "_running", lambda pid, command: False)
        assert servers.alive(server)  # our child, still running
        assert servers.exit_code(server) is None
        adopted = LocalServers(tmp_path / "endpoints", serve_command=sleeper)
        assert not adopted.alive(adopted.read("probe"))  # not ours: the command line decides
        monkeypatch.undo()
        assert adopted.alive(adopted.read("probe"))
    finally:
        servers.stop("probe")
    assert not servers.alive(server)


HEALTH_SERVER = """
import argparse, http.server, socket
parser = argparse.ArgumentParser()
parser.add_argument("bundle"); parser.add_argument("--host"); parser.add_argument("--port")
parser.add_argument("--fd", type=int); parser.add_argument("--keys-file")
args = parser.parse_args()
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404); self.end_headers()
server = http.server.HTTPServer(("127.0.0.1", 0), Health, bind_and_activate=False)
server.socket.close()
server.socket = socket.socket(fileno=args.fd)
server.serve_forever()
"""


def test_the_port_is_held_from_its_choice_until_the_server_serves_it(tmp_path):
    """The control plane binds the port and hands the listening socket over (`--fd`): nothing
    can take it in between, and a taken port of the allowed range is passed over."""
    import sys

    from app.services.endpoint_processes import LocalServers

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    first = taken.getsockname()[1]
    servers = LocalServers(
        tmp_path / "endpoints",
        ports=range(first, first + 20),
        serve_command=[sys.executable, "-c", HEALTH_SERVER],
    )
    try:
        server = servers.start("probe", tmp_path / "bundle.fbbundle")
        assert first < server.port < first + 20
        with socket.socket() as late, pytest.raises(OSError):  # already ours, before it serves
            late.bind(("127.0.0.1", server.port))
        assert servers.wait_healthy(server, timeout=30)
        again = servers.start("again", tmp_path / "bundle.fbbundle", port=server.port)
        assert again.port not in (first, server.port)  # the asked port was busy: another one
        assert servers.wait_healthy(again, timeout=30)
    finally:
        servers.stop_all()
        taken.close()
