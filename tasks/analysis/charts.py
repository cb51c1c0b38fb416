"""The report's charts, drawn with matplotlib into self-contained SVG (no pyplot global state).

Disclosure rules hold in pictures too: the charts draw only figures of the shared tables, which
are protected together (docs/protocol.md, "Disclosure control of the shared tables"). Retention is
drawn at the protocol's months from the shared retention summary, up to the first estimate
withheld, with the courses at risk under the axis as the table shows them; a Kaplan–Meier curve
between those months, or at-risk counts beyond them, would show figures no check covers. What
follows a failure is drawn from the shared descriptive table, pooled and per center; its hidden
counts (`<5`, masked) form one segment, whose size the table gives anyway.
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

NOT_SHOWN = "not shown (<5 or masked)"

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
    NOT_SHOWN: "#ced4da",
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
def km_chart(shared: pl.DataFrame, title: str, protocol: Protocol) -> Chart:
    """Retention at the protocol's months with its 95% interval, one line per group, and the
    courses at risk under the axis, all read from `shared` (the rows of one grouping of the
    shared retention summary): the chart shows no figure the checked tables do not."""
    months = np.array([0, *protocol.retention_months])
    groups = [row for row in shared.to_dicts() if _retention_points(row, protocol)[0].size > 1]
    height = 4.2 + 0.28 * len(groups)
    figure = Figure(figsize=(8.6, height), layout="constrained")
    axis = figure.add_subplot()
    at_risk_rows = []
    for colour, row in zip(_colours([r["group"] for r in groups]), groups, strict=True):
        x, y, low, high = _retention_points(row, protocol)
        axis.plot(
            x, y, color=colour, lw=2.2, marker="o", ms=4, label=f"{row['group']} (n = {row['n']})"
        )
        axis.fill_between(x, low, high, color=colour, alpha=0.14, lw=0)
        counts = [row["n"], *(row[f"m{m}_at_risk"] for m in protocol.retention_months)]
        at_risk_rows.append((row["group"], colour, counts))
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
    described = ", ".join(f"{r['group']} (n = {r['n']})" for r in groups)
    return Chart(
        _svg(figure),
        f"{title}: Kaplan–Meier retention at 0 to {months[-1]} months for {described}.",
    )


def _retention_points(row: dict, protocol: Protocol) -> tuple[np.ndarray, ...]:
    """Months, retention and its interval (percent) from 0 up to the first estimate withheld; a
    limit left out (where the estimate is 100%) is drawn at the estimate."""
    points = [(0.0, 100.0, 100.0, 100.0)]
    for m in protocol.retention_months:
        estimate = row.get(f"m{m}_retention")
        if estimate is None:
            break
        low = row[f"m{m}_ci95_low"]
        high = row[f"m{m}_ci95_high"]
        points.append(
            (
                m,
                100 * estimate,
                100 * (estimate if low is None else low),
                100 * (estimate if high is None else high),
            )
        )
    return tuple(np.array(column, dtype=float) for column in zip(*points, strict=True))


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
def next_steps_chart(descriptive: pl.DataFrame, protocol: Protocol) -> Chart:
    """What follows a JAK-inhibitor failure, pooled and per center: stacked bars of shares, read
    from the shared descriptive table (strategy after failure, switching by target class). Its
    `<5` and masked counts form one segment, "not shown", which is the total minus the counts
    shown (as the table gives it); a scope whose total is not shown has no bar."""
    bars = [
        (scope, steps)
        for scope, steps in _scope_steps(descriptive, protocol.min_cell_count)
        if steps is not None
    ]
    order = _step_order(bars)
    colours = dict(zip(order, _colours(order), strict=True))
    figure = Figure(figsize=(8.6, 1.2 + 0.55 * max(len(bars), 1)), layout="constrained")
    axis = figure.add_subplot()
    for position, (_, (total, counts)) in enumerate(bars):
        left = 0.0
        for step in order:
            share = 100 * counts.get(step, 0) / total
            if share == 0:
                continue
            axis.barh(position, share, left=left, color=colours[step], height=0.62)
            if share >= 6:
                light = step in ("none", NOT_SHOWN)
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
    labels = [f"{scope}\n(n = {total})" for scope, (total, _) in bars]
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
        f"What follows a JAK-inhibitor failure, pooled and per center, as shares of: {described}.",
    )


def _scope_steps(descriptive: pl.DataFrame, min_cell_count: int):
    """Per scope, (failures, counts by step) from the shared table, or None without a total."""
    for scope in descriptive["scope"].unique(maintain_order=True).to_list():
        rows = descriptive.filter(pl.col("scope") == scope)
        strategies = rows.filter(pl.col("section") == "strategy_after_failure")
        if strategies.is_empty() or not str(strategies["of"][0]).isdigit():
            yield scope, None
            continue
        total = int(strategies["of"][0])
        if total == 0:
            yield scope, None
            continue
        shown: dict[str, int] = {}
        for section, prefix in (
            ("strategy_after_failure", ""),
            ("switching_target_class", "switching to "),
        ):
            for item, n in (
                rows.filter(pl.col("section") == section).select("item", "n").iter_rows()
            ):
                if section == "strategy_after_failure" and item == "switching":
                    continue  # drawn by target class
                if str(n).isdigit():
                    shown[prefix + item] = int(n)
        shown[NOT_SHOWN] = total - sum(shown.values())
        yield scope, (total, shown)


def _step_order(bars: list) -> list[str]:
    present = {step for _, (_, counts) in bars for step, n in counts.items() if n > 0}
    switching = sorted(s for s in present if s.startswith("switching to "))
    head = [s for s in ("cycling", "retreatment") if s in present]
    tail = [s for s in (NOT_SHOWN, "none") if s in present]
    return head + switching + tail


def _colours(groups: list[str]) -> list[str]:
    """Each group's fixed colour; a group without one takes the next of the spare palette."""
    spare = itertools.cycle(PALETTE)
    return [FIXED_COLOURS.get(g.removeprefix("switching to ")) or next(spare) for g in groups]


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    return buffer.getvalue()
