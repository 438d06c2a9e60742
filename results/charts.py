"""Chart.js configurations built on the server, as plain data.

A page puts one in a `<script type="application/json">` (the `json_script` filter, through
templates/results/_chart.html) beside a `<canvas data-chart="…">`; static/js/charts.js draws it.
Only JSON crosses over: no code in the page, and the numbers a chart shows are the ones the view
computed, so tests can compare them with the scoring engine's aggregates.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from surveys.scoring import score_display

# DGA's blue first, then colours that stay apart for the colour-blind (Okabe–Ito).
PALETTE = ["#1d4e89", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999"]


def number(value) -> float | None:
    """A score for a chart: two decimals, None for a missing value (a gap, not a zero)."""
    if value is None:
        return None
    return float(score_display(Decimal(value)))


def dataset(label: str, values: Iterable, *, index: int = 0, **extra) -> dict:
    colour = PALETTE[index % len(PALETTE)]
    return {
        "label": str(label),
        "data": [number(value) for value in values],
        "backgroundColor": colour,
        "borderColor": colour,
        **extra,
    }


def _scale(title: str = "", *, maximum: float | None = 100, minimum: float | None = 0) -> dict:
    scale = {"beginAtZero": True}
    if maximum is not None:
        scale["max"] = maximum
    if minimum is not None:
        scale["min"] = minimum
    if title:
        scale["title"] = {"display": True, "text": str(title)}
    return scale


def bar_chart(
    labels: Sequence,
    datasets: list[dict],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    value_title: str = "",
    maximum: float | None = 100,
    minimum: float | None = 0,
    legend: bool = True,
) -> dict:
    """Bars, one group per label; `horizontal` for long Thai names (dimensions, provinces)."""
    value_axis, label_axis = ("x", "y") if horizontal else ("y", "x")
    value_scale = _scale(value_title, maximum=maximum, minimum=minimum)
    value_scale["stacked"] = stacked
    return {
        "type": "bar",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {
            "indexAxis": label_axis,
            "scales": {value_axis: value_scale, label_axis: {"stacked": stacked}},
            "plugins": {"legend": {"display": legend}},
        },
    }


def line_chart(labels: Sequence, datasets: list[dict], *, value_title: str = "") -> dict:
    """A line over the years; missing years are gaps."""
    for item in datasets:
        item.setdefault("spanGaps", False)
        item.setdefault("tension", 0)
        item.setdefault("pointRadius", 4)
    return {
        "type": "line",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {
            "scales": {"y": _scale(value_title)},
            "plugins": {"legend": {"display": len(datasets) > 1}},
        },
    }


def radar_chart(labels: Sequence, datasets: list[dict]) -> dict:
    """The six dimensions around a circle, 0 to 100."""
    for item in datasets:
        item["backgroundColor"] = item["borderColor"] + "33"  # the same colour, see-through
        item.setdefault("pointRadius", 3)
    return {
        "type": "radar",
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {"scales": {"r": {"min": 0, "max": 100, "ticks": {"stepSize": 20}}}},
    }
