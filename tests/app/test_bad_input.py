"""Bad input over HTTP gets a 4xx that names the problem (these used to be 500s)."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.client import ClientError

SPEC = {
    "schema_version": 1,
    "name": "tiny",
    "parameters": [],
    "settings": {},
    "nodes": [{"id": "iris", "dataset": "iris", "dataset_version": None}],
    "edges": [],
}


def call(stack, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(
        method,
        f"{stack.api_url}{path}",
        timeout=60,
        headers={"Authorization": f"Bearer {stack.token}"},
        **kwargs,
    )


def test_a_csv_with_a_50_mib_cell_is_a_400(client):
    data = b"a,b\n1," + b"x" * (50 * 2**20) + b"\n"
    with pytest.raises(ClientError) as refused:
        client.upload_dataset("huge-cell", "huge.csv", data)
    assert refused.value.status == 400
    assert "longer than 131,072 characters" in refused.value.detail


def test_a_parquet_time64_ns_column_is_a_400(client):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"at": pa.array([1, 2], pa.time64("ns"))}), buffer)
    with pytest.raises(ClientError) as refused:
        client.upload_dataset("times", "times.parquet", buffer.getvalue())
    assert refused.value.status == 400
    assert "'at'" in refused.value.detail and "time64[ns]" in refused.value.detail


def test_an_unknown_run_source_is_a_422(stack):
    response = call(
        stack, "POST", "/runs", json={"spec": SPEC, "experiment": "x", "source": "evil"}
    )
    assert response.status_code == 422
    assert "source" in response.text


@pytest.mark.parametrize("path", ["/runs", "/run-summaries"])
def test_a_huge_offset_is_a_422(stack, path):
    response = call(stack, "GET", path, params={"offset": 10**20})
    assert response.status_code == 422
    assert "offset" in response.text
    assert call(stack, "GET", path, params={"offset": 10**6}).status_code == 200


def test_the_profile_of_10000_columns_is_bounded_and_says_so(client):
    frame = pd.DataFrame(
        np.arange(5 * 10_000).reshape(5, 10_000), columns=[f"c{i}" for i in range(10_000)]
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    version = client.upload_dataset("wide", "wide.parquet", buffer.getvalue())
    profile = client.dataset_profile("wide", version.version)
    assert profile["column_count"] == 10_000
    assert profile["profiled_columns"] == 200
    assert len(profile["summary"]) == 200 and len(profile["charts"]) == 200
    assert "first 200 of 10,000 columns" in profile["note"]


def test_run_summaries_show_the_metrics_kept_on_completed_runs(client):
    """A completed run's first metrics come back in /run-summaries (read in one query)."""
    import json

    from tests.conftest import ROOT

    spec = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    detail = client.wait(
        client.submit(spec, experiment="summaries", force_rerun=True).id, timeout=120
    )
    assert detail.run.status.value == "completed", detail.run.error
    listed = client._request("GET", "/run-summaries", params={"experiment": "summaries"}).json()[
        "runs"
    ]
    expected = {}
    for step in detail.steps:
        for key, value in step.metrics.items():
            if len(expected) < 4:
                expected.setdefault(key, value)
    assert listed[0]["id"] == detail.run.id
    assert listed[0]["metrics"] == expected and len(expected) == 4
