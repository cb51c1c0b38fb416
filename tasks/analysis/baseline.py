"""Baseline characteristics of the failures by the strategy that followed, with standardised mean
differences (JAK-pot's Table 1 is by strategy): can a reader expect cycling and switching to be
comparable?

Pooled over centers, one row per variable × level: for each of cycling and switching the count,
its share of the arm (or the mean (SD) of a continuous variable), and the standardised mean
difference (SMD) switching − cycling: (m_s − m_c) / sqrt((v_s + v_c) / 2), with the variance
p(1 − p) for a level of a categorical variable (Austin 2009). |SMD| above 0.1 is the usual mark of
imbalance. Age is at the start of the failed course; prior lines count the advanced therapies
before it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import polars as pl

from tasks.analysis.comparison import COMPARED

CONTINUOUS = {
    "age_at_start": "Age at the failed course's start, years: mean (SD)",
    "prior_advanced_lines": "Prior advanced therapies: mean (SD)",
}
CATEGORICAL = {
    "sex": "Sex",
    "indication": "Indication",
    "index_jaki": "JAK inhibitor that failed",
    "stop_reason_class": "Reason the JAK inhibitor failed",
}
IMBALANCE = 0.1
MISSING = "missing"
SCHEMA = {
    "variable": pl.Utf8,
    "level": pl.Utf8,
    **{
        f"{arm}_{name}": kind
        for arm in COMPARED
        for name, kind in (
            ("n", pl.Int64),
            ("of", pl.Int64),
            ("percent", pl.Float64),
            ("summary", pl.Utf8),
        )
    },
    "smd": pl.Float64,
}


def baseline_table(failures: pl.DataFrame) -> pl.DataFrame:
    """Exact counts (internal; `tasks.analysis.tables` protects them and withholds the shares,
    means and SMDs that would give a small count back)."""
    arms = {arm: failures.filter(pl.col("strategy") == arm) for arm in COMPARED}
    records = [_size_row(arms)]
    for column, title in CONTINUOUS.items():
        records.append(_continuous_row(arms, column, title))
    for column, title in CATEGORICAL.items():
        records += list(_level_rows(arms, column, title))
    return pl.DataFrame(records, schema=SCHEMA)


def _size_row(arms: dict[str, pl.DataFrame]) -> dict:
    row: dict = {"variable": "Failures", "level": "n", "smd": None}
    for arm, members in arms.items():
        row.update({f"{arm}_n": len(members), f"{arm}_of": len(members)})
    return row


def _continuous_row(arms: dict[str, pl.DataFrame], column: str, title: str) -> dict:
    row: dict = {"variable": title, "level": "mean (SD)"}
    moments = {}
    for arm, members in arms.items():
        values = members[column].drop_nulls().cast(pl.Float64)
        row.update({f"{arm}_n": len(values), f"{arm}_of": len(members)})
        if len(values) >= 2:
            mean, sd = float(values.mean()), float(values.std())
            moments[arm] = (mean, sd**2)
            row[f"{arm}_summary"] = f"{mean:.1f} ({sd:.1f})"
    row["smd"] = _smd(moments)
    return row


def _level_rows(arms: dict[str, pl.DataFrame], column: str, title: str) -> Iterator[dict]:
    labelled = {
        arm: members[column].cast(pl.Utf8).fill_null(MISSING) for arm, members in arms.items()
    }
    levels = sorted({level for values in labelled.values() for level in values.to_list()})
    for level in levels:
        row: dict = {"variable": title, "level": level}
        moments = {}
        for arm, members in arms.items():
            n = int((labelled[arm] == level).sum())
            share = n / len(members) if len(members) else None
            row.update({f"{arm}_n": n, f"{arm}_of": len(members)})
            if share is not None:
                row[f"{arm}_percent"] = round(100 * share, 1)
                moments[arm] = (share, share * (1 - share))
        row["smd"] = _smd(moments)
        yield row


def _smd(moments: dict[str, tuple[float, float]]) -> float | None:
    """switching − cycling over the pooled SD; None when an arm is missing or both are constant."""
    if len(moments) < len(COMPARED):
        return None
    (m_c, v_c), (m_s, v_s) = moments["cycling"], moments["switching"]
    pooled = math.sqrt((v_c + v_s) / 2)
    return None if pooled == 0 else round((m_s - m_c) / pooled, 3)
