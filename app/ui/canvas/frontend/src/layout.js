// Where nodes go: dagre's layered layout, left to right, with each node's size estimated from
// its ports (the same formula the node's CSS follows, so boxes never overlap).
import dagre from "@dagrejs/dagre";

export const NODE_WIDTH = 204;
const HEAD = 46; // title and node id lines
const ROW = 20; // one port row (left to right) or one port band (top down)
const PADDING = 8;

export function nodeHeight(node, direction = "LR") {
  const comment = node.comment ? 16 : 0;
  if (direction === "TB") {
    return HEAD + comment + (node.inputs?.length ? ROW : 4) + (node.outputs?.length ? ROW : 4);
  }
  const rows = Math.max(node.inputs?.length || 0, node.outputs?.length || 0, 1);
  return HEAD + rows * ROW + PADDING + comment;
}

/** The direction saved positions follow: top down when wires mostly run downwards. */
export function directionOf(nodes, edges) {
  const at = Object.fromEntries(nodes.filter((n) => n.position).map((n) => [n.id, n.position]));
  let across = 0;
  let down = 0;
  for (const edge of edges) {
    const s = at[edge.source.split(".")[0]];
    const t = at[edge.target.split(".")[0]];
    if (!s || !t) continue;
    across += Math.abs(t[0] - s[0]);
    down += Math.abs(t[1] - s[1]);
  }
  return down > across ? "TB" : "LR";
}

/** Lay out both ways; keep the one that fits the frame (width x height) at the larger zoom. */
export function bestLayout(nodes, edges, width, height) {
  let best = null;
  for (const direction of ["LR", "TB"]) {
    const positions = layeredLayout(nodes, edges, direction);
    const boxes = nodes.map((n) => positions[n.id]);
    const w = Math.max(...boxes.map((b) => b.x)) + NODE_WIDTH + 40;
    const h = Math.max(...nodes.map((n) => positions[n.id].y + nodeHeight(n, direction))) + 40;
    const zoom = Math.min(width / w, height / h);
    if (!best || zoom > best.zoom * 1.05) best = { direction, positions, zoom };
  }
  return best;
}

/** {id: {x, y}} top-left positions for every node, laid out in layers (LR or TB). */
export function layeredLayout(nodes, edges, direction = "LR") {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: direction, nodesep: direction === "LR" ? 26 : 30,
    ranksep: direction === "LR" ? 56 : 44, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    graph.setNode(node.id, { width: NODE_WIDTH, height: nodeHeight(node, direction) });
  }
  for (const edge of edges) {
    const source = edge.source.split(".")[0];
    const target = edge.target.split(".")[0];
    if (graph.hasNode(source) && graph.hasNode(target)) graph.setEdge(source, target);
  }
  dagre.layout(graph);
  const positions = {};
  for (const node of nodes) {
    const placed = graph.node(node.id);
    positions[node.id] = {
      x: Math.round(placed.x - NODE_WIDTH / 2),
      y: Math.round(placed.y - nodeHeight(node, direction) / 2),
    };
  }
  return positions;
}

/** Whether any two nodes, at their saved positions, overlap (positions drawn for older,
 * smaller boxes): such a draft is laid out afresh. */
export function overlaps(nodes, direction = "LR") {
  const boxes = nodes.map((n) => ({
    x: n.position[0], y: n.position[1], w: NODE_WIDTH, h: nodeHeight(n, direction),
  }));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) return true;
    }
  }
  return false;
}

/** A spot near (x, y) where a new node does not cover another. */
export function freeSpot(x, y, placed) {
  let spotY = y;
  for (let tries = 0; tries < 40; tries++) {
    const hit = placed.some(
      (p) => Math.abs(p.x - x) < NODE_WIDTH + 10 && Math.abs(p.y - spotY) < 90,
    );
    if (!hit) return { x, y: spotY };
    spotY += 100;
  }
  return { x, y: spotY };
}
