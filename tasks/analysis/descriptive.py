"""The study's descriptive table, pooled and per center.

Long format, one row per scope × section × item: a count `n`, its denominator `of` and the share
`percent` (the failure rate, for failures by drug). Indication and sex are counted per patient
(each patient's first JAK-inhibitor course); everything else per course or per failure. Age at
start is summarised as median (interquartile range) of the JAK-inhibitor courses.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.retention import POOLED

STRATEGY_ORDER = ("cycling", "switching", "retreatment", "none")
SECTIONS = {
    "jaki_courses_by_drug": "JAK-inhibitor courses by drug",
    "failures_by_drug": "Failures by drug (percent = failure rate of that drug)",
    "stop_reason": "Stop reason of discontinued JAK-inhibitor courses",
    "indication": "Indication (patients)",
    "sex": "Sex (patients)",
    "age_at_start": "Age at start of the JAK-inhibitor course, years: median (IQR)",
    "strategy_after_failure": "Strategy after a JAK-inhibitor failure",
    "switching_target_class": "Switching after failure, by target class of the next treatment",
}
SCHEMA = {
    "scope": pl.Utf8,
    "section": pl.Utf8,
    "item": pl.Utf8,
    "n": pl.Int64,
    "of": pl.Int64,
    "percent": pl.Float64,
    "summary": pl.Utf8,
}


def scope_filters(inputs: AnalysisInputs) -> list[tuple[str, pl.Expr]]:
    """The pooled scope, then each center with a JAK-inhibitor course: a name and a filter."""
    centers = sorted(inputs.jaki_courses["center_id"].unique().to_list())
    return [(POOLED, pl.lit(True))] + [(c, pl.col("center_id") == c) for c in centers]


def descriptive_table(inputs: AnalysisInputs, protocol: Protocol) -> pl.DataFrame:
    """Exact counts (internal; `tasks.analysis.tables` protects them for sharing). An age summary
    of fewer than `min_cell_count` courses is withheld."""
    records = []
    for scope, where in scope_filters(inputs):
        courses = inputs.jaki_courses.filter(where)
        failures = inputs.failures.filter(where)
        records += [{"scope": scope, **row} for row in _scope_rows(courses, failures)]
    table = pl.DataFrame(records, schema=SCHEMA)
    few = pl.col("n") < protocol.min_cell_count
    return table.with_columns(pl.when(few).then(None).otherwise(pl.col("summary")).alias("summary"))


def _scope_rows(courses: pl.DataFrame, failures: pl.DataFrame) -> Iterator[dict]:
    patients = courses.filter(pl.col("first_of_patient"))
    discontinued = courses.filter(pl.col("status") == "discontinued")
    yield from _shares("jaki_courses_by_drug", courses, "jaki")
    yield from _failure_rates(courses)
    yield from _shares("stop_reason", discontinued, "stop_reason_class")
    yield from _shares("indication", patients, "indication")
    yield from _shares("sex", patients, "sex")
    yield _age_summary(courses)
    yield from _shares("strategy_after_failure", failures, "strategy", STRATEGY_ORDER)
    switching = failures.filter(pl.col("strategy") == "switching")
    yield from _shares("switching_target_class", switching, "next_target")


def _shares(
    section: str, rows: pl.DataFrame, column: str, order: tuple[str, ...] = ()
) -> Iterator[dict]:
    """Counts of each value of `column` with their share of all rows; most frequent first, or
    in `order` (every value of `order` is listed, even when none)."""
    counts = dict(rows.group_by(column).len().iter_rows())
    items = list(order) or sorted(counts, key=lambda item: (-counts[item], str(item)))
    total = len(rows)
    for item in items:
        n = counts.get(item, 0)
        yield _row(section, "missing" if item is None else str(item), n, total)


def _failure_rates(courses: pl.DataFrame) -> Iterator[dict]:
    by_drug = courses.group_by("jaki").agg(
        pl.len().alias("courses"), pl.col("failure").sum().alias("failures")
    )
    for drug, n_courses, n_failures in sorted(by_drug.iter_rows(), key=lambda r: (-r[1], r[0])):
        yield _row("failures_by_drug", drug, n_failures, n_courses)
    yield _row("failures_by_drug", "all", int(courses["failure"].sum()), len(courses))


def _age_summary(courses: pl.DataFrame) -> dict:
    ages = courses["age_at_start"].drop_nulls()
    row = {"section": "age_at_start", "item": "median (IQR)", "n": len(ages), "of": len(courses)}
    if len(ages) == 0:
        return {**row, "percent": None, "summary": None}
    q1, median, q3 = (ages.quantile(q, interpolation="linear") for q in (0.25, 0.5, 0.75))
    return {**row, "percent": None, "summary": f"{median:.1f} ({q1:.1f}–{q3:.1f})"}


def _row(section: str, item: str, n: int, of: int) -> dict:
    percent = round(100 * n / of, 1) if of else None
    return {"section": section, "item": item, "n": n, "of": of, "percent": percent, "summary": None}
