"""SMOTE: add synthetic minority-class rows by interpolating between near neighbours."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from components import column_flow, metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="smote",
    name="SMOTE",
    category="Data Transformation",
    columns=column_flow.passthrough("samples"),
    inputs=[Port("samples", PortKind.DATASET, "Samples")],
    outputs=[Port("table", PortKind.DATASET, "Table")],
    params=[
        Param(
            "label_column",
            ParamType.COLUMN,
            "Label column",
            required=True,
            help="A column with exactly two classes; the rarer one is oversampled.",
        ),
        Param(
            "percentage",
            ParamType.INT,
            "SMOTE percentage",
            default=100,
            min=0,
            max=100000,
            help="Synthetic rows as a percentage of the minority class: 100 "
            "doubles it. Use multiples of 100.",
        ),
        Param(
            "neighbors", ParamType.INT, "Number of nearest neighbors", default=1, min=1, max=1000
        ),
        Param("seed", ParamType.INT, "Random seed", default=0, min=0, max=4294967295),
    ],
)
def smote(
    samples: pd.DataFrame, *, label_column: str | None, percentage: int, neighbors: int, seed: int
) -> dict[str, Any]:
    """Increase the number of low-incidence examples in a dataset with synthetic minority rows.

    Every other column is a feature. Each synthetic row lies on the segment between a minority
    row and one of its `neighbors` nearest minority rows (Euclidean over the numeric and
    boolean features): numeric features are interpolated (integer columns rounded, so they
    stay Integer), other features are copied from the original row. A percentage p makes
    floor(p / 100) synthetic rows per minority row, plus (p mod 100)% of the minority rows
    picked at random for one more. Synthetic rows are appended after the input rows.
    """
    label = _label(samples, label_column)
    classes = samples[label].value_counts()
    if len(classes) != 2:
        raise ComponentInputError(
            f"SMOTE needs a label column with exactly two classes; '{label}' has "
            f"{len(classes)}: {', '.join(map(str, classes.index[:10]))}."
        )
    features = [c for c in samples.columns if c != label]
    _require_complete(samples, [label, *features])
    minority = classes.idxmin() if classes.iloc[0] != classes.iloc[1] else classes.index[1]
    rows = np.flatnonzero((samples[label] == minority).to_numpy())
    if neighbors >= len(rows):
        raise ComponentInputError(
            f"'Number of nearest neighbors' is {neighbors}, but the minority class "
            f"{minority!r} has only {len(rows)} rows; choose at most {len(rows) - 1}."
        )
    random = np.random.RandomState(seed)
    base = np.repeat(rows, percentage // 100)
    extra = int(round(len(rows) * (percentage % 100) / 100))
    base = np.concatenate([base, np.sort(random.choice(rows, extra, replace=False))])
    numeric = [
        c
        for c in features
        if metadata.is_numeric(samples[c]) or metadata.column_type(samples[c]) == "Boolean"
    ]
    synthetic = samples.iloc[base].reset_index(drop=True).copy()
    if len(base) and numeric:
        points = np.column_stack(
            [column_types.to_double(samples[c], c).to_numpy()[rows] for c in numeric]
        )
        finder = NearestNeighbors(n_neighbors=neighbors + 1).fit(points)
        _, near = finder.kneighbors(points)
        position = {row: i for i, row in enumerate(rows)}
        chosen = near[[position[b] for b in base], random.randint(1, neighbors + 1, len(base))]
        gap = random.uniform(0, 1, len(base))[:, None]
        start = points[[position[b] for b in base]]
        made = start + gap * (points[chosen] - start)
        for index, column in enumerate(numeric):
            synthetic[column] = _as_column(samples[column], made[:, index])
    out = pd.concat([samples, synthetic], ignore_index=True)
    print(
        f"Class {minority!r}: {len(rows)} rows + {len(base)} synthetic; other class: "
        f"{len(samples) - len(rows)} rows."
    )
    return {"table": metadata.keep_metadata(samples, out)}


def _label(samples: pd.DataFrame, column: str | None) -> str:
    if not column:
        raise ComponentInputError("'Label column' is required.")
    if column not in samples.columns:
        raise ComponentInputError(
            f"Label column '{column}' not found; available: {', '.join(map(str, samples.columns))}."
        )
    return column


def _require_complete(samples: pd.DataFrame, columns: list[str]) -> None:
    gaps = [f"'{c}' ({int(samples[c].isna().sum())})" for c in columns if samples[c].isna().any()]
    if gaps:
        raise ComponentInputError(
            f"SMOTE needs data without missing values; missing in {', '.join(gaps)}. Clean "
            "them with Clean Missing Data first."
        )


def _as_column(original: pd.Series, values: np.ndarray) -> Any:
    kind = metadata.column_type(original)
    if kind == "Boolean":
        return values >= 0.5
    dtype: Any = original.dtype  # numpy's or a pandas extension type, as the input had
    if kind == "Integer":
        return np.round(values).astype(dtype)
    return values.astype(dtype) if dtype.kind == "f" else values
