"""The analyses beside retention: attrition, treatment sequences, competing risks, baseline by
strategy and the sensitivity grid.

`study_tables` gives them exact (internal); `tasks.analysis.tables` protects them together with
the run's other tables (one suppression, every relation between them) and writes
`attrition.csv`, `sequences.csv`, `competing_risks.csv`, `baseline.csv`, `sensitivity.csv`; the
report shows them (templates/study_*.html.j2).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from jakreg.settings import DuckDBSettings
from tasks.analysis.attrition import attrition_table
from tasks.analysis.baseline import baseline_table
from tasks.analysis.competing_risks import competing_risks_table
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.sensitivity import conclusion, sensitivity_grid
from tasks.analysis.sequences import sequences_table
from tasks.analysis.study_relations import (
    ATTRITION,
    BASELINE,
    COMPETING_RISKS,
    SENSITIVITY,
    SEQUENCES,
)


@dataclass(frozen=True)
class StudyTables:
    """Each table (exact, or as shared once protected) and the grid's one-sentence verdict."""

    attrition: pl.DataFrame
    sequences: pl.DataFrame
    competing_risks: pl.DataFrame
    baseline: pl.DataFrame
    sensitivity: pl.DataFrame
    sensitivity_conclusion: str

    def frames(self) -> dict[str, pl.DataFrame]:
        """The tables by their file and disclosure name."""
        return {
            ATTRITION: self.attrition,
            SEQUENCES: self.sequences,
            COMPETING_RISKS: self.competing_risks,
            BASELINE: self.baseline,
            SENSITIVITY: self.sensitivity,
        }

    def replaced(self, frames: dict[str, pl.DataFrame]) -> StudyTables:
        """The same tables taken from `frames` (by name), e.g. as shared."""
        return dataclasses.replace(self, **{name: frames[name] for name in self.frames()})


@task(name="sensitivity-grid", cache_policy=NO_CACHE)
def run_sensitivity_grid(
    database: Path, protocol: Protocol, settings: DuckDBSettings
) -> pl.DataFrame:
    """The grid on the registry `database`'s staged data (exact counts)."""
    return sensitivity_grid(database, protocol, settings)


def study_tables(inputs: AnalysisInputs, grid: pl.DataFrame, protocol: Protocol) -> StudyTables:
    """Every study table, exact (internal), from the run's rows and the grid."""
    return StudyTables(
        attrition=attrition_table(inputs),
        sequences=sequences_table(inputs.sequences, protocol),
        competing_risks=competing_risks_table(inputs.next_treatments, protocol),
        baseline=baseline_table(inputs.failures),
        sensitivity=grid,
        sensitivity_conclusion=conclusion(grid),
    )
