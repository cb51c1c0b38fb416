"""The report's charts, drawn with matplotlib into self-contained SVG (no pyplot global state).

Disclosure rules hold in pictures too: a group with fewer than `min_cell_count` courses is not
drawn, a curve stops where fewer than `min_cell_count` courses remain at risk (its tail would
show single patients), the group sizes and the at-risk counts at the table's months are the
shared table's cells (masked where the table masks them; at the other months they read
`<min_cell_count` when small), and in the chart of what follows a failure, segments of fewer than
`min_cell_count` failures are pooled.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from jakreg.config import Protocol
from tasks.analysis.disclosure import mask_count
from tasks.analysis.kaplan_meier import retention_curve

SMALL_GROUPS = "smaller groups"

# Applied around each chart only (rc_context), so importing this module changes no global style.
STYLE = {
    "svg.hashsalt": "jakreg",  # stable element ids: the same data draws the same file
    "svg.fonttype": "none",  # text stays text: smaller, sharp, searchable
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
}

# The same colour for the same group on every chart and in the report's cards; a target class
# keeps its colour whether it is a curve ("anti-TNF") or a bar segment ("switching to anti-TNF").
FIXED_COLOURS = {
    "cycling": "#e07b39",
    "switching": "#1f6f8b",
    "retreatment": "#6a4c93",
    "none": "#adb5bd",
    SMALL_GROUPS: "#ced4da",
    "JAKi": "#e07b39",
    "anti-TNF": "#1f6f8b",
    "anti-IL6": "#2a9d8f",
    "anti-IL17": "#3d5a80",
    "anti-IL23": "#7aa95c",
    "anti-IL12/23": "#588157",
    "CTLA4-Ig": "#c8553d",
    "anti-CD20": "#b5838d",
    "other advanced": "#8d99ae",
}
PALETTE = ("#264653", "#457b9d", "#a98467", "#6c757d")
INK = "#243447"
GRID = "#d9e1e8"


@dataclass(frozen=True)
class Chart:
    """An SVG document and the sentence that describes it (the image's alt text)."""

    svg: str
    description: str


@rc_context(STYLE)
def km_chart(
    rows: pl.DataFrame, shared: pl.DataFrame, group_by: str, title: str, protocol: Protocol
) -> Chart:
    """Kaplan–Meier retention curves of `group_by`'s groups with a 95% band and at-risk counts
    at every 3 months under the axis; `shared` holds the groups' rows of the shared retention
    summary, whose counts the chart shows."""
    months = np.arange(0, 2 * max(protocol.retention_months) + 1, 3)
    groups = _drawable_groups(rows, group_by, protocol.min_cell_count)
    height = 4.2 + 0.28 * len(groups)
    figure = Figure(figsize=(8.6, height), layout="constrained")
    axis = figure.add_subplot()
    at_risk_rows = []
    sizes: dict[str, str] = {}
    for colour, (group, members) in zip(_colours([g for g, _ in groups]), groups, strict=True):
        durations = members["retention_days"].to_numpy()
        events = members["retention_event"].to_numpy().astype(int)
        curve = retention_curve(durations, events)
        x = curve.days / protocol.month_days
        ordered = np.sort(durations)
        at_risk_then = len(ordered) - np.searchsorted(ordered, curve.days, side="left")
        shown = at_risk_then >= protocol.min_cell_count
        axis.step(x[shown], 100 * curve.retention[shown], where="post", color=colour, lw=2.2)
        axis.fill_between(
            x[shown],
            100 * curve.ci95_low[shown],
            100 * curve.ci95_high[shown],
            step="post",
            color=colour,
            alpha=0.14,
            lw=0,
        )
        cells = shared.filter(pl.col("group") == group).row(0, named=True)
        sizes[group] = cells["n"]
        axis.plot([], [], color=colour, lw=2.2, label=f"{group} (n = {cells['n']})")
        at_risk_rows.append(
            (group, colour, [_at_risk(cells, m, durations, protocol) for m in months])
        )
    _style_km_axis(axis, months, title)
    if groups:
        axis.legend(frameon=False, loc="lower left", fontsize=9)
    else:
        axis.text(
            months[-1] / 2,
            50,
            f"No group has {protocol.min_cell_count} or more courses: nothing to draw",
            ha="center",
            color=INK,
        )
    _draw_at_risk(axis, months, at_risk_rows)
    described = ", ".join(f"{g} (n = {sizes[g]})" for g, _ in groups)
    return Chart(_svg(figure), f"{title}: Kaplan–Meier retention curves for {described}.")


def _at_risk(cells: dict, month: int, durations: np.ndarray, protocol: Protocol) -> str:
    """The number at risk at `month` as shared: the table's cell where it has one."""
    if month == 0:
        return cells["n"]
    if f"m{month}_at_risk" in cells:
        return cells[f"m{month}_at_risk"]
    count = int((durations >= month * protocol.month_days).sum())
    return mask_count(count, protocol.min_cell_count)


def _drawable_groups(
    rows: pl.DataFrame, group_by: str, min_cell_count: int
) -> list[tuple[str, pl.DataFrame]]:
    by_size = sorted(rows.group_by(group_by), key=lambda g: (-len(g[1]), str(g[0][0])))
    return [(str(key[0]), members) for key, members in by_size if len(members) >= min_cell_count]


def _style_km_axis(axis, months: np.ndarray, title: str) -> None:
    axis.set_xlim(0, months[-1])
    axis.set_ylim(0, 100)
    axis.set_xticks(months)
    axis.set_yticks(range(0, 101, 20))
    axis.set_yticklabels([f"{y}%" for y in range(0, 101, 20)])
    axis.set_xlabel("Months since the start of the next treatment", color=INK)
    axis.set_ylabel("Still on the next treatment", color=INK)
    axis.set_title(title, loc="left", color=INK, fontsize=12, fontweight="bold")
    axis.grid(color=GRID, lw=0.8)
    axis.set_axisbelow(True)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    axis.tick_params(colors=INK)


def _draw_at_risk(axis, months: np.ndarray, rows: list[tuple[str, str, list[str]]]) -> None:
    """The number at risk under the x axis, one line per group, aligned with the ticks."""
    axis.annotate(
        "Number at risk",
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -48),
        textcoords="offset points",
        fontsize=9,
        fontweight="bold",
        color=INK,
        ha="left",
    )
    for line, (group, colour, counts) in enumerate(rows, start=1):
        offset = -48 - 14 * line
        axis.annotate(
            group,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(-22, offset),
            textcoords="offset points",
            fontsize=8.5,
            color=colour,
            ha="right",
        )
        for month, count in zip(months, counts, strict=True):
            axis.annotate(
                count,
                xy=(month, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, offset),
                textcoords="offset points",
                fontsize=8.5,
                color=INK,
                ha="center",
            )


@rc_context(STYLE)
def next_steps_chart(failures: pl.DataFrame, protocol: Protocol) -> Chart:
    """What follows a JAK-inhibitor failure, per index JAK inhibitor: stacked bars of shares."""
    steps = failures.with_columns(
        pl.when(pl.col("strategy") == "switching")
        .then(pl.lit("switching to ") + pl.col("next_target"))
        .otherwise(pl.col("strategy"))
        .alias("step")
    )
    bars = [("all JAK inhibitors", steps)] + [
        (str(key[0]), members)
        for key, members in sorted(steps.group_by("index_jaki"), key=lambda g: -len(g[1]))
        if len(members) >= protocol.min_cell_count
    ]
    order = _step_order(steps, protocol.min_cell_count)
    colours = dict(zip(order, _colours(order), strict=True))
    figure = Figure(figsize=(8.6, 1.2 + 0.55 * len(bars)), layout="constrained")
    axis = figure.add_subplot()
    for position, (_, members) in enumerate(bars):
        shares = _step_shares(members, order, protocol.min_cell_count)
        left = 0.0
        for step in order:
            share = shares.get(step, 0.0)
            if share == 0:
                continue
            axis.barh(position, share, left=left, color=colours[step], height=0.62)
            if share >= 6:
                light = step in ("none", SMALL_GROUPS)
                axis.text(
                    left + share / 2,
                    position,
                    f"{share:.0f}%",
                    ha="center",
                    va="center",
                    color=INK if light else "white",
                    fontsize=8.5,
                    fontweight="bold",
                )
            left += share
    legend = [Patch(color=colours[step], label=step) for step in order]
    labels = [f"{label}\n(n = {mask_count(len(m), protocol.min_cell_count)})" for label, m in bars]
    axis.set_yticks(range(len(bars)), labels=labels, fontsize=9, color=INK)
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xticks(range(0, 101, 20), labels=[f"{x}%" for x in range(0, 101, 20)])
    axis.set_xlabel("Share of JAK-inhibitor failures", color=INK)
    for side in ("top", "right", "left"):
        axis.spines[side].set_visible(False)
    axis.tick_params(colors=INK, length=0)
    axis.legend(
        handles=legend, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8.5
    )
    described = ", ".join(order)
    return Chart(
        _svg(figure),
        f"What follows a JAK-inhibitor failure, per index drug, as shares of: {described}.",
    )


def _step_order(steps: pl.DataFrame, min_cell_count: int) -> list[str]:
    counts = dict(steps.group_by("step").len().iter_rows())
    big = [s for s in counts if counts[s] >= min_cell_count]
    switching = sorted((s for s in big if s.startswith("switching")), key=lambda s: -counts[s])
    head = [s for s in ("cycling", "retreatment") if s in big]
    tail = [SMALL_GROUPS] if len(big) < len(counts) else []
    return head + switching + tail + (["none"] if "none" in big else [])


def _step_shares(members: pl.DataFrame, order: list[str], min_cell_count: int) -> dict[str, float]:
    """Percent of each step; steps under `min_cell_count` in this bar go to the pooled segment."""
    counts = dict(members.group_by("step").len().iter_rows())
    pooled: dict[str, int] = {}
    for step, count in counts.items():
        key = step if step in order and count >= min_cell_count else SMALL_GROUPS
        pooled[key] = pooled.get(key, 0) + count
    return {step: 100 * count / len(members) for step, count in pooled.items()}


def _colours(groups: list[str]) -> list[str]:
    """Each group's fixed colour; a group without one takes the next of the spare palette."""
    spare = itertools.cycle(PALETTE)
    return [FIXED_COLOURS.get(g.removeprefix("switching to ")) or next(spare) for g in groups]


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()
