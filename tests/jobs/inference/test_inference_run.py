"""Inference pipelines are ordinary pipelines: real workers run them through Redis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobs.inference.bundle import load_bundle, write_bundle
from jobs.inference.convert import BATCH_PARAMETER, gather_facts, inference_pipeline
from storage.artifacts import ArtifactStore, json_safe
from tests.jobs.inference.conftest import example


def outputs_of(client, run_id: str) -> tuple[dict, dict[str, dict[str, str]]]:
    detail = client.run(run_id)
    return detail.run.spec, {s.node_id: dict(s.outputs) for s in detail.steps}


def test_tutorial_inference_pipelines_run_on_workers(stack, client) -> None:
    store = ArtifactStore(stack.home / "artifacts")
    training = client.wait(
        client.submit(example("automobile_price", trees=None), experiment="inference-e2e").id
    ).run
    assert training.status == "completed", training.error
    spec, outputs = outputs_of(client, training.id)
    version = client.dataset_versions("automobile-price")[-1]
    facts = gather_facts(spec, outputs, {"cars": version.uri}, store)

    realtime = inference_pipeline(spec, facts, kind="realtime", run_id=training.id)
    assert client.validate(realtime).issues == []
    run = client.wait(client.submit(realtime, experiment="inference-e2e").id).run
    assert run.status == "completed", run.error
    inference_spec, inference_outputs = outputs_of(client, run.id)
    bundle = load_bundle(
        write_bundle(
            store, inference_spec, inference_outputs, lineage={"training_run": training.id}
        ).path
    )
    scored = store.get_table(outputs["score"]["scored_dataset"])
    rows = [
        {k: json_safe(v) for k, v in r.items() if k not in ("Price", "Scored Labels")}
        for r in scored.to_dict(orient="records")
    ]
    np.testing.assert_allclose(
        [r["Scored Labels"] for r in bundle.score(rows)], scored["Scored Labels"], rtol=1e-12
    )

    batch = inference_pipeline(spec, facts, kind="batch", run_id=training.id)
    run = client.wait(
        client.submit(
            batch, experiment="inference-e2e", parameters={BATCH_PARAMETER: "automobile-price"}
        ).id
    ).run
    assert run.status == "completed", run.error
    _, batch_outputs = outputs_of(client, run.id)
    everything = store.get_table(batch_outputs["score"]["scored_dataset"])
    keys = [c for c in scored.columns if c not in ("Scored Labels",)]
    merged = scored.merge(everything, on=keys, suffixes=("", "_batch"))
    assert len(merged) == len(scored) and isinstance(merged, pd.DataFrame)
    np.testing.assert_allclose(merged["Scored Labels_batch"], merged["Scored Labels"], rtol=1e-12)
