"""The run's shared tables: computed from the registry, small counts shown as `<min_cell_count`
and the estimates of small counts withheld (see `tasks/analysis/disclosure_control.py`), written
to the run folder as `retention_summary.csv` (+ `.parquet`), `descriptive.csv`, `logrank.csv`,
`cox.csv`, and when given the study tables of `tasks/analysis/study_tables.py`, protected together
with them (`attrition.csv`, `sequences.csv`, `competing_risks.csv`, `baseline.csv`,
`sensitivity.csv`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from tasks.analysis.comparison import cox_table, logrank_table
from tasks.analysis.descriptive import descriptive_table
from tasks.analysis.disclosure import write_shared_csv
from tasks.analysis.disclosure_attack import Cell
from tasks.analysis.inputs import AnalysisInputs, load_inputs
from tasks.analysis.retention import POOLED, retention_summary
from tasks.analysis.secondary_suppression import protect_frames
from tasks.analysis.study_tables import StudyTables
from tasks.analysis.table_relations import (
    COX,
    DESCRIPTIVE,
    LOGRANK,
    RETENTION,
    run_relations,
    small_estimates,
    table_cells,
)

RETENTION_SUMMARY = RETENTION


@dataclass(frozen=True)
class SharedTables:
    """Every table as it may be shared (counts masked, small-group estimates withheld)."""

    retention: pl.DataFrame
    descriptive: pl.DataFrame
    logrank: pl.DataFrame
    cox: pl.DataFrame
    study: StudyTables | None = None

    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table by its file name."""
        own = {RETENTION: self.retention, DESCRIPTIVE: self.descriptive, LOGRANK: self.logrank}
        return {**own, COX: self.cox, **(self.study.frames() if self.study else {})}


@task(name="load-analysis-inputs")
def load_analysis_inputs(database: Path) -> AnalysisInputs:
    """The analysis rows of the published registry (no patient keys)."""
    return load_inputs(database)


def shared_tables(
    inputs: AnalysisInputs, protocol: Protocol, study: StudyTables | None = None
) -> SharedTables:
    """The run's tables and the exact `study` tables, protected together."""
    rows = inputs.next_treatments
    shared = protect_tables(
        {
            RETENTION: retention_summary(rows, protocol),
            DESCRIPTIVE: descriptive_table(inputs, protocol),
            LOGRANK: logrank_table(rows, protocol),
            COX: cox_table(rows, protocol),
            **(study.frames() if study else {}),
        },
        protocol,
    )
    return SharedTables(
        retention=shared[RETENTION],
        descriptive=shared[DESCRIPTIVE],
        logrank=shared[LOGRANK],
        cox=shared[COX],
        study=study.replaced(shared) if study else None,
    )


def protect_tables(exact: dict[str, pl.DataFrame], protocol: Protocol) -> dict[str, pl.DataFrame]:
    """The run's tables (exact, by name) as they may leave the registry: primary suppression,
    then secondary suppression (`tasks.analysis.secondary_suppression`), then the attacker on
    the shared tables; if it still recovers a small count, `DisclosureError`."""
    return protect_frames(
        exact,
        table_cells(protocol),
        lambda frames: run_relations(frames, protocol),
        protocol.min_cell_count,
        small_estimates(exact, protocol),
        _scope_weight,
    )


def _scope_weight(cell: Cell) -> float:
    """Hiding the pooled scope's figures, the registry's headline, costs twice a center's."""
    return 2.0 if cell[1][:1] == (POOLED,) else 1.0


@task(name="write-analysis-tables", cache_policy=NO_CACHE)
def write_analysis_tables(
    inputs: AnalysisInputs, run_folder: Path, protocol: Protocol, study: StudyTables | None = None
) -> SharedTables:
    """Computes the shared tables (with the exact `study` tables) and writes them into
    `run_folder`."""
    tables = shared_tables(inputs, protocol, study)
    for name, frame in tables.frames().items():
        write_shared_csv(frame, run_folder / f"{name}.csv")
    tables.retention.write_parquet(run_folder / f"{RETENTION_SUMMARY}.parquet")
    return tables
