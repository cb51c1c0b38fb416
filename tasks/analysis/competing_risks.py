"""Cumulative incidence of stopping the next treatment for failure, with competing events.

Retention counts every stop as an event, good (remission) and bad (inefficacy) alike. Here each
next treatment ends in one of: a stop for **failure** (its stop reason class is one of the
protocol's `failure_reasons`), a stop for an **other reason** (remission, pregnancy, relocation,
or any class not in `failure_reasons`), **death** (the course was censored at death), or it is
censored at the data cut. The cumulative incidence of each is the Aalen–Johansen estimate
(tasks/analysis/aalen_johansen.py), by strategy (cycling, switching), pooled and per center, at
the retention months. Estimates are withheld for groups of fewer than `min_cell_count` courses,
and in the shared table for a cause with fewer than `min_cell_count` events by that time.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jakreg.config import Protocol
from tasks.analysis.aalen_johansen import cumulative_incidence
from tasks.analysis.comparison import COMPARED
from tasks.analysis.retention import scopes

CAUSES = {"failure": 1, "other_stop": 2, "death": 3}
CAUSE_LABELS = {
    "failure": "stopped for failure",
    "other_stop": "stopped for another reason",
    "death": "died",
}
ESTIMATES = ("incidence", "ci95_low", "ci95_high")


def cause_codes(rows: pl.DataFrame, protocol: Protocol) -> np.ndarray:
    """Each next treatment's outcome: 0 censored at the data cut, else the code in CAUSES."""
    code = (
        pl.when(
            pl.col("retention_event")
            & pl.col("next_stop_reason_class").is_in(list(protocol.failure_reasons))
        )
        .then(CAUSES["failure"])
        .when(pl.col("retention_event"))
        .then(CAUSES["other_stop"])
        .when(pl.col("censor_reason") == "death")
        .then(CAUSES["death"])
        .otherwise(0)
    )
    return rows.select(code.alias("cause"))["cause"].to_numpy()


def competing_risks_table(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """One row per scope × strategy × cause with exact counts (internal)."""
    records = []
    for scope, scoped in scopes(rows):
        for strategy in COMPARED:
            members = scoped.filter(pl.col("strategy") == strategy)
            durations = members["retention_days"].to_numpy()
            codes = cause_codes(members, protocol)
            suppressed = len(members) < protocol.min_cell_count
            for cause, code in CAUSES.items():
                record = {
                    "scope": scope,
                    "strategy": strategy,
                    "cause": cause,
                    "n": len(members),
                    "events": int((codes == code).sum()),
                    "suppressed": suppressed,
                }
                curve = None if suppressed else cumulative_incidence(durations, codes, code)
                for month in protocol.retention_months:
                    t = month * protocol.month_days
                    record[f"m{month}_events"] = int(((codes == code) & (durations <= t)).sum())
                    values = curve.at(t) if curve else (None, None, None)
                    for name, value in zip(ESTIMATES, values, strict=True):
                        record[f"m{month}_{name}"] = _rounded(value)
                records.append(record)
    return pl.DataFrame(records, schema=_schema(protocol))


def _rounded(value: float | None) -> float | None:
    if value is None or np.isnan(value):
        return None
    return round(value, 4)


def _schema(protocol: Protocol) -> dict[str, type[pl.DataType]]:
    schema: dict[str, type[pl.DataType]] = {
        "scope": pl.Utf8,
        "strategy": pl.Utf8,
        "cause": pl.Utf8,
        "n": pl.Int64,
        "events": pl.Int64,
        "suppressed": pl.Boolean,
    }
    for month in protocol.retention_months:
        schema[f"m{month}_events"] = pl.Int64
        for name in ESTIMATES:
            schema[f"m{month}_{name}"] = pl.Float64
    return schema
