// The pipeline canvas. Python sends the pipeline (nodes with typed ports, edges, states) and a
// revision; the canvas reports what the user did as one event at a time ({seq, type, ...}) and
// Python applies it to the draft and sends the next revision.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background, Controls, MarkerType, MiniMap, Panel, ReactFlow, useConnection, useEdgesState,
  useNodesState, useReactFlow,
} from "@xyflow/react";
import PipelineNode from "./PipelineNode.jsx";
import Palette, { DRAG_TYPE } from "./Palette.jsx";
import { bestLayout, directionOf, freeSpot, overlaps } from "./layout.js";
import { setValue } from "./streamlit.js";
import { KIND_COLOURS, KIND_NAMES, STATUS } from "./theme.js";

const NODE_TYPES = { pipeline: PipelineNode };
// Props handed to React Flow as constants: a new object on every render makes React Flow update
// its store, which re-renders what listens to it, in a loop while a wire is being drawn.
const PRO_OPTIONS = { hideAttribution: true };
const EDGE_OPTIONS = { type: "default" };
const LINE_STYLE = { strokeWidth: 2, stroke: "#475569" };
const DELETE_KEYS = ["Delete", "Backspace"];
const MULTI_KEYS = ["Shift", "Meta", "Control"];
const FIT = { padding: 0.16, maxZoom: 1.05 };
let counter = 0;

// What the benchmark and browser tests read: when each event left, when each revision arrived.
window.__flowbench = window.__flowbench || { emitted: [], revisions: [] };

function emit(type, payload = {}) {
  counter += 1;
  const seq = `${Date.now()}-${counter}`;
  window.__flowbench.emitted.push({ seq, type, t: performance.now() });
  setValue({ seq, type, ...payload });
}

const split = (endpoint) => {
  const at = endpoint.indexOf(".");
  return [endpoint.slice(0, at), endpoint.slice(at + 1)];
};

function toFlowEdge(edge, index, running) {
  const [source, sourceHandle] = split(edge.source);
  const [target, targetHandle] = split(edge.target);
  const node = index[source];
  const kind = node?.outputs[sourceHandle]?.kind;
  const colour = KIND_COLOURS[kind] || "#64748b";
  return {
    id: `${edge.source}->${edge.target}`, source, sourceHandle, target, targetHandle,
    type: "default", animated: running.has(target),
    style: { stroke: colour, strokeWidth: 2 },
    markerEnd: { type: MarkerType.ArrowClosed, color: colour, width: 16, height: 16 },
  };
}

function describeRefusal(index, edges, c) {
  const s = index[c.source];
  const t = index[c.target];
  if (!s || !t) return "Connect an output (right side) to an input (left side).";
  if (c.source === c.target) return `${s.title} cannot feed itself.`;
  const out = s.outputs[c.sourceHandle];
  const inp = t.inputs[c.targetHandle];
  if (!out || !inp) return "Connect an output (right side of a node) to an input (left side).";
  if (out.kind !== inp.kind) {
    return `${s.title} · ${out.label} gives a ${KIND_NAMES[out.kind]}, but ${t.title} · ` +
      `${inp.label} takes a ${KIND_NAMES[inp.kind]}.`;
  }
  // A wire from a node downstream of the target would close a cycle.
  const children = {};
  for (const e of edges) (children[e.source] ||= []).push(e.target);
  const todo = [c.target];
  const seen = new Set();
  while (todo.length) {
    const id = todo.pop();
    if (id === c.source) return `That wire would make a cycle: ${t.title} already feeds ${s.title}.`;
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(children[id] || []));
  }
  return null;
}

function normalise(fromHandle, toHandle) {
  // A drag may start at an input; the wire still runs output -> input.
  if (fromHandle.type === "source") {
    return { source: fromHandle.nodeId, sourceHandle: fromHandle.id, target: toHandle.nodeId,
      targetHandle: toHandle.id };
  }
  return { source: toHandle.nodeId, sourceHandle: toHandle.id, target: fromHandle.nodeId,
    targetHandle: fromHandle.id };
}

// Why a wire is refused: live while it hovers a wrong port, then for a few seconds after.
// Its own component, so that only it re-renders as the wire moves.
function Notice({ index, edges, notice }) {
  const connection = useConnection();
  let shown = notice;
  if (connection.inProgress && connection.toHandle && connection.isValid === false) {
    const live = describeRefusal(index, edges, normalise(connection.fromHandle, connection.toHandle));
    if (live) shown = { kind: "error", text: `Refused: ${live}` };
  }
  if (!shown) return null;
  return (
    <Panel position="bottom-center">
      <div className={`fb-notice fb-notice-${shown.kind}`} data-testid="canvas-notice">{shown.text}</div>
    </Panel>
  );
}

function Legend({ mode }) {
  if (mode === "view") {
    return (
      <div className="fb-legend">
        {Object.entries(STATUS).map(([name, s]) => (
          <span key={name}><i style={{ background: s.colour }} />{s.label}</span>
        ))}
      </div>
    );
  }
  return (
    <div className="fb-legend">
      {Object.entries(KIND_COLOURS).map(([kind, colour]) => (
        <span key={kind}><i style={{ background: colour, borderRadius: "50%" }} />{KIND_NAMES[kind]}</span>
      ))}
    </div>
  );
}

export default function Canvas({ args }) {
  const mode = args.mode || "edit";
  const editable = mode === "edit";
  const specNodes = args.nodes || [];
  const specEdges = args.edges || [];
  const rf = useReactFlow();
  window.__flowbench.flow = rf; // for tests: the flow's nodes as React Flow holds them
  const [nodes, setNodes, onNodesChange] = useNodesState([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState([]);
  const [notice, setNotice] = useState(null);
  const seen = useRef({ revision: undefined, fit: undefined, first: true });
  const wrapper = useRef(null);
  const frameSize = () => {
    const box = wrapper.current?.getBoundingClientRect();
    return box && box.width ? [box.width, box.height] : [900, args.height || 620];
  };

  const index = useMemo(() => {
    const found = {};
    for (const n of specNodes) {
      found[n.id] = {
        title: n.title,
        inputs: Object.fromEntries((n.inputs || []).map((p) => [p.name, p])),
        outputs: Object.fromEntries((n.outputs || []).map((p) => [p.name, p])),
      };
    }
    return found;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [args.revision]);

  // A new revision from Python: draw it (positions from the draft, else laid out).
  useEffect(() => {
    if (args.revision === seen.current.revision) return;
    const first = seen.current.first;
    seen.current.revision = args.revision;
    seen.current.first = false;
    window.__flowbench.revisions.push({ revision: args.revision, t: performance.now() });
    const missing = specNodes.filter((n) => !n.position);
    const placed = specNodes.filter((n) => n.position);
    let positions = {};
    let laidOut = false;
    // The direction stays as it was drawn; only a layout changes it.
    if (!seen.current.direction && placed.length) {
      seen.current.direction = directionOf(specNodes, specEdges);
    }
    let direction = seen.current.direction || "LR";
    if (specNodes.length && (missing.length === specNodes.length ||
        (first && overlaps(placed, direction)) || (mode === "view" && missing.length))) {
      const best = bestLayout(specNodes, specEdges, ...frameSize());
      positions = best.positions;
      direction = best.direction;
      seen.current.direction = direction;
      laidOut = true;
    } else {
      const right = Math.max(0, ...placed.map((n) => n.position[0] + 300));
      const taken = placed.map((n) => ({ x: n.position[0], y: n.position[1] }));
      for (const n of specNodes) {
        if (n.position) positions[n.id] = { x: n.position[0], y: n.position[1] };
        else {
          positions[n.id] = freeSpot(right, 0, taken);
          taken.push(positions[n.id]);
        }
      }
    }
    const pythonChose = args.selected !== seen.current.selected;
    seen.current.selected = args.selected;
    setNodes((current) => {
      // Python's selection when it changed (a click, a new node); else what the user selected.
      const wasSelected = new Set(current.filter((n) => n.selected).map((n) => n.id));
      const before = Object.fromEntries(current.map((n) => [n.id, n]));
      return specNodes.map((n) => ({
        // Keep React Flow's measured size: a node handed over without it loses its handles'
        // bounds until it resizes, and then no wire can start from it.
        ...(before[n.id]?.measured ? { measured: before[n.id].measured } : {}),
        id: n.id, type: "pipeline", position: positions[n.id], data: { ...n, direction },
        selected: pythonChose ? n.id === args.selected : wasSelected.has(n.id),
        draggable: editable,
        connectable: editable,
        deletable: editable,
      }));
    });
    const running = new Set(specNodes.filter((n) => n.state === "running").map((n) => n.id));
    setEdges(specEdges.map((e) => toFlowEdge(e, index, running)));
    if (laidOut && editable) {
      emit("move", {
        positions: Object.fromEntries(Object.entries(positions).map(([id, p]) => [id, [p.x, p.y]])),
        layout: true,
      });
    }
  }, [args.revision]); // eslint-disable-line react-hooks/exhaustive-deps

  // Python asks for a refit (after undo, a layout, opening a draft).
  // Remembered across reloads of the frame (Streamlit may mount it afresh), so that a fit
  // asked for once happens once.
  // A draft opened empty is not refitted when its first node arrives (the view stays put
  // while the user places nodes).
  const hasNodes = specNodes.length > 0;
  useEffect(() => {
    const storeKey = `flowbench-fit-${mode}`;
    const token = String(args.fit);
    if (window.sessionStorage.getItem(storeKey) === token) return;
    window.sessionStorage.setItem(storeKey, token);
    if (hasNodes) setTimeout(() => rf.fitView(FIT), 80);
  }, [args.fit]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!notice) return undefined;
    const timer = setTimeout(() => setNotice(null), 6000);
    return () => clearTimeout(timer);
  }, [notice]);

  const isValidConnection = useCallback(
    (c) => describeRefusal(index, edges, c) === null, [index, edges]);

  const onConnect = useCallback((c) => {
    const source = `${c.source}.${c.sourceHandle}`;
    const target = `${c.target}.${c.targetHandle}`;
    // Shown at once; an input has one feed, so a new wire replaces the old one.
    setEdges((current) => [
      ...current.filter((e) => !(e.target === c.target && e.targetHandle === c.targetHandle)),
      toFlowEdge({ source, target }, index, new Set()),
    ]);
    setNotice(null);
    emit("connect", { source, target });
  }, [index, setEdges]);

  const onConnectEnd = useCallback((_event, state) => {
    if (state.isValid === false && state.toHandle && state.fromHandle) {
      const reason = describeRefusal(index, edges, normalise(state.fromHandle, state.toHandle));
      if (reason) setNotice({ kind: "error", text: `Wire refused: ${reason}` });
    }
  }, [index, edges]);

  const onNodeDragStop = useCallback((_event, _node, dragged) => {
    emit("move", {
      positions: Object.fromEntries(dragged.map((n) => [n.id,
        [Math.round(n.position.x), Math.round(n.position.y)]])),
    });
  }, []);

  const onDelete = useCallback(({ nodes: gone, edges: cut }) => {
    if (!gone.length && !cut.length) return;
    const goneIds = new Set(gone.map((n) => n.id));
    emit("delete", {
      nodes: [...goneIds],
      edges: cut.filter((e) => !goneIds.has(e.source) && !goneIds.has(e.target))
        .map((e) => ({ source: `${e.source}.${e.sourceHandle}`, target: `${e.target}.${e.targetHandle}` })),
    });
  }, []);

  const onNodeClick = useCallback((event, node) => {
    if (event.shiftKey || event.metaKey || event.ctrlKey) return; // adding to a multi-selection
    emit("select", { node: node.id });
  }, []);

  const placeAt = useCallback((add, point) => {
    let spot = point;
    if (!spot) {
      const box = wrapper.current.getBoundingClientRect();
      const centre = rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 });
      spot = freeSpot(Math.round(centre.x - 102), Math.round(centre.y),
        rf.getNodes().map((n) => n.position));
    }
    emit("add", { ...add, position: [Math.round(spot.x), Math.round(spot.y)] });
  }, [rf]);

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    if (!raw) return;
    const point = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    placeAt(JSON.parse(raw), { x: point.x - 102, y: point.y - 24 });
  }, [rf, placeAt]);

  const onDragOver = useCallback((event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
  }, []);

  const autoLayout = useCallback(() => {
    const { positions, direction } = bestLayout(specNodes, specEdges, ...frameSize());
    seen.current.direction = direction;
    setNodes((current) => current.map((n) => ({
      ...n, position: positions[n.id] || n.position, data: { ...n.data, direction } })));
    if (editable) {
      emit("move", {
        positions: Object.fromEntries(Object.entries(positions).map(([id, p]) => [id, [p.x, p.y]])),
        layout: true,
      });
    }
    setTimeout(() => rf.fitView(FIT), 60);
  }, [specNodes, specEdges, setNodes, editable, rf]); // eslint-disable-line react-hooks/exhaustive-deps

  const deleteSelected = useCallback(() => {
    rf.deleteElements({
      nodes: rf.getNodes().filter((n) => n.selected),
      edges: rf.getEdges().filter((e) => e.selected),
    });
  }, [rf]);

  const selectedCount = nodes.filter((n) => n.selected).length + edges.filter((e) => e.selected).length;

  return (
    <div className={`fb-root fb-mode-${mode}`} style={{ height: args.height || 620 }}>
      {editable && args.palette ? (
        <Palette groups={args.palette} onAdd={placeAt} onGuide={() => emit("guide")} />
      ) : null}
      <div className="fb-flow" ref={wrapper} onDrop={editable ? onDrop : undefined}
        onDragOver={editable ? onDragOver : undefined}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={editable ? onConnect : undefined}
          onConnectEnd={editable ? onConnectEnd : undefined}
          isValidConnection={isValidConnection}
          onNodeDragStop={editable ? onNodeDragStop : undefined}
          onDelete={editable ? onDelete : undefined}
          onNodeClick={onNodeClick}
          nodesDraggable={editable}
          nodesConnectable={editable}
          elementsSelectable
          deleteKeyCode={editable ? DELETE_KEYS : null}
          multiSelectionKeyCode={MULTI_KEYS}
          selectionKeyCode="Shift"
          connectionRadius={28}
          minZoom={0.15}
          maxZoom={2}
          proOptions={PRO_OPTIONS}
          defaultEdgeOptions={EDGE_OPTIONS}
          connectionLineStyle={LINE_STYLE}
        >
          <Background gap={20} size={1.2} color="#cbd5e1" />
          <Controls showInteractive={false} position="bottom-left" />
          {specNodes.length >= 12 ? (
            <MiniMap pannable zoomable position="bottom-right" nodeStrokeWidth={3}
              style={{ width: 150, height: 100 }}
              nodeColor={(n) => STATUS[n.data.state]?.colour || (n.data.dataset ? "#93c5fd" : "#cbd5e1")} />
          ) : null}
          <Panel position="top-right" className="fb-toolbar">
            {editable ? (
              <>
                <button type="button" onClick={autoLayout} title="Lay the pipeline out in layers, left to right">Auto layout</button>
                <button type="button" onClick={deleteSelected} disabled={!selectedCount}
                  title="Delete the selected nodes and wires (or press Delete)">Delete selected</button>
              </>
            ) : null}
            <button type="button" onClick={() => rf.fitView(FIT)}>Fit</button>
          </Panel>
          <Panel position="top-left"><Legend mode={mode} /></Panel>
          <Notice index={index} edges={edges} notice={notice} />
          {!specNodes.length && editable ? (
            <Panel position="top-center">
              <div className="fb-empty">Drag a dataset and components from the palette, then wire an output (right) to an input (left).</div>
            </Panel>
          ) : null}
        </ReactFlow>
      </div>
    </div>
  );
}
