"""Benchmark: real-time scoring of the tutorial model, against two baselines in the same run.

Prints, for single-row requests on loopback (one server process each, same machine):
- Flowbench: `flowbench serve` on the tutorial's real-time inference bundle (compiled path);
- bare FastAPI (bench/bare_fastapi.py): a FastAPI endpoint that puts the row in a one-row
  DataFrame and calls the same fitted scikit-learn pipeline (the model's `pipeline.predict`);
- MLflow: `mlflow models serve` on the same fitted scikit-learn pipeline, installed in this
  benchmark's own venv (bench/.venv-mlflow, created on first use; never in requirements.txt);
  "n/a" when it cannot be installed;
with p50 and p99 latency (wrk, one connection, one request at a time) and requests per second
(wrk, 4 connections), and the ratios to each baseline. Then batch scoring of 1,000,000 rows:
`LoadedBundle.score_frame` against a bare `pipeline.predict` on the same rows already
prepared (the floor), as rows per second and their ratio.

The load generator is wrk (Debian package `wrk`), a separate C process: the client costs the
servers as little as possible. Run: .venv/bin/python bench/scoring.py
Environment: BENCH_SECONDS (default 8) per throughput measurement, BENCH_ROWS (1000000).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app import processes  # noqa: E402
from bench.common import ONE_MATH_THREAD  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
MLFLOW_VENV = ROOT / "bench" / ".venv-mlflow"
MLFLOW_PIN = "mlflow==3.17.2"
_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%s
local f = io.open("%s", "rb")
wrk.body = f:read("*all")
f:close()
"""


def measure() -> tuple[dict[str, dict[str, float] | None], tuple[float, float, str]]:
    """Each server's single-row figures (None: could not run), and batch scoring's seconds for
    ROWS rows: (bare pipeline.predict, LoadedBundle.score_frame, a note on the path)."""
    if shutil.which("wrk") is None:
        sys.exit("bench/scoring.py needs wrk: apt-get install wrk")
    from jobs.serving.keys import create_keys_file
    from tests.conftest import free_port
    from tests.jobs.inference.conftest import build_tutorial_bundle

    with tempfile.TemporaryDirectory(prefix="fb-bench-scoring-") as folder_name:
        folder = Path(folder_name)
        print("Training the tutorial and building its real-time bundle ...", flush=True)
        built = build_tutorial_bundle(folder)
        request = built.info.manifest["sample_request"]
        row = request["Inputs"]["WebServiceInput0"][0]
        model = built.store.get_object(built.training.outputs["train"]["trained_model"])
        import joblib

        joblib.dump(model, folder / "model.joblib")
        joblib.dump(model.pipeline, folder / "sklearn_pipeline.joblib")
        primary, _ = create_keys_file(folder / "keys.json")
        (folder / "request.json").write_text(json.dumps(request))

        results: dict[str, dict[str, float] | None] = {}
        processes = []
        try:
            port = free_port()
            processes.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "app.cli",
                        "serve",
                        str(built.info.path),
                        "--port",
                        str(port),
                        "--keys-file",
                        str(folder / "keys.json"),
                    ],
                    folder / "flowbench.log",
                )
            )
            results["Flowbench"] = _measure(
                f"http://127.0.0.1:{port}/score",
                folder / "request.json",
                {"Authorization": f"Bearer {primary}"},
                folder,
                check=lambda a: a["Results"]["WebServiceOutput0"],
            )
            port = free_port()
            processes.append(
                _start(
                    [
                        sys.executable,
                        str(ROOT / "bench" / "bare_fastapi.py"),
                        str(port),
                        str(folder / "model.joblib"),
                    ],
                    folder / "bare.log",
                )
            )
            results["bare FastAPI"] = _measure(
                f"http://127.0.0.1:{port}/score",
                folder / "request.json",
                {},
                folder,
                check=lambda a: a["Results"]["WebServiceOutput0"],
            )
            results["MLflow"] = _mlflow(model, row, folder, processes)
        finally:
            for process in processes:
                _stop(process)
        return results, _batch(built)


def run() -> list:
    """Rows for `python -m bench`: latency and throughput against bare FastAPI and MLflow, and
    batch scoring against the bare pipeline."""
    from bench.common import Row

    results, (bare_s, ours_s, _) = measure()
    ours = results["Flowbench"]
    assert ours is not None
    bare, mlflow = results.get("bare FastAPI"), results.get("MLflow")
    return [
        Row(
            "scoring p50 latency, one row",
            ours["p50_ms"],
            bare["p50_ms"] if bare else None,
            "ms",
            "< 3 ms",
            "bare FastAPI",
        ),
        Row(
            "scoring throughput, one row a request",
            ours["rps"],
            mlflow["rps"] if mlflow else None,
            "req/s",
            ">= 5x MLflow",
            "MLflow" if mlflow else "MLflow n/a",
        ),
        Row(
            f"batch scoring, {ROWS:,} rows",
            ROWS / ours_s,
            ROWS / bare_s,
            "rows/s",
            ">= 0.8x the bare pipeline",
            "bare pipeline.predict",
        ),
    ]


def main() -> None:
    results, batch = measure()
    _report(results)
    _print_batch(*batch)


# -- servers ----------------------------------------------------------------------------------


def _start(
    command: list[str], log: Path, health: str | None = None, path: Path | None = None
) -> subprocess.Popen:
    # One thread per server: on one row, BLAS/OpenMP threads only add contention.
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        **ONE_MATH_THREAD,
        "PATH": f"{path}:{os.environ['PATH']}" if path else os.environ["PATH"],
    }
    process = processes.start(command, log, env=env, cwd=ROOT)
    port = next(a for a in command if a.isdigit() and len(a) >= 4)
    url = health or f"http://127.0.0.1:{port}/health"
    try:
        processes.wait_until_ready(
            process, processes.answers_http(url, timeout=2), timeout=240, interval=0.2
        )
    except processes.ProcessExited:
        raise RuntimeError(f"{command[:4]} exited: {log.read_text()[-2000:]}") from None
    except processes.ProcessNotReady:
        raise RuntimeError(f"{command[:4]} did not start: {log.read_text()[-2000:]}") from None
    return process


def _stop(process: subprocess.Popen) -> None:
    processes.stop(process, grace=20)


def _mlflow(
    model, row: dict, folder: Path, processes: list[subprocess.Popen]
) -> dict[str, float] | None:
    python = MLFLOW_VENV / "bin" / "python"
    if (
        not python.exists()
        or subprocess.run([str(python), "-c", "import mlflow"], capture_output=True).returncode != 0
    ):
        print(f"Installing {MLFLOW_PIN} in {MLFLOW_VENV} (first run only) ...", flush=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(MLFLOW_VENV)], capture_output=True, text=True
        )
        installed = (
            made.returncode == 0
            and subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    MLFLOW_PIN,
                    "scikit-learn==1.9.1",
                    "pandas==3.1.1",
                    "numpy==2.4.6",
                ],
                capture_output=True,
                text=True,
            ).returncode
            == 0
        )
        if not installed:
            print("MLflow could not be installed: n/a")
            return None
    model_dir = folder / "mlflow-model"
    saved = subprocess.run(
        [
            str(python),
            "-c",
            (
                "import sys, joblib, mlflow.sklearn; "
                "mlflow.sklearn.save_model(joblib.load(sys.argv[1]), sys.argv[2], "
                "serialization_format='cloudpickle')"
            ),
            str(folder / "sklearn_pipeline.joblib"),
            str(model_dir),
        ],
        capture_output=True,
        text=True,
    )
    if saved.returncode != 0:
        print(f"MLflow could not save the model: n/a\n{saved.stderr[-1500:]}")
        return None
    features = model.features.prepare(_frame([row]))
    body = {
        "dataframe_split": {
            "columns": list(features.columns),
            "data": [[_plain(v) for v in features.iloc[0]]],
        }
    }
    (folder / "mlflow.json").write_text(json.dumps(body))
    from tests.conftest import free_port

    port = free_port()
    try:
        processes.append(
            _start(
                [
                    str(MLFLOW_VENV / "bin" / "mlflow"),
                    "models",
                    "serve",
                    "-m",
                    str(model_dir),
                    "-p",
                    str(port),
                    "--env-manager",
                    "local",
                    "-w",
                    "1",
                ],
                folder / "mlflow.log",
                health=f"http://127.0.0.1:{port}/ping",
                path=MLFLOW_VENV / "bin",
            )
        )  # its server runs `uvicorn`
    except RuntimeError as exc:
        print(f"MLflow's server did not start: n/a ({str(exc)[-300:]})")
        return None
    return _measure(
        f"http://127.0.0.1:{port}/invocations",
        folder / "mlflow.json",
        {},
        folder,
        check=lambda a: a["predictions"],
    )


def _frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


def _plain(value):
    return value.item() if hasattr(value, "item") else value


# -- measuring --------------------------------------------------------------------------------


def _measure(
    url: str, body: Path, headers: dict[str, str], folder: Path, check
) -> dict[str, float]:
    answer = httpx.post(
        url,
        content=body.read_bytes(),
        timeout=30,
        headers={**headers, "Content-Type": "application/json"},
    )
    answer.raise_for_status()
    check(answer.json())  # a wrong answer shape raises here, before timing
    script = folder / "wrk.lua"
    script.write_text(
        _WRK_SCRIPT % ("\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()), body)
    )
    _wrk(url, script, connections=1, seconds=2)  # warm up
    latency = _wrk(url, script, connections=1, seconds=SECONDS)
    throughput = _wrk(url, script, connections=4, seconds=SECONDS)
    return {
        "p50_ms": latency["p50_ms"],
        "p99_ms": latency["p99_ms"],
        "rps": throughput["rps"],
        "errors": latency["errors"] + throughput["errors"],
    }


def _wrk(url: str, script: Path, *, connections: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), "errors": 0.0}
    for name, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        value, unit = re.search(rf"{re.escape(name)}\s+([\d.]+)(us|ms|s)", out).groups()
        found[key] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_ok:
        found["errors"] += float(non_ok[1])
    return found


def _report(results: dict[str, dict[str, float] | None]) -> None:
    print(
        f"\nSingle-row scoring on loopback (wrk; latency with 1 connection, throughput with 4; "
        f"{SECONDS} s each)"
    )
    print(f"{'server':<14}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>10}{'non-2xx':>9}")
    for name, figures in results.items():
        if figures is None:
            print(f"{name:<14}{'n/a':>9}{'n/a':>9}{'n/a':>10}")
        else:
            print(
                f"{name:<14}{figures['p50_ms']:>9.2f}{figures['p99_ms']:>9.2f}"
                f"{figures['rps']:>10.0f}{figures['errors']:>9.0f}"
            )
    ours = results["Flowbench"]
    for name in ("bare FastAPI", "MLflow"):
        other = results.get(name)
        if other:
            print(
                f"Flowbench vs {name}: throughput x{ours['rps'] / other['rps']:.1f}, "
                f"p50 latency x{other['p50_ms'] / ours['p50_ms']:.1f} lower"
            )
        else:
            print(f"Flowbench vs {name}: n/a")
    print(
        f"Targets: p50 < 3 ms ({'met' if ours['p50_ms'] < 3 else 'NOT met'}); "
        "throughput >= 5x MLflow's."
    )


def _batch(built) -> tuple[float, float, str]:
    import numpy as np

    from jobs.inference.bundle import load_bundle

    bundle = load_bundle(built.info.path)
    sample = bundle.sample_request["Inputs"]["WebServiceInput0"]
    table = built.store.get_table(built.inference.outputs["web_service_input"]["dataset_out"])
    table = table.dropna().reset_index(drop=True)
    repeats = -(-ROWS // len(table))
    big = table.iloc[np.tile(np.arange(len(table)), repeats)[:ROWS]].reset_index(drop=True)
    model = built.store.get_object(built.training.outputs["train"]["trained_model"])
    prepared = model.features.prepare(big)
    started = time.perf_counter()
    bare = model.pipeline.predict(prepared)
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    scored = bundle.score_frame(big)
    ours_s = time.perf_counter() - started
    np.testing.assert_allclose(scored["Scored Labels"].to_numpy(), bare, rtol=1e-9)
    return bare_s, ours_s, f"{bundle.engine} path; sample row {sample[0].get('Manufacturer')}"


def _print_batch(bare_s: float, ours_s: float, note: str) -> None:
    print(f"\nBatch scoring of {ROWS:,} rows ({note}):")
    print(f"  bare pipeline.predict on prepared rows: {ROWS / bare_s:>12,.0f} rows/s")
    print(
        f"  Flowbench LoadedBundle.score_frame:     {ROWS / ours_s:>12,.0f} rows/s "
        f"(ratio {bare_s / ours_s:.2f}; target >= 0.8)"
    )


if __name__ == "__main__":
    main()
