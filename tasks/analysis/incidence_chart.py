"""The cumulative incidence chart: how the next treatment ends, by strategy, over time.

Same disclosure rules as the Kaplan–Meier charts (tasks/analysis/charts.py): an arm of fewer than
`min_cell_count` courses is not drawn and each curve stops where fewer remain at risk.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from matplotlib import rc_context
from matplotlib.figure import Figure

from jakreg.config import Protocol
from tasks.analysis.aalen_johansen import cumulative_incidence
from tasks.analysis.charts import FIXED_COLOURS, INK, STYLE, Chart, _style_km_axis, _svg
from tasks.analysis.comparison import COMPARED
from tasks.analysis.competing_risks import CAUSE_LABELS, CAUSES, cause_codes

LINES = {"failure": "-", "other_stop": "--", "death": ":"}


@rc_context(STYLE)
def incidence_chart(rows: pl.DataFrame, protocol: Protocol) -> Chart:
    """Aalen–Johansen cumulative incidence of each cause for cycling and switching, pooled, with
    the 95% band for stopping for failure."""
    months = np.arange(0, 2 * max(protocol.retention_months) + 1, 3)
    figure = Figure(figsize=(8.6, 4.4), layout="constrained")
    axis = figure.add_subplot()
    drawn = []
    for arm in COMPARED:
        members = rows.filter(pl.col("strategy") == arm)
        if len(members) < protocol.min_cell_count:
            continue
        drawn.append(f"{arm} (n = {len(members)})")
        durations = members["retention_days"].to_numpy()
        codes = cause_codes(members, protocol)
        for cause, code in CAUSES.items():
            curve = cumulative_incidence(durations, codes, code)
            shown = curve.at_risk >= protocol.min_cell_count
            x = curve.days[shown] / protocol.month_days
            colour = FIXED_COLOURS[arm]
            axis.step(
                x,
                100 * curve.incidence[shown],
                where="post",
                color=colour,
                lw=2.0 if cause == "failure" else 1.4,
                ls=LINES[cause],
                label=f"{arm}: {CAUSE_LABELS[cause]}",
            )
            if cause == "failure":
                axis.fill_between(
                    x,
                    100 * np.nan_to_num(curve.ci95_low[shown]),
                    100 * np.nan_to_num(curve.ci95_high[shown], nan=1.0),
                    step="post",
                    color=colour,
                    alpha=0.14,
                    lw=0,
                )
    _style_km_axis(axis, months, "How the next treatment ends: cumulative incidence by strategy")
    axis.set_ylabel("Cumulative incidence", color=INK)
    if drawn:
        axis.legend(frameon=False, loc="upper left", fontsize=8.5)
    else:
        axis.text(
            months[-1] / 2,
            50,
            f"Neither strategy has {protocol.min_cell_count} or more courses: nothing to draw",
            ha="center",
            color=INK,
        )
    described = ", ".join(drawn) or "no strategy"
    return Chart(
        _svg(figure),
        "Aalen–Johansen cumulative incidence of stopping the next treatment for failure, for "
        f"another reason, and of death, for {described}.",
    )
