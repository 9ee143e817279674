"""The `flowbench` command line.

Exit codes: 0 done; 1 the run failed or was canceled; 2 the pipeline or the command is invalid;
3 the control plane could not be reached or refused the request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.durations import took
from app.settings import ensure_ui_password, load_settings, restrict_new_files
from jobs.defaults import DEFAULT_QUEUE
from storage.entities import RunStatus, StepStatus

EXIT_OK, EXIT_RUN_FAILED, EXIT_INVALID, EXIT_UNREACHABLE = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `flowbench` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_INVALID
    from app.client import ClientError

    try:
        return args.handler(args)
    except ClientError as exc:
        if args.__dict__.get("json"):
            print(
                json.dumps(
                    {"error": exc.detail, "status": exc.status, "issues": exc.issues}, indent=2
                )
            )
        else:
            print(f"flowbench: {exc.detail}", file=sys.stderr)
            _print_issues(exc.issues)
        return EXIT_INVALID if exc.status in (400, 404, 422) else EXIT_UNREACHABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowbench",
        description="Flowbench: low-code ML pipelines. Start everything with 'flowbench up'.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    up = sub.add_parser("up", help="start Redis if needed, the control plane, workers and the UI")
    up.add_argument("--workers", type=int, default=None, help="number of workers (default 2)")
    up.add_argument("--no-ui", action="store_true", help="do not start the Streamlit UI")
    up.set_defaults(handler=_up)

    sub.add_parser("api", help="run the control plane (FastAPI on uvicorn)").set_defaults(
        handler=_api
    )
    worker = sub.add_parser("worker", help="run a worker (component library preloaded)")
    worker.add_argument("--queues", nargs="+", default=[DEFAULT_QUEUE], help="queues to work")
    worker.add_argument("--name", default=None)
    worker.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    worker.add_argument(
        "--no-fork",
        action="store_true",
        help="run steps in the worker process (less overhead, less isolation)",
    )
    worker.set_defaults(handler=_worker)
    sub.add_parser("ui", help="run the Streamlit UI").set_defaults(handler=_ui)
    serve = sub.add_parser("serve", help="serve a real-time inference bundle (scoring server)")
    serve.add_argument("bundle", help="bundle file, or an http(s) URL to download it from")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--fd",
        type=int,
        default=None,
        help="serve on this inherited listening socket (--port then only names it)",
    )
    serve.add_argument(
        "--keys-file", default=None, help="JSON key hashes (default: $FLOWBENCH_KEYS_FILE)"
    )
    serve.add_argument(
        "--generate-keys",
        action="store_true",
        help="create the keys file with two new keys if it does not exist",
    )
    serve.add_argument("--sha256", default=None, help="expected SHA-256 of the bundle file")
    serve.add_argument("--max-body-bytes", type=int, default=5 * 1024 * 1024)
    serve.set_defaults(handler=_serve)

    validate = sub.add_parser("validate", help="list every issue of a pipeline file")
    _pipeline_args(validate)
    validate.set_defaults(handler=_validate)

    submit = sub.add_parser("submit", help="submit a pipeline file as a run")
    _pipeline_args(submit)
    submit.add_argument("--experiment", required=True, help="experiment to group the run in")
    submit.add_argument("--name", default=None, help="run name (default: the pipeline's)")
    submit.add_argument("--force", action="store_true", help="rerun every step (no reuse)")
    submit.add_argument("--wait", action="store_true", help="follow the run until it ends")
    submit.add_argument("--timeout", type=float, default=1800, help="seconds to --wait")
    submit.set_defaults(handler=_submit)

    runs = sub.add_parser("runs", help="list runs, or show one")
    runs.add_argument("run_id", nargs="?", help="show this run with its steps")
    runs.add_argument("--experiment")
    runs.add_argument("--status", choices=[status.value for status in RunStatus])
    runs.add_argument(
        "--source",
        choices=["cli", "ui", "api", "endpoint", "schedule"],
        help="only runs submitted this way",
    )
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(handler=_runs)

    cancel = sub.add_parser("cancel", help="cancel a run")
    cancel.add_argument("run_id")
    cancel.set_defaults(handler=_cancel)

    comps = sub.add_parser("components", help="list the component library")
    comps.add_argument("--json", action="store_true")
    comps.set_defaults(handler=_components)

    datasets = sub.add_parser("datasets", help="list datasets, or upload a new version")
    datasets.add_argument("--json", action="store_true")
    datasets.add_argument(
        "--upload",
        nargs=2,
        metavar=("NAME", "FILE"),
        help="register FILE (CSV or Parquet) as a new version of NAME",
    )
    datasets.add_argument(
        "--register-output",
        nargs=4,
        metavar=("RUN", "NODE", "PORT", "NAME"),
        help="register a step's output table as a new version of NAME",
    )
    datasets.add_argument(
        "--download",
        nargs=4,
        metavar=("RUN", "NODE", "PORT", "FILE"),
        help="save a step's output table as FILE (.csv or .parquet)",
    )
    datasets.set_defaults(handler=_datasets)

    from app.cli_pipelines import add_parser as add_pipelines_parser

    add_pipelines_parser(sub)
    from app.cli_endpoints import add_endpoint_commands

    add_endpoint_commands(sub)
    return parser


def _pipeline_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="pipeline JSON file")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pipeline parameter value (JSON or text); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


# -- processes ---------------------------------------------------------------------------------


def _up(args: argparse.Namespace) -> int:
    restrict_new_files()
    from app.supervisor import Supervisor, WorkspaceBusyError

    settings = load_settings()
    supervisor = Supervisor(settings, workers=args.workers or settings.workers, ui=not args.no_ui)
    try:
        info = supervisor.start()
    except WorkspaceBusyError as exc:
        print(f"flowbench: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (RuntimeError, OSError) as exc:
        supervisor.stop()
        print(f"flowbench: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    print("Flowbench is up. Ctrl-C stops it.")
    for key, value in info.items():
        print(f"  {key:<10} {value}")
    return supervisor.watch()


def _api(_: argparse.Namespace) -> int:
    restrict_new_files()
    import uvicorn

    from app.api.main import create_app

    settings = load_settings()
    uvicorn.run(
        create_app(settings), host=settings.api_host, port=settings.api_port, log_level="warning"
    )
    return EXIT_OK


def _worker(args: argparse.Namespace) -> int:
    restrict_new_files()
    from jobs.worker import run_worker
    from storage.errors import ArtifactError

    try:
        run_worker(
            load_settings().effective_redis_url,
            args.queues,
            name=args.name,
            burst=args.burst,
            fork=not args.no_fork,
        )
    except ArtifactError as exc:  # the artifact store is unreachable or refuses the key
        print(f"flowbench: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from jobs.inference.errors import BundleError
    from jobs.serving.run import serve

    try:
        serve(
            args.bundle,
            host=args.host,
            port=args.port,
            keys_file=args.keys_file,
            expected_sha256=args.sha256,
            max_body_bytes=args.max_body_bytes,
            generate_keys=args.generate_keys,
            fd=args.fd,
        )
    except BundleError as exc:
        print(f"flowbench: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def _ui(_: argparse.Namespace) -> int:
    restrict_new_files()
    import subprocess

    from app.supervisor import UI_ENTRY, ui_options

    settings = load_settings()
    ensure_ui_password(settings)
    return subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(UI_ENTRY), *ui_options(settings)]
    )


# -- pipelines and runs ------------------------------------------------------------------------


def _client():
    from app.client import FlowbenchClient

    return FlowbenchClient.from_settings()


def _load_pipeline(args: argparse.Namespace) -> tuple[Any, dict[str, Any]] | None:
    try:
        spec = json.loads(args.file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"flowbench: no such file: {args.file}", file=sys.stderr)
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"flowbench: {args.file} is not a JSON pipeline: {exc}", file=sys.stderr)
        return None
    parameters: dict[str, Any] = {}
    for item in args.param:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            print(f"flowbench: --param expects NAME=VALUE; got {item!r}", file=sys.stderr)
            return None
        try:
            parameters[name] = json.loads(raw)
        except json.JSONDecodeError:
            parameters[name] = raw
    return spec, parameters


def _validate(args: argparse.Namespace) -> int:
    loaded = _load_pipeline(args)
    if loaded is None:
        return EXIT_INVALID
    result = _client().validate(*loaded)
    if args.json:
        print(result.model_dump_json(indent=2))
    elif result.valid:
        print(f"{args.file}: valid.")
    else:
        print(f"{args.file}: {len(result.issues)} issue(s).")
        _print_issues([i.model_dump() for i in result.issues])
    return EXIT_OK if result.valid else EXIT_INVALID


def _submit(args: argparse.Namespace) -> int:
    loaded = _load_pipeline(args)
    if loaded is None:
        return EXIT_INVALID
    spec, parameters = loaded
    client = _client()
    run = client.submit(
        spec,
        experiment=args.experiment,
        parameters=parameters,
        force_rerun=args.force,
        name=args.name,
        source="cli",
    )
    for warning in run.warnings:
        print(f"flowbench: warning: {warning}", file=sys.stderr)
    if not args.wait:
        print(
            json.dumps({"run_id": run.id, "status": run.status.value})
            if args.json
            else f"Submitted run {run.id} in experiment '{run.experiment}'."
        )
        return EXIT_OK
    if not args.json:
        print(f"Run {run.id} in experiment '{run.experiment}':")
    printed: dict[str, str] = {}

    def show(detail: Any) -> None:
        if args.json:
            return
        for step in detail.steps:
            label = _step_label(step)
            if printed.get(step.node_id) != label:
                printed[step.node_id] = label
                print(f"  {step.node_id:<24} {label}")

    detail = client.wait(run.id, timeout=args.timeout, on_update=show)
    _print_result(detail, args.json)
    return EXIT_OK if detail.run.status is RunStatus.COMPLETED else EXIT_RUN_FAILED


def _step_label(step: Any) -> str:
    label = step.status.value
    if step.reused:
        label += " (reused)"
    elif step.duration_s is not None and step.status is StepStatus.COMPLETED:
        label += f" in {took(step.duration_s)}"
    elif step.duration_s is not None and step.status is StepStatus.FAILED:
        label += f" after {took(step.duration_s)}"
    if step.error:
        label += f": {step.error}"
    return label


def _print_result(detail: Any, as_json: bool) -> None:
    metrics = {s.node_id: s.metrics for s in detail.steps if s.metrics}
    if as_json:
        print(
            json.dumps(
                {
                    "run": _dump(detail.run),
                    "steps": [_dump(s) for s in detail.steps],
                    "metrics": metrics,
                },
                indent=2,
            )
        )
        return
    run = detail.run
    seconds = (
        (run.finished_at - run.started_at).total_seconds()
        if run.finished_at and run.started_at
        else 0.0
    )
    print(f"Run {run.id} {run.status.value} in {took(seconds)}.")
    if run.error:
        print(f"  error: {run.error}")
    for node, values in metrics.items():
        print(f"Metrics of {node}:")
        for name, value in values.items():
            print(f"  {name:<32} {value:.6g}")


def _dump(entity: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(type(entity)).dump_python(entity, mode="json")


def _runs(args: argparse.Namespace) -> int:
    client = _client()
    if args.run_id:
        detail = client.run(args.run_id)
        if args.json:
            _print_result(detail, True)
            return EXIT_OK
        run = detail.run
        print(f"Run {run.id} '{run.name}' in '{run.experiment}': {run.status.value}")
        for step in detail.steps:
            print(f"  {step.node_id:<24} {step.component_id:<34} {_step_label(step)}")
        _print_result(detail, False)
        return EXIT_OK
    listing = client.runs(
        experiment=args.experiment, status=args.status, limit=args.limit, source=args.source
    )
    if args.json:
        print(
            json.dumps({"total": listing.total, "runs": [_dump(r) for r in listing.runs]}, indent=2)
        )
        return EXIT_OK
    print(f"{listing.total} run(s)" + (f"; newest {len(listing.runs)}:" if listing.runs else ""))
    for run in listing.runs:
        print(
            f"  {run.id:<20} {run.status.value:<10} {run.experiment:<20} "
            f"{run.created_at:%Y-%m-%d %H:%M:%S}  {run.source.value:<8} {run.name}"
            + (f"  {json.dumps(run.parameters)}" if run.parameters else "")
        )
    return EXIT_OK


def _cancel(args: argparse.Namespace) -> int:
    run = _client().cancel(args.run_id)
    print(f"Run {run.id}: {run.status.value}")
    return EXIT_OK


def _components(args: argparse.Namespace) -> int:
    specs = _client().components()
    if args.json:
        print(json.dumps(specs, indent=2))
        return EXIT_OK
    category = None
    for spec in specs:
        if spec["category"] != category:
            category = spec["category"]
            print(category)
        print(f"  {spec['id']:<36} {spec['name']}")
    return EXIT_OK


def _datasets(args: argparse.Namespace) -> int:
    client = _client()
    if args.register_output:
        run_id, node_id, port, name = args.register_output
        answer = client.register_output(run_id, node_id, port, name)
        version = answer["dataset"]
        print(
            f"Registered {version['name']} version {version['version']}: "
            f"{version['row_count']} rows, from output '{port}' of step '{node_id}' of run "
            f"{run_id}."
        )
        return EXIT_OK
    if args.download:
        run_id, node_id, port, path = args.download
        fmt = "parquet" if path.endswith(".parquet") else "csv"
        Path(path).write_bytes(client.download_output(run_id, node_id, port, fmt))
        print(f"Saved output '{port}' of step '{node_id}' of run {run_id} as {path} ({fmt}).")
        return EXIT_OK
    if args.upload:
        name, path = args.upload
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            print(f"flowbench: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return EXIT_INVALID
        version = client.upload_dataset(name, Path(path).name, data)
        print(
            f"Registered {version.name} version {version.version}: {version.row_count} rows, "
            f"{len(version.columns)} columns."
        )
        return EXIT_OK
    datasets = client.datasets()
    if args.json:
        print(json.dumps([_dump(d) for d in datasets], indent=2))
        return EXIT_OK
    for dataset in datasets:
        print(f"  {dataset.name:<28} v{dataset.latest_version:<4} {dataset.description}")
    return EXIT_OK


def _print_issues(issues: list[dict[str, Any]]) -> None:
    for issue in issues:
        where = ".".join(x for x in (issue.get("node"), issue.get("field")) if x) or "pipeline"
        print(f"  [{issue['code']}] {where}: {issue['message']}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
