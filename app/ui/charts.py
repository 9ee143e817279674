"""Altair charts for profiles and Evaluate Model results, from the control plane's chart data."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

ACCENT = "#1565C0"


def column_chart(chart: dict[str, Any], column: str) -> alt.Chart:
    """A histogram (numeric column) or a bar chart of the top values (any other)."""
    if chart["kind"] == "histogram":
        frame = pd.DataFrame(chart["bins"])
        return (
            alt.Chart(frame)
            .mark_bar(color=ACCENT)
            .encode(
                x=alt.X("start:Q", bin="binned", title=column),
                x2="end:Q",
                y=alt.Y("count:Q", title="rows"),
                tooltip=["start", "end", "count"],
            )
            .properties(height=260)
        )
    frame = pd.DataFrame(chart["bars"])
    return (
        alt.Chart(frame)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("count:Q", title="rows"),
            y=alt.Y("value:N", sort="-x", title=column),
            tooltip=["value", "count"],
        )
        .properties(height=max(120, 22 * len(frame)))
    )


def predicted_vs_actual(points: list[dict[str, float]]) -> alt.LayerChart:
    frame = pd.DataFrame(points)
    low = float(min(frame["actual"].min(), frame["predicted"].min()))
    high = float(max(frame["actual"].max(), frame["predicted"].max()))
    diagonal = (
        alt.Chart(pd.DataFrame({"actual": [low, high], "predicted": [low, high]}))
        .mark_line(color="#9E9E9E", strokeDash=[4, 4])
        .encode(x="actual:Q", y="predicted:Q")
    )
    dots = (
        alt.Chart(frame)
        .mark_circle(size=36, opacity=0.6, color=ACCENT)
        .encode(
            x=alt.X("actual:Q", title="Actual"),
            y=alt.Y("predicted:Q", title="Predicted"),
            tooltip=["actual", "predicted"],
        )
    )
    return (diagonal + dots).properties(height=320, title="Predicted against actual")


def residuals(points: list[dict[str, float]]) -> alt.Chart:
    frame = pd.DataFrame(points)
    return (
        alt.Chart(frame)
        .mark_bar(color="#00796B")
        .encode(
            x=alt.X("residual:Q", bin=alt.Bin(maxbins=30), title="Residual (actual − predicted)"),
            y=alt.Y("count():Q", title="rows"),
        )
        .properties(height=320, title="Residuals")
    )


def roc(points: list[dict[str, float]]) -> alt.LayerChart:
    frame = pd.DataFrame(points)
    chance = (
        alt.Chart(pd.DataFrame({"fpr": [0, 1], "tpr": [0, 1]}))
        .mark_line(color="#9E9E9E", strokeDash=[4, 4])
        .encode(x="fpr:Q", y="tpr:Q")
    )
    curve = (
        alt.Chart(frame)
        .mark_line(color=ACCENT)
        .encode(
            x=alt.X("fpr:Q", title="False positive rate"),
            y=alt.Y("tpr:Q", title="True positive rate"),
        )
    )
    return (chance + curve).properties(height=300, title="ROC curve")


def precision_recall(points: list[dict[str, float]]) -> alt.Chart:
    frame = pd.DataFrame(points)
    return (
        alt.Chart(frame)
        .mark_line(color="#6A1B9A")
        .encode(
            x=alt.X("recall:Q", title="Recall"),
            y=alt.Y("precision:Q", title="Precision", scale=alt.Scale(domain=[0, 1])),
        )
        .properties(height=300, title="Precision-recall curve")
    )


def confusion(classes: list[str], matrix: list[list[int]]) -> alt.LayerChart:
    frame = pd.DataFrame(
        [
            {"actual": a, "predicted": p, "count": matrix[i][j]}
            for i, a in enumerate(classes)
            for j, p in enumerate(classes)
        ]
    )
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:N", title="Predicted"), y=alt.Y("actual:N", title="Actual")
    )
    cells = base.mark_rect().encode(color=alt.Color("count:Q", scale=alt.Scale(scheme="blues")))
    text = base.mark_text(fontSize=14).encode(text="count:Q")
    return (cells + text).properties(height=260, title="Confusion matrix")
