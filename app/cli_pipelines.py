"""`flowbench pipelines ...`: publish pipelines as endpoints, call them, schedule them.

Kept apart from app/cli.py, which only adds the subcommand; errors and exit codes are cli.main's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from storage.entities import RunStatus

EXIT_OK, EXIT_RUN_FAILED, EXIT_INVALID = 0, 1, 2


def add_parser(sub: Any) -> None:
    """Add `pipelines` and its actions to the CLI's subparsers."""
    pipelines = sub.add_parser(
        "pipelines", help="pipeline endpoints: list, publish, submit, schedule"
    )
    actions = pipelines.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="endpoints with their versions")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    show = actions.add_parser("show", help="one endpoint: versions, REST URL, sample requests")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    publish = actions.add_parser(
        "publish",
        help="publish a pipeline file, a draft or a run's pipeline as the endpoint's next version",
    )
    publish.add_argument("name", help="endpoint name (created on first publish)")
    source = publish.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="pipeline JSON file")
    source.add_argument("--draft", help="a draft id")
    source.add_argument("--run", help="a run id: its pipeline, its values as defaults")
    publish.add_argument("--description", default="")
    publish.add_argument(
        "--default",
        action="store_true",
        help="make the new version the default (the first one always is)",
    )
    publish.add_argument("--json", action="store_true")
    publish.set_defaults(handler=_publish)

    submit = actions.add_parser("submit", help="start a run of an endpoint")
    submit.add_argument("name")
    submit.add_argument("--version", type=int, default=None, help="default: the default version")
    submit.add_argument("--experiment", default=None, help="default: the endpoint's name")
    _value_args(submit)
    submit.add_argument("--description", default="")
    submit.add_argument("--wait", action="store_true", help="follow the run until it ends")
    submit.add_argument("--timeout", type=float, default=1800)
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(handler=_submit)

    runs = actions.add_parser("runs", help="runs an endpoint started")
    runs.add_argument("name")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(handler=_runs)

    default = actions.add_parser("default", help="make a version the default")
    default.add_argument("name")
    default.add_argument("version", type=int)
    default.set_defaults(handler=lambda a: _version_state(a, "default"))
    for verb in ("enable", "disable"):
        toggle = actions.add_parser(verb, help=f"{verb} a version")
        toggle.add_argument("name")
        toggle.add_argument("version", type=int)
        toggle.set_defaults(handler=lambda a, verb=verb: _version_state(a, verb))

    key = actions.add_parser("key", help="regenerate an endpoint's key (shown once)")
    key.add_argument("name")
    key.set_defaults(handler=_key)

    schedule = actions.add_parser("schedule", help="add, list, pause, resume or delete schedules")
    verbs = schedule.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="run an endpoint on a cron expression or an interval")
    add.add_argument("name")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help="five fields, e.g. '0 6 * * 1-5' (UTC)")
    when.add_argument("--every", type=int, metavar="SECONDS", help="an interval in seconds")
    add.add_argument("--version", type=int, default=None)
    add.add_argument("--experiment", default=None)
    add.add_argument("--description", default="")
    _value_args(add)
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_schedule_add)
    listed = verbs.add_parser("list", help="an endpoint's schedules")
    listed.add_argument("name")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(handler=_schedule_list)
    for verb in ("pause", "resume", "delete", "runs"):
        one = verbs.add_parser(
            verb, help=f"{verb} a schedule" if verb != "runs" else "runs a schedule started"
        )
        one.add_argument("schedule_id")
        one.add_argument("--json", action="store_true")
        one.set_defaults(handler=lambda a, verb=verb: _schedule_verb(a, verb))


def _value_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pipeline parameter value (JSON or text); repeatable",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="PARAM=DATASET[:VERSION]",
        help="dataset parameter value; repeatable",
    )


def _client():
    from app.client import FlowbenchClient

    return FlowbenchClient.from_settings()


def _values(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]] | None:
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
    datasets: dict[str, Any] = {}
    for item in args.dataset:
        name, sep, reference = item.partition("=")
        dataset, _, version = reference.partition(":")
        if not sep or not name or not dataset or (version and not version.isdigit()):
            print(
                f"flowbench: --dataset expects PARAM=DATASET[:VERSION]; got {item!r}",
                file=sys.stderr,
            )
            return None
        datasets[name] = {"name": dataset, "version": int(version) if version else None}
    return parameters, datasets


def _print_endpoint(endpoint: dict[str, Any]) -> None:
    print(
        f"{endpoint['name']}  (default version {endpoint['default_version']})  "
        f"{endpoint['rest_url']}"
    )
    for version in endpoint["versions"]:
        flags = ", ".join(
            f
            for f, on in (("default", version["is_default"]), ("disabled", not version["enabled"]))
            if on
        )
        params = ", ".join(f"{p['name']}: {p['type']}" for p in version["parameters"])
        print(
            f"  v{version['version']:<3} {version['name']:<32} "
            f"{'[' + flags + ']' if flags else '':<20} {params}"
        )


def _list(args: argparse.Namespace) -> int:
    endpoints = _client().pipelines()
    if args.json:
        print(json.dumps(endpoints, indent=2))
        return EXIT_OK
    if not endpoints:
        print("No pipeline endpoints yet: flowbench pipelines publish NAME FILE")
    for endpoint in endpoints:
        _print_endpoint(endpoint)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    endpoint = _client().pipeline(args.name)
    if args.json:
        print(json.dumps(endpoint, indent=2))
        return EXIT_OK
    _print_endpoint(endpoint)
    print("\ncurl:\n" + endpoint["samples"]["curl"])
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    spec = None
    if args.file is not None:
        try:
            spec = json.loads(args.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"flowbench: cannot read the pipeline {args.file}: {exc}", file=sys.stderr)
            return EXIT_INVALID
    answer = _client().publish(
        args.name,
        spec=spec,
        draft_id=args.draft,
        run_id=args.run,
        description=args.description,
        make_default=args.default,
    )
    if args.json:
        print(json.dumps(answer, indent=2))
        return EXIT_OK
    endpoint = answer["endpoint"]
    print(
        f"Published {args.name} version {answer['version']} (default version "
        f"{endpoint['default_version']})."
    )
    print(f"REST URL: {endpoint['rest_url']}")
    if answer.get("key"):
        print(
            f"Endpoint key (shown once; 'flowbench pipelines key {args.name}' makes a new "
            f"one):\n  {answer['key']}"
        )
    return EXIT_OK


def _submit(args: argparse.Namespace) -> int:
    values = _values(args)
    if values is None:
        return EXIT_INVALID
    client = _client()
    answer = client.submit_pipeline(
        args.name,
        experiment=args.experiment,
        parameters=values[0],
        datasets=values[1],
        description=args.description,
        version=args.version,
    )
    if not args.wait:
        print(
            json.dumps(answer, indent=2)
            if args.json
            else f"Submitted run {answer['RunId']} of {args.name} v{answer['Version']}: "
            f"{answer['Url']}"
        )
        return EXIT_OK
    detail = client.wait(answer["RunId"], timeout=args.timeout)
    status = detail.run.status.value
    print(
        json.dumps({**answer, "Status": status}, indent=2)
        if args.json
        else f"Run {answer['RunId']} of {args.name} v{answer['Version']}: {status}"
    )
    return EXIT_OK if detail.run.status is RunStatus.COMPLETED else EXIT_RUN_FAILED


def _runs(args: argparse.Namespace) -> int:
    rows = _client().pipeline_runs(args.name)
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    _print_runs(rows)
    return EXIT_OK


def _print_runs(rows: list[dict[str, Any]]) -> None:
    print(f"{len(rows)} run(s)")
    for row in rows:
        run, origin = row["run"], row["origin"]
        via = f"schedule {origin['schedule_id']}" if origin.get("schedule_id") else "REST"
        print(
            f"  {run['id']:<20} {run['status']:<10} v{origin['version']:<3} {via:<24} "
            f"{json.dumps(run['parameters'])}"
        )


def _version_state(args: argparse.Namespace, verb: str) -> int:
    client = _client()
    if verb == "default":
        client.set_default_version(args.name, args.version)
    else:
        client.enable_version(args.name, args.version, verb == "enable")
    _print_endpoint(client.pipeline(args.name))
    return EXIT_OK


def _key(args: argparse.Namespace) -> int:
    print(_client().regenerate_pipeline_key(args.name))
    return EXIT_OK


def _print_schedule(schedule: dict[str, Any]) -> None:
    when = f"cron '{schedule['cron']}'" if schedule["cron"] else f"every {schedule['interval_s']} s"
    state = "paused" if schedule["paused"] else "next " + ", ".join(schedule["next_ticks"][:1])
    print(
        f"  {schedule['id']:<20} {schedule['endpoint']:<20} {when:<22} {state}  "
        f"{json.dumps(schedule['parameters'])}"
    )


def _schedule_add(args: argparse.Namespace) -> int:
    values = _values(args)
    if values is None:
        return EXIT_INVALID
    schedule = _client().add_schedule(
        args.name,
        cron=args.cron,
        interval_seconds=args.every,
        parameters=values[0],
        datasets=values[1],
        experiment=args.experiment,
        version=args.version,
        description=args.description,
    )
    if args.json:
        print(json.dumps(schedule, indent=2))
    else:
        print("Added schedule:")
        _print_schedule(schedule)
    return EXIT_OK


def _schedule_list(args: argparse.Namespace) -> int:
    schedules = _client().schedules(args.name)
    if args.json:
        print(json.dumps(schedules, indent=2))
        return EXIT_OK
    print(f"{len(schedules)} schedule(s)")
    for schedule in schedules:
        _print_schedule(schedule)
    return EXIT_OK


def _schedule_verb(args: argparse.Namespace, verb: str) -> int:
    client = _client()
    if verb == "delete":
        client.delete_schedule(args.schedule_id)
        print(f"Deleted schedule {args.schedule_id}.")
        return EXIT_OK
    if verb == "runs":
        rows = client.schedule_runs(args.schedule_id)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            _print_runs(rows)
        return EXIT_OK
    changed = (client.pause_schedule if verb == "pause" else client.resume_schedule)(
        args.schedule_id
    )
    if args.json:
        print(json.dumps(changed, indent=2))
    else:
        _print_schedule(changed)
    return EXIT_OK
