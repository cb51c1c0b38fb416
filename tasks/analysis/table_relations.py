"""The cells of the run's shared tables and every relation between them that an attacker knows.

The relations hold whatever the data (see `tasks.analysis.disclosure_attack`); they are built from
the tables' keys and published estimates only, so the same functions serve the registry (on the
exact tables, to decide what to suppress) and a test (on the files a run published).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure_attack import (
    Cell,
    Relation,
    at_least_one,
    at_most,
    kaplan_meier_bounds,
    recovered,
    same,
    share_of,
    sums_to,
)
from tasks.analysis.disclosure_control import TableCells, merge_published
from tasks.analysis.retention import GROUPINGS, POOLED
from tasks.analysis.study_relations import study_relations, study_table_cells, study_withheld

RETENTION = "retention_summary"
DESCRIPTIVE = "descriptive"
LOGRANK = "logrank"
COX = "cox"
SHARE_SECTIONS = (
    "jaki_courses_by_drug",
    "stop_reason",
    "indication",
    "sex",
    "strategy_after_failure",
    "switching_target_class",
)
LISTS_EVERY_ITEM = ("strategy_after_failure",)  # every strategy is listed, also with none
ARM_COUNTS = ("n_cycling", "events_cycling", "n_switching", "events_switching")
ESTIMATE_DECIMALS = 4  # retention estimates are rounded to 4 decimals
PERCENT_DECIMALS = 1


def table_cells(protocol: Protocol) -> dict[str, TableCells]:
    months = protocol.retention_months
    by_month = tuple(f"m{m}_{what}" for m in months for what in ("at_risk", "events"))
    retention_counts = ("n", "events", *by_month)
    return {
        RETENTION: TableCells(
            RETENTION,
            ("scope", "group_by", "group"),
            retention_counts,
            {
                f"m{m}": tuple(f"m{m}_{e}" for e in ("retention", "ci95_low", "ci95_high"))
                for m in months
            },
        ),
        DESCRIPTIVE: TableCells(
            DESCRIPTIVE, ("scope", "section", "item"), ("n", "of"), {"percent": ("percent",)}
        ),
        LOGRANK: TableCells(LOGRANK, ("scope", "test"), ARM_COUNTS, {}),
        COX: TableCells(COX, ("term",), ("n", "events"), {}),
        **study_table_cells(protocol),
    }


def run_relations(frames: dict[str, pl.DataFrame], protocol: Protocol) -> list[Relation]:
    """Every relation between the cells of the run's tables (exact or as published); `frames`
    may hold some of the tables only (a federated bundle shares the descriptive table alone)."""
    cells = table_cells(protocol)
    relations = []
    if RETENTION in frames:
        relations += _retention_relations(frames[RETENTION], cells[RETENTION], protocol)
    if DESCRIPTIVE in frames:
        relations += _descriptive_relations(frames[DESCRIPTIVE], cells[DESCRIPTIVE])
    if {RETENTION, DESCRIPTIVE, LOGRANK, COX} <= frames.keys():
        relations += _comparison_relations(frames, cells)
    relations += study_relations(frames, cells, protocol)
    # a relation with a table that is not there says nothing of what is shown
    present = {cells[name].name for name in frames}
    return [r for r in relations if all(cell[0] in present for cell in r.cells)]


def recovered_from_published(
    frames: dict[str, pl.DataFrame], protocol: Protocol
) -> dict[Cell, int]:
    """The hidden counts an attacker works out from the run's tables as shared (text counts,
    e.g. read back from the CSV files)."""
    cells = table_cells(protocol)
    published = merge_published(
        cells[name].read_published(frame, protocol.min_cell_count) for name, frame in frames.items()
    )
    return recovered(published, run_relations(frames, protocol))


def read_shared_tables(folder: Path, protocol: Protocol) -> dict[str, pl.DataFrame]:
    """A run folder's shared tables as an outsider reads their CSV files: counts as text,
    estimates as numbers."""
    cells = table_cells(protocol)
    frames = {}
    for name, table in cells.items():
        frame = pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)
        estimates = [c for columns in table.estimates.values() for c in columns]
        # a text estimate (baseline's "mean (SD)") reads as empty: the attacker uses numbers only
        frames[name] = frame.with_columns(
            pl.col(c).cast(pl.Float64, strict=not c.endswith("_summary")) for c in estimates
        )
    return frames


def small_estimates(frames: dict[str, pl.DataFrame], protocol: Protocol) -> set:
    """Estimates never shown as exact values (primary rule): a retention estimate whose events or
    at-risk count at that time is from 1 to min − 1, a share whose count or denominator is."""
    cells = table_cells(protocol)

    def small(value: int | None) -> bool:
        return value is not None and 1 <= value < protocol.min_cell_count

    retention, descriptive = cells[RETENTION], cells[DESCRIPTIVE]
    # A bundle (docs/federated.md) shares some of the tables only.
    return (
        {
            retention.cell(key, f"m{m}")
            for key, row in retention.rows(frames.get(RETENTION, pl.DataFrame()))
            for m in protocol.retention_months
            if small(row[f"m{m}_at_risk"]) or small(row[f"m{m}_events"])
        }
        | {
            descriptive.cell(key, "percent")
            for key, row in descriptive.rows(frames.get(DESCRIPTIVE, pl.DataFrame()))
            if small(row["n"]) or small(row["of"])
        }
        | study_withheld(frames, protocol)
    )


def _retention_relations(frame: pl.DataFrame, t: TableCells, protocol: Protocol) -> Iterator:
    keys = [key for key, _ in t.rows(frame)]
    scopes = list(dict.fromkeys(key[0] for key in keys))
    for scope in scopes:
        overall = (scope, "overall", "all")
        for group_by in GROUPINGS[1:]:
            groups = [key for key in keys if key[:2] == (scope, group_by)]
            for column in t.counts:
                yield sums_to([t.cell(g, column) for g in groups], t.cell(overall, column))
        for column in t.counts:
            yield sums_to(
                [t.cell((scope, "strategy", s), column) for s in ("cycling", "retreatment")],
                t.cell((scope, "next_target", "JAKi"), column),
            )
    for key in keys:
        if key[0] == POOLED:
            centers = [(c, *key[1:]) for c in scopes if c != POOLED]
            for column in t.counts:
                yield sums_to([t.cell(c, column) for c in centers], t.cell(key, column))
    for key, row in t.rows(frame):
        if key[1] != "overall":  # a group is listed because it has courses
            yield at_least_one(t.cell(key, "n"))
        yield from _kaplan_meier_row(t, key, row, protocol)


def _kaplan_meier_row(t: TableCells, key: tuple, row: dict, protocol: Protocol) -> Iterator:
    n, events = t.cell(key, "n"), t.cell(key, "events")
    yield at_most([events], [n])
    previous = None
    for m in protocol.retention_months:
        at_risk, by_then = t.cell(key, f"m{m}_at_risk"), t.cell(key, f"m{m}_events")
        yield at_most([at_risk], [n])
        yield at_most([by_then], [events])
        yield at_most([events], [by_then, at_risk])  # events after t were followed at t
        if previous:
            yield at_most([at_risk], [previous[0]])
            yield at_most([previous[1]], [by_then])
        previous = (at_risk, by_then)
        days = m * protocol.month_days
        # with whole days and t between two days, "at risk at t" is "followed beyond t"
        beyond_t = days != int(days)
        if beyond_t:
            yield at_most([at_risk, by_then], [n])
        survival = row[f"m{m}_retention"]
        if survival is not None:
            bounds = kaplan_meier_bounds(
                n, by_then, at_risk, survival, ESTIMATE_DECIMALS, t.cell(key, f"m{m}")
            )
            yield from bounds if beyond_t else bounds[:1]


def _descriptive_relations(frame: pl.DataFrame, t: TableCells) -> Iterator:
    rows = list(t.rows(frame))
    keys = [key for key, _ in rows]
    scopes = list(dict.fromkeys(key[0] for key in keys))

    def items(scope: str, section: str) -> list[tuple]:
        return [key for key in keys if key[:2] == (scope, section)]

    for key in keys:  # an item is listed because it occurs, except the fixed strategy list
        if key[1] in SHARE_SECTIONS and key[1] not in LISTS_EVERY_ITEM:
            yield at_least_one(t.cell(key, "n"))
        elif key[1] == "failures_by_drug" and key[2] != "all":
            yield at_least_one(t.cell(key, "of"))
    for scope in scopes:
        totals = {}
        for section in SHARE_SECTIONS:
            section_items = items(scope, section)
            if not section_items:
                continue
            total = t.cell(section_items[0], "of")
            totals[section] = total
            yield sums_to([t.cell(k, "n") for k in section_items], total)
            for k in section_items[1:]:
                yield same(t.cell(k, "of"), total)
        drugs = [k for k in items(scope, "failures_by_drug") if k[2] != "all"]
        every = (scope, "failures_by_drug", "all")
        for column in ("n", "of"):
            yield sums_to([t.cell(k, column) for k in drugs], t.cell(every, column))
        for k in drugs:
            yield at_most([t.cell(k, "n")], [t.cell(k, "of")])
            yield same(t.cell(k, "of"), t.cell((scope, "jaki_courses_by_drug", k[2]), "n"))
        for age in items(scope, "age_at_start"):
            yield at_most([t.cell(age, "n")], [t.cell(age, "of")])
            if "jaki_courses_by_drug" in totals:
                yield same(t.cell(age, "of"), totals["jaki_courses_by_drug"])
        if "jaki_courses_by_drug" in totals:
            yield same(t.cell(every, "of"), totals["jaki_courses_by_drug"])
        if "strategy_after_failure" in totals:
            yield same(t.cell(every, "n"), totals["strategy_after_failure"])
        if "stop_reason" in totals:
            yield at_most([t.cell(every, "n")], [totals["stop_reason"]])
        if "indication" in totals and "sex" in totals:
            yield same(totals["indication"], totals["sex"])
        if "switching_target_class" in totals:
            switching = (scope, "strategy_after_failure", "switching")
            yield same(t.cell(switching, "n"), totals["switching_target_class"])
    centers = [c for c in scopes if c != POOLED]
    for key in keys:
        if key[0] == POOLED:
            # a share's denominator is its section's total, also where the item is absent
            columns = ("n",) if key[1] in SHARE_SECTIONS else t.counts
            for column in columns:
                parts = [t.cell((c, *key[1:]), column) for c in centers]
                yield sums_to(parts, t.cell(key, column))
    for section in SHARE_SECTIONS:
        pooled = items(POOLED, section)
        if pooled:
            parts = [t.cell(items(c, section)[0], "of") for c in centers if items(c, section)]
            yield sums_to(parts, t.cell(pooled[0], "of"))
    for key, row in rows:
        if row["percent"] is not None:
            yield from share_of(
                t.cell(key, "n"),
                t.cell(key, "of"),
                row["percent"],
                PERCENT_DECIMALS,
                t.cell(key, "percent"),
            )


def _comparison_relations(frames: dict[str, pl.DataFrame], cells: dict[str, TableCells]):
    retention, descriptive = cells[RETENTION], cells[DESCRIPTIVE]
    logrank, cox = cells[LOGRANK], cells[COX]
    for key, _ in logrank.rows(frames[LOGRANK]):
        for strategy in ("cycling", "switching"):
            group = (key[0], "strategy", strategy)
            yield same(logrank.cell(key, f"n_{strategy}"), retention.cell(group, "n"))
            yield same(logrank.cell(key, f"events_{strategy}"), retention.cell(group, "events"))
    for key, _ in descriptive.rows(frames[DESCRIPTIVE]):
        scope, section, item = key
        if section == "strategy_after_failure" and item != "none":
            yield same(descriptive.cell(key, "n"), retention.cell((scope, "strategy", item), "n"))
        if section == "switching_target_class":
            group = (scope, "next_target", item)
            yield same(descriptive.cell(key, "n"), retention.cell(group, "n"))
    compared = [(POOLED, "strategy", s) for s in ("cycling", "switching")]
    for key, _ in cox.rows(frames[COX]):
        for column in ("n", "events"):
            yield at_most([cox.cell(key, column)], [retention.cell(c, column) for c in compared])
