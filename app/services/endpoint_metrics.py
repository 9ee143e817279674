"""An endpoint's request figures, read from its scoring server's Prometheus text (/metrics)."""

from __future__ import annotations

import math
from typing import Any

from prometheus_client.parser import text_string_to_metric_families


def scrape_figures(text: str) -> dict[str, Any]:
    """Requests, errors and latency (mean and p50/p99 from the histogram) of scoring requests.

    Counts every sample of a counter whose name ends in `requests` (label `status` or `code`
    >= 400 counts as an error) and the histogram whose name ends in `duration_seconds`.
    """
    requests = errors = 0.0
    buckets: dict[float, float] = {}
    total_s = count = 0.0
    for family in text_string_to_metric_families(text):
        if family.type == "counter" and family.name.endswith("requests"):
            for sample in family.samples:
                if not sample.name.endswith("_total"):
                    continue
                requests += sample.value
                code = sample.labels.get("status") or sample.labels.get("code") or ""
                if code[:1] in ("4", "5"):
                    errors += sample.value
        elif family.type == "histogram" and family.name.endswith("duration_seconds"):
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    bound = float(sample.labels["le"])
                    buckets[bound] = buckets.get(bound, 0.0) + sample.value
                elif sample.name.endswith("_sum"):
                    total_s += sample.value
                elif sample.name.endswith("_count"):
                    count += sample.value
    return {
        "requests": int(requests),
        "errors": int(errors),
        "mean_ms": round(1000 * total_s / count, 3) if count else None,
        "p50_ms": _quantile(buckets, 0.5),
        "p99_ms": _quantile(buckets, 0.99),
    }


def _quantile(buckets: dict[float, float], q: float) -> float | None:
    """The upper bound (ms) of the histogram bucket holding quantile `q` (None when empty)."""
    ordered = sorted(buckets.items())
    if not ordered or ordered[-1][1] == 0:
        return None
    rank = q * ordered[-1][1]
    for bound, cumulative in ordered:
        if cumulative >= rank:
            return None if math.isinf(bound) else round(bound * 1000, 3)
    return None
