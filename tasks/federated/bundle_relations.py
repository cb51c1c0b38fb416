"""The counts of an aggregate bundle as cells of issue 13's attacker, with what links them.

A bundle's cells are named per center (`<center>:attrition`, `<center>:life_tables`,
`<center>:event_margins`; the descriptive table carries the center as its scope), so several
bundles and the run's own tables can be attacked together. What an attacker knows between them:

- the descriptive table's relations (`tasks.analysis.table_relations`);
- the events by level of each covariate add up to the events of the compared strategies' life
  tables (the margins are cut where the life tables end);
- the attrition steps only shrink from the courses on (patients are at most the courses), and
  each is a count of the descriptive table: courses, failures,
  patients (the sex section's total), failures with a next treatment (cycling, switching and
  retreatment), and cycling or switching ones;
- a strategy's life-table events are at most its failures with that strategy.

`protect_bundle` masks a bundle's descriptive and attrition counts by the run's rules
(`tasks.analysis.secondary_suppression.protect_frames`); life tables and margins stay as they are
(their counts are at least `min_cell_count` or 0 by construction, and pooling needs them).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure_attack import Cell, Relation, at_most, sums_to
from tasks.analysis.disclosure_control import TableCells
from tasks.analysis.secondary_suppression import protect_frames
from tasks.analysis.table_relations import (
    DESCRIPTIVE,
    run_relations,
    small_estimates,
    table_cells,
)
from tasks.federated.aggregates import COMPARED, CenterAggregates

ATTRITION = "attrition"
LIFE_TABLES = "life_tables"
EVENT_MARGINS = "event_margins"
PATIENTS = "patients with a JAK-inhibitor course"
COURSES = "JAK-inhibitor courses"
FAILURES = "JAK-inhibitor failures"
WITH_NEXT = "failures with a next treatment (retention rows)"
COMPARED_NEXT = "next treatments after cycling or switching"
ATTRITION_STEPS = (PATIENTS, COURSES, FAILURES, WITH_NEXT, COMPARED_NEXT)


def bundle_cells(center: str, protocol: Protocol) -> dict[str, TableCells]:
    return {
        DESCRIPTIVE: table_cells(protocol)[DESCRIPTIVE],
        ATTRITION: TableCells(f"{center}:{ATTRITION}", ("step",), ("n",), {}),
        LIFE_TABLES: TableCells(
            f"{center}:{LIFE_TABLES}", ("strategy", "start_day"), ("events",), {}
        ),
        EVENT_MARGINS: TableCells(
            f"{center}:{EVENT_MARGINS}", ("covariate", "level"), ("events",), {}
        ),
    }


def bundle_relations(
    frames: dict[str, pl.DataFrame], center: str, protocol: Protocol
) -> list[Relation]:
    """Every relation between the cells of one center's bundle tables (exact or as sent)."""
    cells = bundle_cells(center, protocol)
    life, margins = cells[LIFE_TABLES], cells[EVENT_MARGINS]
    attrition, descriptive = cells[ATTRITION], cells[DESCRIPTIVE]
    relations = run_relations({DESCRIPTIVE: frames[DESCRIPTIVE]}, protocol)
    life_keys = [key for key, _ in life.rows(frames[LIFE_TABLES])]
    compared = [life.cell(key, "events") for key in life_keys if key[0] in COMPARED]
    for _, levels in frames[EVENT_MARGINS].group_by("covariate"):
        parts = [margins.cell(key, "events") for key, _ in margins.rows(levels)]
        relations.append(_difference(parts, compared))

    def item(section: str, name: str, column: str = "n") -> Cell:
        return descriptive.cell((center, section, name), column)

    listed = {key for key, _ in descriptive.rows(frames[DESCRIPTIVE])}
    for strategy in COMPARED:
        events = [life.cell(key, "events") for key in life_keys if key[0] == strategy]
        if (center, "strategy_after_failure", strategy) in listed:
            relations.append(at_most(events, [item("strategy_after_failure", strategy)]))
    steps = {key[0]: attrition.cell(key, "n") for key, _ in attrition.rows(frames[ATTRITION])}
    if PATIENTS in steps and COURSES in steps:
        relations.append(at_most([steps[PATIENTS]], [steps[COURSES]]))
    for earlier, later in itertools.pairwise(s for s in ATTRITION_STEPS[1:] if s in steps):
        relations.append(at_most([steps[later]], [steps[earlier]]))
    strategies = {s: item("strategy_after_failure", s) for s in ("cycling", "switching")}
    sexes = [k for k, _ in descriptive.rows(frames[DESCRIPTIVE]) if k[:2] == (center, "sex")]
    known = {
        PATIENTS: [descriptive.cell(sexes[0], "of")] if sexes else None,
        COURSES: [item("failures_by_drug", "all", "of")],
        FAILURES: [item("failures_by_drug", "all")],
        WITH_NEXT: [*strategies.values(), item("strategy_after_failure", "retreatment")],
        COMPARED_NEXT: list(strategies.values()),
    }
    for step, parts in known.items():
        if step in steps and parts and all(cell[1] in listed for cell in parts):
            relations.append(sums_to(parts, steps[step]))
    return relations


def protect_bundle(
    center: str,
    descriptive: pl.DataFrame,
    attrition: pl.DataFrame,
    aggregates: CenterAggregates,
    protocol: Protocol,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The descriptive and attrition tables (exact) as the bundle may carry them."""
    cells = bundle_cells(center, protocol)
    shown_as_is = {cells[LIFE_TABLES].name, cells[EVENT_MARGINS].name}
    shared = protect_frames(
        {
            DESCRIPTIVE: descriptive,
            ATTRITION: attrition,
            LIFE_TABLES: aggregates.life_tables,
            EVENT_MARGINS: aggregates.event_margins,
        },
        cells,
        lambda frames: bundle_relations(frames, center, protocol),
        protocol.min_cell_count,
        small_estimates({DESCRIPTIVE: descriptive}, protocol),
        lambda cell: math.inf if cell[0] in shown_as_is else 1.0,
    )
    return shared[DESCRIPTIVE], shared[ATTRITION]


def read_bundle_tables(folder: Path) -> tuple[str, dict[str, pl.DataFrame]]:
    """A bundle's center and count tables as its files hold them (text counts)."""
    about = dict(pl.read_csv(folder / "about.csv", infer_schema_length=0).rows())
    frames = {
        name: pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)
        for name in (DESCRIPTIVE, ATTRITION, LIFE_TABLES, EVENT_MARGINS)
    }
    frames[DESCRIPTIVE] = frames[DESCRIPTIVE].with_columns(pl.col("percent").cast(pl.Float64))
    frames[LIFE_TABLES] = frames[LIFE_TABLES].with_columns(pl.col("start_day").cast(pl.Float64))
    return about["center"], frames


def _difference(parts: list[Cell], whole: list[Cell]) -> Relation:
    """Σ parts = Σ whole."""
    return Relation((*((c, 1.0) for c in parts), *((c, -1.0) for c in whole)), 0.0, 0.0)
