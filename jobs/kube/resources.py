"""Checks of the settings shared by scoring endpoints and worker targets, before any API call."""

from __future__ import annotations

import re
from decimal import Decimal

from kubernetes.utils.quantity import parse_quantity

from jobs.kube.errors import KubeSpecError

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:@-]*$", re.IGNORECASE)
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def quantity(field: str, value: str | int | float) -> Decimal:
    """`value` as a number after checking it reads as a Kubernetes quantity ("500m", "1Gi")."""
    text = str(value).strip()
    if not _QUANTITY.match(text):
        raise KubeSpecError(
            f"{field} = {value!r} is not a Kubernetes quantity "
            "(e.g. 250m or 0.5 for CPU, 512Mi or 1Gi for memory)."
        )
    amount = parse_quantity(text)
    if amount <= 0:
        raise KubeSpecError(f"{field} must be more than zero, not {value!r}.")
    return amount


def check_resources(
    cpu_request: str, cpu_limit: str | None, memory_request: str, memory_limit: str | None
) -> None:
    """Every quantity readable and each request within its limit (else the API says 422)."""
    pairs = (("CPU", cpu_request, cpu_limit), ("memory", memory_request, memory_limit))
    for what, request, limit in pairs:
        wanted = quantity(f"{what} request", request)
        if limit is not None and quantity(f"{what} limit", limit) < wanted:
            raise KubeSpecError(f"The {what} request ({request}) is above its limit ({limit}).")


def check_replicas(minimum: int, maximum: int, *, lowest: int) -> None:
    """min <= max, both within range (KEDA may scale workers to zero; an HPA cannot)."""
    if minimum < lowest:
        raise KubeSpecError(f"Minimum replicas must be at least {lowest}, not {minimum}.")
    if maximum < max(minimum, 1):
        raise KubeSpecError(
            f"Maximum replicas ({maximum}) must be at least the minimum ({minimum}) and at least 1."
        )
    if maximum > 1000:
        raise KubeSpecError(f"Maximum replicas ({maximum}) is above 1000.")


def check_image(image: str) -> None:
    if not image or not _IMAGE.match(image):
        raise KubeSpecError(
            f"Image {image!r} is not a container image reference "
            "(e.g. myregistry.azurecr.io/flowbench:0.1.0)."
        )


def check_namespace(namespace: str) -> None:
    if not _DNS_LABEL.match(namespace or ""):
        raise KubeSpecError(
            f"Namespace {namespace!r} is not a valid name (lowercase letters, "
            "digits and '-', at most 63)."
        )
