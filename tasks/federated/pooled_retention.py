"""Retention at the protocol's months from the centers' life tables, pooled.

Within each interval of a center's life table the hazard is taken as constant (events /
person-days). Pooling weighs the centers' hazards by how many courses each has at risk, as the
Kaplan–Meier estimate of the pooled rows does: on each stretch of time where no center's interval
changes, the pooled hazard is Σ events/width ÷ Σ person-days/width over the centers' intervals
that cover it (the mean number at risk of an interval is its person-days over its width). The
cumulative hazard Λ(t) sums these up to t and retention is exp(−Λ(t)). Its 95% interval treats
each interval's events as Poisson, so Var Λ = Σ events × (∂Λ/∂events)², and is taken on the
log(−log) scale, as lifelines does for the Kaplan–Meier estimate.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl

from jakreg.config import Protocol

Z95 = 1.959963984540054


def pooled_retention(life_tables: pl.DataFrame, strategies: list[str], protocol: Protocol) -> dict:
    """Retention and its 95% interval at each retention month for the courses of `strategies`
    (rows: center_id, strategy, start_day, end_day, events, person_days)."""
    rows = life_tables.filter(pl.col("strategy").is_in(strategies))
    record: dict = {
        "centers": rows["center_id"].n_unique(),
        "events": int(rows["events"].sum()),
    }
    for month in protocol.retention_months:
        t = month * protocol.month_days
        record.update(_at(rows, t, f"m{month}"))
    return record


def _at(rows: pl.DataFrame, t: float, prefix: str) -> dict:
    covering = rows.filter(pl.col("start_day") < t)
    if covering.is_empty():
        return {
            f"{prefix}_retention": None,
            f"{prefix}_ci95_low": None,
            f"{prefix}_ci95_high": None,
        }
    start = covering["start_day"].to_numpy()
    end = np.minimum(covering["end_day"].fill_null(math.inf).to_numpy(), t)
    width = covering["end_day"].fill_null(math.inf).to_numpy() - start
    events = covering["events"].to_numpy().astype(float)
    person_days = covering["person_days"].to_numpy().astype(float)
    # Open intervals only ever cover time after the last retention month: their width does not
    # matter for a time before it, so any finite width does.
    width = np.where(np.isinf(width), end - start, width)
    cuts = np.unique(np.concatenate([start, end]))
    weights = np.zeros(len(covering))
    for a, b in itertools.pairwise(cuts):
        inside = (start <= a) & (end >= b)
        at_risk = (person_days[inside] / width[inside]).sum()
        if at_risk > 0:
            weights[inside] += (b - a) / (width[inside] * at_risk)
    cumulative = float((events * weights).sum())
    variance = float((events * weights**2).sum())
    retention = math.exp(-cumulative)
    if cumulative == 0:
        return {f"{prefix}_retention": 1.0, f"{prefix}_ci95_low": None, f"{prefix}_ci95_high": None}
    half = Z95 * math.sqrt(variance) / cumulative
    log_log = math.log(cumulative)
    return {
        f"{prefix}_retention": round(retention, 4),
        # exp(-exp(log Λ ± half)): the upper retention bound comes from the lower Λ.
        f"{prefix}_ci95_low": round(math.exp(-math.exp(log_log + half)), 4),
        f"{prefix}_ci95_high": round(math.exp(-math.exp(log_log - half)), 4),
    }
