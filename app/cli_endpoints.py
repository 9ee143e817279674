"""`flowbench endpoints ...`: deploy a run as an endpoint; list, show, test, keys, delete."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def add_endpoint_commands(sub: Any) -> None:
    """Add the `endpoints` command and its subcommands to the CLI's subparsers."""
    endpoints = sub.add_parser(
        "endpoints", help="real-time endpoints: deploy, update, list, show, test, keys, delete"
    )
    verbs = endpoints.add_subparsers(dest="verb", metavar="VERB", required=True)

    deploy = verbs.add_parser(
        "deploy",
        help="deploy a completed run (training runs get their "
        "real-time inference pipeline made and run first)",
    )
    deploy.add_argument("--run", required=True, dest="run_id", help="the run to deploy")
    deploy.add_argument("--name", required=True, help="endpoint name (a-z, 0-9, '-')")
    deploy.add_argument("--target", choices=["local", "kubernetes"], default="local")
    deploy.add_argument("--description", default="")
    _resource_arguments(deploy)
    deploy.set_defaults(handler=_deploy)

    update = verbs.add_parser(
        "update",
        help="roll an endpoint to another run or resources; its URL and keys stay, and it "
        "goes back to what it served if the new deployment fails",
    )
    update.add_argument("name")
    update.add_argument("--run", dest="run_id", help="serve this completed run instead")
    update.add_argument("--description")
    _resource_arguments(update)
    update.set_defaults(handler=_update)

    listing = verbs.add_parser("list", help="every endpoint with its status and URL")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)

    show = verbs.add_parser("show", help="an endpoint: URLs, lineage, figures, deployment log")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    test = verbs.add_parser("test", help="send a request (default: the bundle's sample request)")
    test.add_argument("name")
    test.add_argument("--data", help="request JSON, or @FILE")
    test.add_argument("--json", action="store_true")
    test.set_defaults(handler=_test)

    keys = verbs.add_parser("keys", help="show the keys, or regenerate one")
    keys.add_argument("name")
    keys.add_argument("--regenerate", choices=["primary", "secondary"])
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(handler=_keys)

    delete = verbs.add_parser("delete", help="stop the endpoint and forget it")
    delete.add_argument("name")
    delete.set_defaults(handler=_delete)


def _resource_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--context", help="kubeconfig context (kubernetes target)")
    parser.add_argument("--namespace", help="namespace (kubernetes target)")
    parser.add_argument("--image", help="scoring server image (kubernetes target)")
    parser.add_argument("--cpu", help="CPU request, e.g. 100m or 0.5 (kubernetes target)")
    parser.add_argument("--memory", help="memory request, e.g. 512Mi (kubernetes target)")
    parser.add_argument("--replicas", type=int, help="minimum replicas (kubernetes target)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait")
    parser.add_argument(
        "--json", action="store_true", help="print url, swagger_url and keys as JSON"
    )


def _resources(args: argparse.Namespace) -> dict[str, Any]:
    given = {
        "context": args.context,
        "namespace": args.namespace,
        "image": args.image,
        "cpu_request": args.cpu,
        "memory_request": args.memory,
        "min_replicas": args.replicas,
    }
    return {k: v for k, v in given.items() if v is not None}


def _client():
    from app.client import FlowbenchClient

    return FlowbenchClient.from_settings()


def _dump(entity: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(type(entity)).dump_python(entity, mode="json")


def _summary(endpoint: Any, keys: dict[str, str] | None = None) -> dict[str, Any]:
    out = {
        "name": endpoint.name,
        "status": endpoint.status.value,
        "target": endpoint.target.value,
        "url": endpoint.url,
        "swagger_url": endpoint.swagger_url,
        "inference_run_id": endpoint.inference_run_id,
        "training_run_id": endpoint.training_run_id,
        "error": endpoint.error,
    }
    if keys:
        out.update(primary_key=keys["primary"], secondary_key=keys["secondary"])
    return out


def _deploy(args: argparse.Namespace) -> int:
    client = _client()
    client.deploy_endpoint(
        args.name,
        args.run_id,
        target=args.target,
        description=args.description,
        resources=_resources(args),
    )
    return _report(client, args, lambda endpoint: endpoint.status.value == "healthy")


def _update(args: argparse.Namespace) -> int:
    client = _client()
    resources = _resources(args)
    before = client.endpoint_logs(args.name)
    client.update_endpoint(
        args.name,
        run_id=args.run_id,
        description=args.description,
        resources=resources or None,
    )

    def updated(endpoint: Any) -> bool:
        # A failed update rolls back to the previous run, which is healthy too: the run ids
        # (and the log) tell the two apart.
        lines = [line.message for line in client.endpoint_logs(args.name)[len(before) :]]
        if any(line.startswith("Update failed") for line in lines):
            return False
        served = (endpoint.training_run_id, endpoint.inference_run_id)
        return endpoint.status.value == "healthy" and (args.run_id is None or args.run_id in served)

    return _report(client, args, updated, skip_logs=len(before))


def _report(
    client: Any, args: argparse.Namespace, succeeded: Callable[[Any], bool], *, skip_logs: int = 0
) -> int:
    """Wait for the endpoint to settle, print it (or its JSON summary) and the exit code."""
    on_log = None if args.json else (lambda line: print(f"  {line}", file=sys.stderr))
    endpoint = client.wait_endpoint(
        args.name, timeout=args.timeout, on_log=on_log, skip_logs=skip_logs
    )
    ok = succeeded(endpoint)
    keys = client.endpoint_keys(args.name)
    if args.json:
        print(json.dumps(_summary(endpoint, keys), indent=2))
    else:
        print(f"{endpoint.name}: {endpoint.status.value}")
        if endpoint.url:
            print(
                f"  scoring URI  {endpoint.url}\n  swagger      {endpoint.swagger_url}\n"
                f"  primary key  {keys['primary']}"
            )
        if endpoint.error:
            print(f"  error        {endpoint.error}", file=sys.stderr)
    return EXIT_OK if ok else EXIT_FAILED


def _list(args: argparse.Namespace) -> int:
    endpoints = _client().endpoints()
    if args.json:
        print(json.dumps([_summary(e) for e in endpoints], indent=2))
        return EXIT_OK
    if not endpoints:
        print("No endpoints yet. Deploy one: flowbench endpoints deploy --run RUN_ID --name NAME")
    for e in endpoints:
        print(f"{e.name:<24} {e.status.value:<14} {e.target.value:<11} {e.url or '-'}")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    client = _client()
    endpoint = client.endpoint(args.name)
    stats = client.endpoint_stats(args.name)
    logs = client.endpoint_logs(args.name)
    if args.json:
        print(
            json.dumps(
                {**_dump(endpoint), "stats": stats, "logs": [_dump(line) for line in logs]},
                indent=2,
            )
        )
        return EXIT_OK
    for key, value in _summary(endpoint).items():
        if value is not None:
            print(f"{key:<18} {value}")
    if stats.get("available"):
        print(
            f"{'requests':<18} {stats['requests']} ({stats['errors']} errors), mean "
            f"{stats['mean_ms']} ms"
        )
    print("deployment log:")
    for line in logs:
        print(f"  {line.at:%Y-%m-%d %H:%M:%S}  {line.message}")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    client = _client()
    if args.data:
        text = Path(args.data[1:]).read_text() if args.data.startswith("@") else args.data
        try:
            request = json.loads(text)
        except ValueError as exc:
            print(f"flowbench: --data is not JSON: {exc}", file=sys.stderr)
            return EXIT_INVALID
    else:
        request = client.endpoint_schema(args.name)["sample_request"]
    answer = client.test_endpoint(args.name, request)
    print(json.dumps(answer if args.json else answer["body"], indent=2))
    return EXIT_OK if answer["status_code"] < 400 else EXIT_FAILED


def _keys(args: argparse.Namespace) -> int:
    client = _client()
    keys = (
        client.regenerate_endpoint_key(args.name, args.regenerate)
        if args.regenerate
        else client.endpoint_keys(args.name)
    )
    if args.json:
        print(json.dumps(keys, indent=2))
    else:
        print(f"primary    {keys['primary']}\nsecondary  {keys['secondary']}")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    _client().delete_endpoint(args.name)
    print(f"Deleted endpoint {args.name}.")
    return EXIT_OK
