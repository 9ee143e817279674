"""Object names and the recommended `app.kubernetes.io/*` labels for what Flowbench creates."""

from __future__ import annotations

import hashlib
import re

from jobs.kube.errors import KubeError

PART_OF = "flowbench"
MANAGED_BY = "flowbench"
SCORING = "scoring-server"
WORKER = "worker"
# Annotation keys hold what label values cannot (long or free-form strings).
ANNOTATION_PREFIX = "flowbench.io/"

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def object_name(prefix: str, name: str) -> str:
    """A DNS-1123 label (what Services need) made from a Flowbench name, stable per name.

    "Car Prices" and "car-prices" would collide once lowered, so a name that had to change gets
    a short hash of the original appended.
    """
    if not name or not name.strip():
        raise KubeError("A name is needed to make Kubernetes object names.")
    lowered = _NOT_DNS.sub("-", name.lower()).strip("-")
    base = f"{prefix}-{lowered}" if lowered else prefix
    if lowered != name or len(base) > 63:
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        base = f"{base[:56].rstrip('-')}-{digest}"
    return base


def label_value(value: str) -> str:
    """`value` cut to what a label allows (63 characters, alphanumeric ends)."""
    cleaned = re.sub(r"[^-A-Za-z0-9_.]+", "-", value)[:63].strip("-_.")
    if not _LABEL_VALUE.match(cleaned):  # pragma: no cover - the cleaning above ensures it
        raise ValueError(f"cannot make a label value of {value!r}")
    return cleaned


def selector_labels(app: str, instance: str) -> dict[str, str]:
    """The labels that select one instance's pods (immutable in a Deployment's selector)."""
    return {"app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance}


def recommended_labels(*, app: str, instance: str, version: str, component: str) -> dict[str, str]:
    """The six recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/
    common-labels)."""
    return {
        **selector_labels(app, instance),
        "app.kubernetes.io/version": label_value(version),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def instance_selector(instance: str, component: str) -> str:
    """A label selector for every object made for one instance (what delete removes)."""
    return (
        f"app.kubernetes.io/managed-by={MANAGED_BY},app.kubernetes.io/instance={instance},"
        f"app.kubernetes.io/component={component}"
    )
