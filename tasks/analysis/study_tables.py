"""The analyses beside retention: attrition, treatment sequences, competing risks, baseline by
strategy and the sensitivity grid, written to the run folder with the shared tables' rules.

Files: `attrition.csv`, `sequences.csv`, `competing_risks.csv`, `baseline.csv`,
`sensitivity.csv`; the report shows them (templates/study_*.html.j2).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from jakreg.settings import DuckDBSettings
from jakreg.time_limits import ANALYSIS_SECONDS
from tasks.analysis.attrition import attrition_table, shared_attrition_table
from tasks.analysis.baseline import baseline_table, shared_baseline_table
from tasks.analysis.competing_risks import competing_risks_table, shared_competing_risks_table
from tasks.analysis.disclosure import write_shared_csv
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.sensitivity import conclusion, sensitivity_grid, shared_sensitivity_grid
from tasks.analysis.sequences import sequences_table


@dataclass(frozen=True)
class StudyTables:
    """Each table as it may be shared, the grid's one-sentence verdict, and what each cost."""

    attrition: pl.DataFrame
    sequences: pl.DataFrame
    competing_risks: pl.DataFrame
    baseline: pl.DataFrame
    sensitivity: pl.DataFrame
    sensitivity_conclusion: str
    seconds: dict[str, float] = field(default_factory=dict)


def study_tables(
    inputs: AnalysisInputs, database: Path, protocol: Protocol, settings: DuckDBSettings
) -> StudyTables:
    """Every table of this module, shareable, with the seconds each took."""
    seconds: dict[str, float] = {}

    def timed(name: str, compute):
        started = time.perf_counter()
        value = compute()
        seconds[name] = round(time.perf_counter() - started, 2)
        return value

    rows = inputs.next_treatments
    grid = timed("sensitivity", lambda: sensitivity_grid(database, protocol, settings))
    return StudyTables(
        attrition=timed(
            "attrition", lambda: shared_attrition_table(attrition_table(inputs), protocol)
        ),
        sequences=timed("sequences", lambda: sequences_table(inputs.sequences, protocol)),
        competing_risks=timed(
            "competing_risks",
            lambda: shared_competing_risks_table(competing_risks_table(rows, protocol), protocol),
        ),
        baseline=timed(
            "baseline", lambda: shared_baseline_table(baseline_table(inputs.failures), protocol)
        ),
        sensitivity=shared_sensitivity_grid(grid, protocol),
        sensitivity_conclusion=conclusion(grid),
        seconds=seconds,
    )


@task(name="write-study-tables", cache_policy=NO_CACHE, timeout_seconds=ANALYSIS_SECONDS)
def write_study_tables(
    inputs: AnalysisInputs,
    database: Path,
    run_folder: Path,
    protocol: Protocol,
    settings: DuckDBSettings,
) -> StudyTables:
    """Computes the tables on the registry `database` and writes them into `run_folder`."""
    tables = study_tables(inputs, database, protocol, settings)
    for name in ("attrition", "sequences", "competing_risks", "baseline", "sensitivity"):
        write_shared_csv(getattr(tables, name), run_folder / f"{name}.csv")
    get_run_logger().info("study tables computed in %s seconds", tables.seconds)
    return tables
