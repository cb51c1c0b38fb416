"""One center's aggregates: the tables a hospital sends instead of patient rows.

- Life tables of the next treatment per strategy: events and person-days per interval, intervals
  merged until each holds at least `min_cell_count` events and courses at risk
  (tasks/federated/intervals.py). Cycling and switching share one set of intervals, so that the
  piecewise-exponential model compares them within the same intervals; any other strategy has
  its own. No number at risk is given past the start: with the events, differences of numbers at
  risk would give the censorings of an interval, which may be few.
- Person-days per interval × covariate pattern (strategy, sex, age band, indication, prior-lines
  band) of the compared courses, and their events by level of each covariate: with the events per
  interval of the life tables these are what the Poisson likelihood of a piecewise-exponential
  model depends on (tasks/federated/pwe.py), without an event count per pattern, which would be a
  small cell more often than not. A covariate one of whose levels has 1 to `min_cell_count - 1`
  events is left out of the patterns (its column reads `all`) and of the margins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from jakreg.config import Protocol
from tasks.federated.intervals import OPEN, Durations, merged_cuts

COMPARED = ("cycling", "switching")
ALL = "all"
MISSING = "missing"
AGE_BANDS = ((45, "<45"), (60, "45-59"), (75, "60-74"), (None, "75+"))
PRIOR_LINES_BANDS = ((2, "0-1"), (4, "2-3"), (None, "4+"))
COVARIATES = ("sex", "age_band", "indication", "prior_lines_band")
LIFE_TABLE_SCHEMA = {
    "strategy": pl.Utf8,
    "start_day": pl.Float64,
    "end_day": pl.Float64,
    "events": pl.Int64,
    "person_days": pl.Int64,
}

PERSON_TIME_SCHEMA = {
    "start_day": pl.Float64,
    "end_day": pl.Float64,
    "strategy": pl.Utf8,
    **{covariate: pl.Utf8 for covariate in COVARIATES},
    "person_days": pl.Int64,
}
MARGINS_SCHEMA = {"covariate": pl.Utf8, "level": pl.Utf8, "events": pl.Int64}


@dataclass(frozen=True)
class CenterAggregates:
    """Everything a pooled estimate needs from one center; no row, key or date."""

    life_tables: pl.DataFrame
    person_time: pl.DataFrame
    event_margins: pl.DataFrame


def center_aggregates(rows: pl.DataFrame, protocol: Protocol) -> CenterAggregates:
    """The aggregates of one center's next treatments (the rows of `AnalysisInputs.
    next_treatments`: strategy, retention_days, retention_event and the covariates)."""
    small = protocol.min_cell_count
    patterned = _with_patterns(rows)
    tables = []
    compared = patterned.filter(pl.col("strategy").is_in(COMPARED))
    compared_cuts = _cuts(compared, COMPARED, protocol)
    for strategy in COMPARED:
        tables.append(_life_table(compared, strategy, compared_cuts))
    others = sorted(set(patterned["strategy"].to_list()) - set(COMPARED))
    for strategy in others:
        tables.append(_life_table(patterned, strategy, _cuts(patterned, (strategy,), protocol)))
    within = _truncate(compared, compared_cuts)
    covariates = [c for c in COVARIATES if _margins_shareable(within, c, small)]
    dropped = [c for c in COVARIATES if c not in covariates]
    within = within.with_columns(pl.lit(ALL).alias(c) for c in dropped)
    return CenterAggregates(
        life_tables=pl.concat(tables),
        person_time=_person_time(within, compared_cuts),
        event_margins=_event_margins(within, covariates),
    )


def _with_patterns(rows: pl.DataFrame) -> pl.DataFrame:
    """The covariates as the patterns' levels; a missing value is a level of its own."""
    return rows.select(
        "strategy",
        pl.col("retention_days").cast(pl.Float64),
        pl.col("retention_event").cast(pl.Int64),
        pl.col("sex").fill_null(MISSING),
        _band("age_at_start", AGE_BANDS).alias("age_band"),
        pl.col("indication").fill_null(MISSING),
        _band("prior_advanced_lines", PRIOR_LINES_BANDS).alias("prior_lines_band"),
    )


def _band(column: str, bands: tuple[tuple[int | None, str], ...]) -> pl.Expr:
    expression = pl.when(pl.col(column).is_null()).then(pl.lit(MISSING))
    for upper, label in bands:
        condition = pl.col(column) < upper if upper is not None else pl.lit(True)
        expression = expression.when(condition).then(pl.lit(label))
    return expression.otherwise(pl.lit(MISSING))


def _durations(rows: pl.DataFrame) -> Durations:
    return Durations(rows["retention_days"].to_numpy(), rows["retention_event"].to_numpy())


def _cuts(rows: pl.DataFrame, strategies: tuple[str, ...], protocol: Protocol) -> list[float]:
    groups = [rows.filter(pl.col("strategy") == s) for s in strategies]
    if any(len(group) == 0 for group in groups):
        return [0.0]
    return merged_cuts(
        [_durations(group) for group in groups],
        protocol.retention_months,
        protocol.month_days,
        protocol.min_cell_count,
    )


def _life_table(rows: pl.DataFrame, strategy: str, cuts: list[float]) -> pl.DataFrame:
    group = _durations(rows.filter(pl.col("strategy") == strategy))
    records = [
        {
            "strategy": strategy,
            "start_day": start,
            "end_day": None if end == OPEN else end,
            "events": group.events_in(start, end),
            "person_days": round(group.person_days(start, end)),
        }
        for start, end in itertools.pairwise(cuts)
    ]
    return pl.DataFrame(records, schema=LIFE_TABLE_SCHEMA)


def _truncate(rows: pl.DataFrame, cuts: list[float]) -> pl.DataFrame:
    """Follow-up censored where the life tables end, so that the margins count the same
    events as the life tables (a withheld tail must not come back as a difference)."""
    end = cuts[-1]
    if end == OPEN:
        return rows
    if len(cuts) == 1:
        return rows.clear()  # no interval could be shown, so none of these events either
    beyond = pl.col("retention_days") >= end
    return rows.with_columns(
        pl.when(beyond)
        .then(pl.lit(end))
        .otherwise(pl.col("retention_days"))
        .alias("retention_days"),
        pl.when(beyond).then(0).otherwise(pl.col("retention_event")).alias("retention_event"),
    )


def _margins_shareable(rows: pl.DataFrame, covariate: str, small: int) -> bool:
    events = rows.group_by(covariate).agg(pl.col("retention_event").sum())["retention_event"]
    return not events.is_between(1, small - 1).any()


def _person_time(rows: pl.DataFrame, cuts: list[float]) -> pl.DataFrame:
    """Person-days per interval × pattern, whole days; patterns with none are not listed."""
    days = rows["retention_days"].to_numpy()
    frames = []
    for start, end in itertools.pairwise(cuts):
        exposed = np.clip(np.minimum(days, end) - start, 0, None)
        frames.append(
            rows.with_columns(
                pl.lit(start).alias("start_day"),
                pl.lit(None if end == OPEN else end, dtype=pl.Float64).alias("end_day"),
                pl.Series("person_days", exposed),
            ).filter(pl.col("person_days") > 0)
        )
    keys = list(PERSON_TIME_SCHEMA)[:-1]
    if not frames:
        return pl.DataFrame(schema=PERSON_TIME_SCHEMA)
    return (
        pl.concat(frames)
        .group_by(keys)
        .agg(pl.col("person_days").sum().round(0).cast(pl.Int64))
        .filter(pl.col("person_days") > 0)
        .sort(keys, nulls_last=True)
    )


def _event_margins(rows: pl.DataFrame, covariates: list[str]) -> pl.DataFrame:
    """Events of the compared courses by level of each shared covariate."""
    frames = [
        rows.group_by(c)
        .agg(pl.col("retention_event").sum().alias("events"))
        .select(pl.lit(c).alias("covariate"), pl.col(c).alias("level"), "events")
        for c in covariates
    ]
    if not frames:
        return pl.DataFrame(schema=MARGINS_SCHEMA)
    return pl.concat(frames).cast(MARGINS_SCHEMA).sort("covariate", "level")
