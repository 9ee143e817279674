// One pipeline node: title, node id, and a row per named, typed port (inputs on the left,
// outputs on the right), each with its own handle coloured by kind.
import { memo } from "react";
import { Handle, Position } from "@xyflow/react";
import { KIND_COLOURS, KIND_NAMES, STATUS } from "./theme.js";

function Port({ port, side, direction }) {
  const colour = KIND_COLOURS[port.kind] || "#64748b";
  const tip = `${port.label} · ${KIND_NAMES[port.kind] || port.kind}${port.optional ? " (optional)" : ""}`;
  return (
    <div className={`fb-port fb-port-${side}`} title={tip} data-port={port.name}>
      <Handle
        type={side === "in" ? "target" : "source"}
        position={direction === "TB" ? (side === "in" ? Position.Top : Position.Bottom)
          : (side === "in" ? Position.Left : Position.Right)}
        id={port.name}
        className="fb-handle"
        style={{ background: colour, borderColor: colour }}
        data-kind={port.kind}
      />
      <span className="fb-port-label" style={{ color: colour }}>
        {port.label}
        {port.optional ? <span className="fb-optional"> (opt.)</span> : null}
      </span>
    </div>
  );
}

function PipelineNode({ data, selected }) {
  const status = STATUS[data.state];
  const classes = ["fb-node", `fb-state-${data.state}`, data.dataset ? "fb-dataset" : ""];
  if (selected) classes.push("fb-selected");
  const issues = data.issues || [];
  const direction = data.direction || "LR";
  classes.push(`fb-dir-${direction}`);
  const inputs = (data.inputs || []).map((p) => (
    <Port key={p.name} port={p} side="in" direction={direction} />));
  const outputs = (data.outputs || []).map((p) => (
    <Port key={p.name} port={p} side="out" direction={direction} />));
  return (
    <div className={classes.join(" ")} data-node={data.id} data-state={data.state}
      style={status ? { borderColor: status.colour } : undefined}>
      {direction === "TB" ? <div className="fb-band fb-band-in">{inputs}</div> : null}
      <div className="fb-head" style={status ? { background: status.colour } : undefined}>
        <span className="fb-title" title={data.description || data.title}>
          {status ? <span className="fb-status-icon">{status.icon} </span> : null}
          {data.title}
        </span>
        {issues.length ? (
          <span className="fb-badge" title={issues.join("\n")}>{issues.length}</span>
        ) : null}
      </div>
      <div className="fb-sub">
        <span className="fb-id">{data.id}</span>
        {status || data.detail ? (
          <span className="fb-status-text">
            {[status?.label, data.detail].filter(Boolean).join(" · ")}
          </span>) : null}
      </div>
      {data.comment ? <div className="fb-comment" title={data.comment}>{data.comment}</div> : null}
      {direction === "TB" ? <div className="fb-band fb-band-out">{outputs}</div> : (
        <div className="fb-ports">
          <div className="fb-inputs">{inputs}</div>
          <div className="fb-outputs">{outputs}</div>
        </div>)}
    </div>
  );
}

export default memo(PipelineNode);
