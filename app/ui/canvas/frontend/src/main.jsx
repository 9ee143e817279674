import { createRoot } from "react-dom/client";
import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import "./canvas.css";
import Canvas from "./Canvas.jsx";
import { onRender, setFrameHeight } from "./streamlit.js";

const root = createRoot(document.getElementById("root"));
let lastHeight = null;
onRender((args) => {
  const height = args.height || 620;
  if (height !== lastHeight) {
    setFrameHeight(height);
    lastHeight = height;
  }
  root.render(
    <ReactFlowProvider>
      <Canvas args={args} />
    </ReactFlowProvider>,
  );
});
