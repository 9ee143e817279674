// Colours by port kind and by step status (kept distinct: reused is not completed).
export const KIND_COLOURS = {
  dataset: "#2563eb",
  untrained_model: "#9333ea",
  trained_model: "#059669",
  transformation: "#ea580c",
};

export const KIND_NAMES = {
  dataset: "dataset",
  untrained_model: "untrained model",
  trained_model: "trained model",
  transformation: "transformation",
};

export const STATUS = {
  pending: { colour: "#94a3b8", icon: "…", label: "pending" },
  queued: { colour: "#d97706", icon: "⏳", label: "queued" },
  running: { colour: "#2563eb", icon: "▶", label: "running" },
  completed: { colour: "#16a34a", icon: "✔", label: "completed" },
  reused: { colour: "#0891b2", icon: "♻", label: "reused" },
  failed: { colour: "#dc2626", icon: "✖", label: "failed" },
  canceled: { colour: "#6b7280", icon: "⊘", label: "canceled" },
};
