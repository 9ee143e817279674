"""Turn a finished training run into a real-time or batch inference pipeline (a draft spec).

Rule-based, like the designer's conversion, and pure over the run's spec and a few facts read
from its artifacts (`gather_facts`):

- the chosen Score Model (or Assign Data to Clusters) stays; its trained model becomes a
  frozen node (`frozen_model`, the designer's MD- node) that loads the run's stored model;
- a step that fitted a transformation on training data (Clean Missing Data, Normalize Data,
  Group Data into Bins, ...) becomes its frozen transformation (`frozen_transformation`, a TD-
  node) replayed by Apply Transformation, so requests are cleaned exactly as training data was;
- training-only steps that only pass rows along (Split Data, SMOTE, Partition and Sample,
  Filter Based Feature Selection) are bridged; everything else that is not on the way from a
  dataset to the scored output (Train Model, learners, Evaluate Model, Cross Validate Model,
  Tune Model Hyperparameters, Permutation Feature Importance, ...) is left out;
- real-time: each dataset on the way gets a Web Service Input whose columns leave out the
  model's label, and a Web Service Output (optionally trimmed) follows the scorer;
- batch: the dataset's name becomes the string pipeline parameter `input_dataset`.

The label is also taken out of column selections by name in the steps kept, and a frozen
transformation fitted with the label gets a real training value to stand in for it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import components
from components.errors import UnknownComponentError
from components.spec import ComponentSpec, ParamType, PortKind
from jobs.graph import PipelineGraph
from jobs.inference.errors import ConversionError
from jobs.pipeline import DATASET_PORT, PipelineSpec, param_ref

REALTIME, BATCH = "realtime", "batch"
# Steps that score rows with a trained model: the end of an inference pipeline.
SCORERS = ("score_model", "assign_data_to_clusters")
# Training-only steps that pass (some of) their input rows along: bridged from input to output.
PASS_THROUGH = ("split_data", "smote", "partition_and_sample", "filter_based_feature_selection")
# Steps that only make sense while training: an inference path may not run through them.
TRAINING_ONLY = (
    "train_model",
    "tune_model_hyperparameters",
    "train_clustering_model",
    "train_anomaly_detection_model",
    "evaluate_model",
    "cross_validate_model",
    "permutation_feature_importance",
    "train_svd_recommender",
    "evaluate_recommender",
)
BATCH_PARAMETER = "input_dataset"


@dataclass(frozen=True)
class RunFacts:
    """What the conversion needs to know about a finished training run besides its spec.

    Attributes:
        outputs: node id -> output port -> artifact URI, for every completed step.
        dataset_columns: dataset node id -> its table's column names.
        model_labels: "node.port" of each trained model output -> the label it predicts ("" for
            clustering).
        first_values: dataset node id -> column -> its first non-missing value (JSON-safe),
            the stand-in for a label that requests lack.
    """

    outputs: dict[str, dict[str, str]]
    dataset_columns: dict[str, list[str]] = field(default_factory=dict)
    model_labels: dict[str, str] = field(default_factory=dict)
    first_values: dict[str, dict[str, Any]] = field(default_factory=dict)


def gather_facts(
    run_spec: dict[str, Any],
    outputs: dict[str, dict[str, str]],
    dataset_uris: dict[str, str],
    store: Any,
) -> RunFacts:
    """Read the facts `inference_pipeline` needs from a run's artifacts.

    Args:
        run_spec: the run's pinned spec.
        outputs: node id -> port -> URI of the run's completed steps.
        dataset_uris: dataset node id -> the URI of the table of the version the run used.
        store: the `storage.ArtifactStore` holding them.
    """
    spec = PipelineSpec.from_dict(run_spec)
    columns: dict[str, list[str]] = {}
    first: dict[str, dict[str, Any]] = {}
    for node_id, uri in dataset_uris.items():
        preview = store.preview(uri, limit=200)
        columns[node_id] = [c["name"] for c in preview["columns"]]
        first[node_id] = {}
        for row in preview["rows"]:
            for name, value in row.items():
                if name not in first[node_id] and value is not None:
                    first[node_id][name] = value
    labels: dict[str, str] = {}
    for node in spec.nodes:
        if node.is_dataset or node.id not in outputs:
            continue
        component_spec = _spec_of(node.component, node.version, node.id)
        for port in component_spec.outputs:
            if port.kind is PortKind.TRAINED_MODEL and port.name in outputs[node.id]:
                model = store.get_object(outputs[node.id][port.name])
                labels[f"{node.id}.{port.name}"] = str(getattr(model, "label_column", "") or "")
    return RunFacts(
        outputs=outputs, dataset_columns=columns, model_labels=labels, first_values=first
    )


def scorer_nodes(run_spec: dict[str, Any]) -> list[str]:
    """The nodes that can end an inference pipeline (Score Model, Assign Data to Clusters)."""
    spec = PipelineSpec.from_dict(run_spec)
    return [
        n
        for n in spec.graph.order()
        if (node := spec.node(n)) is not None and not node.is_dataset and node.component in SCORERS
    ]


def inference_pipeline(
    run_spec: dict[str, Any],
    facts: RunFacts,
    *,
    kind: str = REALTIME,
    run_id: str = "",
    score_node: str | None = None,
    output_columns: list[str] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The draft spec of an inference pipeline made from a finished training run.

    Args:
        run_spec: the training run's spec.
        facts: from `gather_facts`.
        kind: "realtime" or "batch".
        run_id: the training run, named in the frozen nodes' "source".
        score_node: the scorer to keep; by default the one Evaluate Model reads first (the
            first scorer otherwise).
        output_columns: real-time only: the columns the answer keeps (say ["Scored Labels"]);
            all by default.
        name: the draft's name; by default the run's name with "real-time/batch inference".

    Raises:
        ConversionError: the run has no scorer, a step the scorer needs did not complete, or the
            scored data goes through a training step.
    """
    if kind not in (REALTIME, BATCH):
        raise ConversionError(f"kind must be {REALTIME!r} or {BATCH!r}; got {kind!r}.")
    spec = PipelineSpec.from_dict(run_spec)
    return _Converter(spec, facts, kind, run_id).convert(score_node, output_columns, name)


class _Converter:
    def __init__(self, spec: PipelineSpec, facts: RunFacts, kind: str, run_id: str) -> None:
        self.spec, self.facts, self.kind, self.run_id = spec, facts, kind, run_id
        self.feeds = {
            (e.target_node, e.target_port): (e.source_node, e.source_port) for e in spec.edges
        }
        self.specs = {
            n.id: _spec_of(n.component, n.version, n.id) for n in spec.nodes if not n.is_dataset
        }
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[dict[str, str]] = []
        self.memo: dict[tuple[str, str], tuple[str, str]] = {}
        self.label = ""
        self.inputs = 0

    # -- the walk -------------------------------------------------------------------------

    def convert(
        self, score_node: str | None, output_columns: list[str] | None, name: str | None
    ) -> dict[str, Any]:
        scorer = self._choose_scorer(score_node)
        model_source = self.feeds.get((scorer, "trained_model"))
        if model_source is None:
            raise ConversionError(f"Score step {scorer!r} has no trained model connected.")
        self.label = self.facts.model_labels.get(".".join(model_source), "")
        scorer_spec = self.specs[scorer]
        self._keep(scorer)
        scored_port = next(p.name for p in scorer_spec.outputs if p.kind is PortKind.DATASET)
        last = (scorer, scored_port)
        if self.kind == REALTIME:
            selection: dict[str, Any] = {"begin": "all", "rules": []}
            if output_columns:
                selection = {
                    "begin": "none",
                    "rules": [{"action": "include", "by": "names", "values": list(output_columns)}],
                }
            self._add(
                {
                    "id": "web_service_output",
                    "component": "web_service_output",
                    "version": 1,
                    "params": {"name": "WebServiceOutput0", "columns": selection},
                    "comment": 'Where the answer leaves: {"Results": {name: rows}}',
                },
                near=scorer,
                dy=100,
            )
            self._edge(last, ("web_service_output", "dataset"))
        kind_text = "real-time" if self.kind == REALTIME else "batch"
        used = {
            ref
            for node in self.nodes.values()
            for v in node.get("params", {}).values()
            if (ref := param_ref(v)) is not None
        }
        parameters = [p.to_dict() for p in self.spec.parameters if p.name in used]
        if self.kind == BATCH:
            default = next(
                (
                    n["dataset"]
                    for n in self.nodes.values()
                    if n.get("dataset_param") == BATCH_PARAMETER
                ),
                "",
            )
            parameters.append({"name": BATCH_PARAMETER, "type": "string", "default": default})
        return {
            "schema_version": self.spec.schema_version,
            "name": name or f"{self.spec.name} ({kind_text} inference)",
            "description": f"{kind_text.capitalize()} inference pipeline made from training run "
            f"{self.run_id or '(unknown)'}, scoring with step {scorer!r}.",
            "parameters": parameters,
            "settings": {"default_compute": self.spec.default_compute},
            "nodes": self._ordered_nodes(),
            "edges": self.edges,
        }

    def _ordered_nodes(self) -> list[dict[str, Any]]:
        """Nodes in data-flow order, so the document reads top to bottom."""
        graph = PipelineGraph.of_document({"nodes": list(self.nodes.values()), "edges": self.edges})
        return [self.nodes[node_id] for node_id in graph.order()]

    def _choose_scorer(self, wanted: str | None) -> str:
        candidates = [
            n for n in self.spec.graph.order() if n in self.specs and self.specs[n].id in SCORERS
        ]
        if wanted is not None:
            if wanted not in candidates:
                raise ConversionError(
                    f"{wanted!r} is not a Score Model step of this run; "
                    f"scoring steps: {candidates or 'none'}."
                )
            return wanted
        if not candidates:
            raise ConversionError(
                "The run has no Score Model step: an inference pipeline "
                "scores new rows with a trained model, so add Score Model "
                "after Train Model and run it."
            )
        for node_id in self.spec.graph.order():
            if self.specs.get(node_id) and self.specs[node_id].id == "evaluate_model":
                source = self.feeds.get((node_id, "scored_dataset"))
                if source and source[0] in candidates:
                    return source[0]
        return candidates[0]

    def _data(self, node_id: str, port: str) -> tuple[str, str]:
        """Where the inference pipeline gets what `node_id.port` gave in training."""
        if (node_id, port) in self.memo:
            return self.memo[(node_id, port)]
        node = self.spec.get_node(node_id)
        if node.is_dataset:
            found = self._dataset(node_id)
        else:
            component_spec = self.specs[node_id]
            data_in = next(
                (
                    p.name
                    for p in component_spec.inputs
                    if p.kind is PortKind.DATASET and (node_id, p.name) in self.feeds
                ),
                None,
            )
            fitted = [p.name for p in component_spec.outputs if p.kind is PortKind.TRANSFORMATION]
            if component_spec.id in PASS_THROUGH or self._selects_only_label(node_id):
                found = self._data(*self._source(node_id, data_in))
            elif component_spec.id in TRAINING_ONLY:
                raise ConversionError(
                    f"The scored rows come through {component_spec.name} ({node_id!r}), a "
                    "training step; connect Score Model to the data, not to a training output."
                )
            elif (
                fitted
                and _output_kind(component_spec, port) is PortKind.DATASET
                and data_in is not None
            ):
                frozen = self._freeze(node_id, fitted[0])
                apply_id = f"apply-{node_id}"
                self._add(
                    {
                        "id": apply_id,
                        "component": "apply_transformation",
                        "version": 1,
                        "params": {},
                        "comment": f"Replays {component_spec.name} as fitted in training",
                    },
                    near=node_id,
                )
                self._edge(frozen, (apply_id, "transformation"))
                self._edge(self._data(*self._source(node_id, data_in)), (apply_id, "dataset"))
                found = (apply_id, "transformed_dataset")
            else:
                self._keep(node_id)
                found = (node_id, port)
        self.memo[(node_id, port)] = found
        return found

    def _keep(self, node_id: str) -> None:
        node = self.spec.get_node(node_id)
        component_spec = self.specs[node_id]
        data = node.to_dict()
        data["params"] = {
            k: self._without_label(component_spec, k, v) for k, v in node.params.items()
        }
        data["regenerate"] = False
        self._add(data)
        for port in component_spec.inputs:
            source = self.feeds.get((node_id, port.name))
            if source is None:
                continue
            if port.kind is PortKind.DATASET:
                self._edge(self._data(*source), (node_id, port.name))
            elif port.kind in (PortKind.TRAINED_MODEL, PortKind.TRANSFORMATION):
                self._edge(self._freeze(*source), (node_id, port.name))
            else:
                raise ConversionError(
                    f"{component_spec.name} ({node_id!r}) takes an untrained model; it cannot "
                    "be part of an inference pipeline."
                )

    def _dataset(self, node_id: str) -> tuple[str, str]:
        node = self.spec.get_node(node_id)
        data = node.to_dict()
        if self.kind == BATCH:
            data["dataset_version"] = None
            if not any(n.get("dataset_param") for n in self.nodes.values()):
                data["dataset_param"] = BATCH_PARAMETER
                data["comment"] = (
                    f"Scores the dataset named by pipeline parameter '{BATCH_PARAMETER}'"
                )
            self._add(data)
            return node_id, DATASET_PORT
        self._add(data)
        input_id = "web_service_input" if self.inputs == 0 else f"web_service_input{self.inputs}"
        columns = self.facts.dataset_columns.get(node_id, [])
        selection: dict[str, Any] = {"begin": "all", "rules": []}
        if self.label and self.label in columns:
            selection["rules"] = [{"action": "exclude", "by": "names", "values": [self.label]}]
        self._add(
            {
                "id": input_id,
                "component": "web_service_input",
                "version": 1,
                "params": {"name": f"WebServiceInput{self.inputs}", "columns": selection},
                "comment": "Where request rows enter (the dataset gives schema and sample)",
            },
            near=node_id,
            dy=60,
        )
        self.inputs += 1
        self._edge((node_id, DATASET_PORT), (input_id, "dataset"))
        return input_id, "dataset_out"

    def _freeze(self, node_id: str, port: str) -> tuple[str, str]:
        if (node_id, port) in self.memo:
            return self.memo[(node_id, port)]
        component_spec = self.specs.get(node_id)
        uri = self.facts.outputs.get(node_id, {}).get(port)
        if component_spec is None or uri is None:
            raise ConversionError(
                f"Step {node_id!r} has no stored output {port!r}: the "
                "training run must complete before it can be converted."
            )
        kind = _output_kind(component_spec, port)
        single = sum(p.kind is kind for p in component_spec.outputs) == 1
        prefix = "MD" if kind is PortKind.TRAINED_MODEL else "TD"
        frozen_id = f"{prefix}-{node_id}" if single else f"{prefix}-{node_id}-{port}"
        source = f"run {self.run_id}, step {node_id} ({component_spec.name}), output {port}"
        if kind is PortKind.TRAINED_MODEL:
            data = {
                "id": frozen_id,
                "component": "frozen_model",
                "version": 1,
                "params": {"artifact": uri, "source": source},
            }
            out = (frozen_id, "trained_model")
        elif kind is PortKind.TRANSFORMATION:
            params = {"artifact": uri, "source": source}
            stand_in = self._label_value()
            if self.label and stand_in is not _MISSING:
                params.update(absent_column=self.label, absent_value=json.dumps(stand_in))
            data = {
                "id": frozen_id,
                "component": "frozen_transformation",
                "version": 1,
                "params": params,
            }
            out = (frozen_id, "transformation")
        else:
            raise ConversionError(
                f"Step {node_id!r} output {port!r} is a {kind.value}; only "
                "trained models and transformations can be frozen."
            )
        data["comment"] = f"Frozen from {source}"
        self._add(data, near=node_id, dx=-160)
        self.memo[(node_id, port)] = out
        return out

    # -- the label ------------------------------------------------------------------------

    def _label_value(self) -> Any:
        for node_id, columns in self.facts.dataset_columns.items():
            if self.label in columns:
                value = self.facts.first_values.get(node_id, {}).get(self.label, _MISSING)
                if value is not _MISSING and not (
                    isinstance(value, float) and not math.isfinite(value)
                ):
                    return value
        return _MISSING

    def _without_label(self, component_spec: ComponentSpec, name: str, value: Any) -> Any:
        """A column selection with the label taken out of its by-name parts."""
        param = component_spec.param(name)
        if (
            not self.label
            or param is None
            or param.type is not ParamType.COLUMNS
            or not isinstance(value, dict)
        ):
            return value
        out = dict(value)
        if isinstance(out.get("names"), list):
            out["names"] = [n for n in out["names"] if n != self.label]
        if isinstance(out.get("rules"), list):
            rules = []
            for rule in out["rules"]:
                if (
                    isinstance(rule, dict)
                    and rule.get("by") == "names"
                    and isinstance(rule.get("values"), list)
                ):
                    rule = {**rule, "values": [v for v in rule["values"] if v != self.label]}
                    if not rule["values"]:
                        continue
                rules.append(rule)
            out["rules"] = rules
        return out

    def _selects_only_label(self, node_id: str) -> bool:
        """A one-in, one-out step whose column selections pick only the label (say Edit
        Metadata turning the label into a Boolean): it has nothing to do at scoring time."""
        if not self.label:
            return False
        component_spec = self.specs[node_id]
        if len(component_spec.inputs) != 1 or len(component_spec.outputs) != 1:
            return False
        selections = [
            v
            for k, v in self.spec.get_node(node_id).params.items()
            if (p := component_spec.param(k)) is not None
            and p.type is ParamType.COLUMNS
            and isinstance(v, dict)
        ]
        if not selections:
            return False
        for selection in selections:
            names = selection.get("names")
            rules = selection.get("rules", [])
            only_label = (names == [self.label]) or (
                selection.get("begin") == "none"
                and rules
                and all(
                    r.get("action") == "include"
                    and r.get("by") == "names"
                    and r.get("values") == [self.label]
                    for r in rules
                )
            )
            if not only_label:
                return False
        return True

    # -- building the document ------------------------------------------------------------

    def _source(self, node_id: str, port: str | None) -> tuple[str, str]:
        source = self.feeds.get((node_id, port)) if port else None
        if source is None:
            raise ConversionError(f"Step {node_id!r} has no data input connected.")
        return source

    def _add(
        self, data: dict[str, Any], *, near: str | None = None, dx: float = 0, dy: float = 0
    ) -> None:
        if data["id"] in self.nodes:
            return
        if near is not None:
            anchor = self.spec.node(near)
            x, y = anchor.position if anchor and anchor.position else (0.0, 0.0)
            data["position"] = [x + dx + (40 if not dx and not dy else 0), y + dy]
        self.nodes[data["id"]] = data

    def _edge(self, source: tuple[str, str], target: tuple[str, str]) -> None:
        edge = {"source": ".".join(source), "target": ".".join(target)}
        if edge not in self.edges:
            self.edges.append(edge)


_MISSING = object()


def _spec_of(component: str | None, version: int | None, node_id: str) -> ComponentSpec:
    try:
        return components.get(component or "", version).spec
    except UnknownComponentError as exc:
        raise ConversionError(f"Node {node_id!r}: {exc}") from exc


__all__ = ["BATCH", "REALTIME", "RunFacts", "gather_facts", "inference_pipeline", "scorer_nodes"]


def _output_kind(component_spec: ComponentSpec, port: str) -> PortKind:
    """The kind of an output port that the training run recorded (so the spec has it)."""
    found = component_spec.output(port)
    if found is None:
        raise ConversionError(f"{component_spec.name} has no output {port!r}.")
    return found.kind
