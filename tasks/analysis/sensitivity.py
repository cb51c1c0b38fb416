"""The sensitivity grid: the study re-run over the protocol choices nobody can check by eye.

Each cell is the protocol with one permissible gap, one next-treatment window and failure reasons
with or without `unknown` (`sensitivity_*` parameters of jakreg.config.Protocol). Per gap, the
intermediate and mart models the failures are read from (not the sequences) are built once on
the registry's staging tables, in one in-memory DuckDB (the staged data is read, never staged
again), with the gap's longest window and every failure reason of its cells; each of the gap's
cells is then derived from those failures (`cell_failures`), as the models would give them with
the cell's own protocol. Each cell gives the failures, the next treatments by strategy, the
9-month Kaplan–Meier retention of cycling and switching with its 95% CI, and the adjusted hazard
ratio of the run's Cox model with its patient-clustered robust 95% CI
(tasks/analysis/comparison.py: same rows, covariates and strata), fitted by
tasks/analysis/cox_efron.py and without the proportional-hazards test, which the run's own table
gives. Each gap's cells are fitted on a second thread while DuckDB builds the next gap.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from jakreg.config import STOP_REASON_CLASSES, Protocol
from jakreg.settings import DuckDBSettings
from tasks import sql_models
from tasks.analysis.comparison import COMPARED, ESTIMATED, switching_hazard_ratio
from tasks.analysis.inputs import FAILURES_MARTS, read_failures
from tasks.analysis.kaplan_meier import estimate_retention
from tasks.registry import database as db
from tasks.registry.build_center import registry_models

RETENTION_MONTHS = 9
SCHEMA = {
    "permissible_gap_days": pl.Int64,
    "next_treatment_window_days": pl.Int64,
    "failure_reasons": pl.Utf8,
    "is_run_protocol": pl.Boolean,
    "failures": pl.Int64,
    **{f"n_{arm}": pl.Int64 for arm in COMPARED},
    **{
        f"m{RETENTION_MONTHS}_{arm}_{name}": pl.Float64
        for arm in COMPARED
        for name in ("retention", "ci95_low", "ci95_high")
    },
    "hazard_ratio": pl.Float64,
    "hr_ci95_low": pl.Float64,
    "hr_ci95_high": pl.Float64,
    "cox_status": pl.Utf8,
    "seconds": pl.Float64,
}


def cell_protocols(protocol: Protocol) -> list[Protocol]:
    """The grid's protocols, ordered so that consecutive cells share the most models."""
    return [
        dataclasses.replace(
            protocol,
            permissible_gap_days=gap,
            next_treatment_window_days=window,
            failure_reasons=_failure_reasons(protocol.failure_reasons, variant),
        )
        for gap, variant, window in itertools.product(
            protocol.sensitivity_gap_days,
            protocol.sensitivity_failure_reasons,
            protocol.sensitivity_window_days,
        )
    ]


def _failure_reasons(reasons: tuple[str, ...], variant: str) -> tuple[str, ...]:
    wanted = set(reasons) | {"unknown"} if variant == "with_unknown" else set(reasons) - {"unknown"}
    return tuple(reason for reason in STOP_REASON_CLASSES if reason in wanted)


def sensitivity_grid(database: Path, protocol: Protocol, settings: DuckDBSettings) -> pl.DataFrame:
    """Every cell of the grid on the registry `database`'s staging tables (exact counts)."""
    models = sql_models.upstream_of(registry_models(), FAILURES_MARTS)
    cells = cell_protocols(protocol)
    built_with: dict = {}
    gaps = []
    # One DuckDB thread: the builds are short, and a second thread costs more CPU than it saves
    # (13.0 against 15.6 CPU s for the four gaps' builds at 100,000 patients). Instead, the
    # cells of a gap (Kaplan–Meier and Cox fits in numpy and polars, which release the GIL) are
    # computed on a second thread while DuckDB builds the next gap.
    with (
        dataclasses.replace(settings, threads=1).connect(alone=True) as con,
        ThreadPoolExecutor(max_workers=1) as fits,
    ):
        literal = "'" + str(database).replace("'", "''") + "'"
        db.run(con, f"attach {literal} as registry (read_only)")
        db.run(con, "create schema staging")
        read = {reference for model in models for reference in model.references}
        for table in sorted(t for t in read if t.startswith("staging.")):
            db.run(con, f"create view {table} as select * from registry.{table}")
        for gap in protocol.sensitivity_gap_days:
            started = time.perf_counter()
            of_gap = [cell for cell in cells if cell.permissible_gap_days == gap]
            widest = widest_protocol(of_gap)
            sql_models.rerun_changed_models(con, models, widest.sql_parameters(), built_with)
            failures = read_failures(con)
            build_share = (time.perf_counter() - started) / len(of_gap)
            gaps.append(fits.submit(_gap_records, failures, of_gap, protocol, build_share))
        records = [record for gap in gaps for record in gap.result()]
    return pl.DataFrame(records, schema=SCHEMA)


def _gap_records(
    failures: pl.DataFrame, cells: list[Protocol], protocol: Protocol, build_share: float
) -> list[dict]:
    """The records of one gap's `cells` from its widest build's `failures`; each cell's seconds
    count its share of the build."""
    records = []
    for cell in cells:
        started = time.perf_counter()
        record = cell_record(cell_failures(failures, cell), cell, _same_study(cell, protocol))
        seconds = build_share + time.perf_counter() - started
        records.append({**record, "seconds": round(seconds, 2)})
    return records


def widest_protocol(cells: list[Protocol]) -> Protocol:
    """One gap's cells as one build: the longest window and every failure reason of any cell."""
    reasons = {reason for cell in cells for reason in cell.failure_reasons}
    return dataclasses.replace(
        cells[0],
        next_treatment_window_days=max(cell.next_treatment_window_days for cell in cells),
        failure_reasons=tuple(r for r in STOP_REASON_CLASSES if r in reasons),
    )


def cell_failures(widest: pl.DataFrame, cell: Protocol) -> pl.DataFrame:
    """A cell's failures from those of its gap's widest build (`widest_protocol`), as the models
    would give them with the cell's own protocol: a failure's reason is one of the cell's
    `failure_reasons` (no other failure changes with that set), and a next treatment starting
    more than the cell's window after the failure is none (the first course within the widest
    window is the first within a shorter one, or there is none)."""
    beyond = (pl.col("days_to_next") > cell.next_treatment_window_days).fill_null(False)
    dropped = ("retention_days", "retention_event", "censor_reason", "next_stop_reason_class")
    return (
        widest.filter(pl.col("stop_reason_class").is_in(list(cell.failure_reasons)))
        .with_columns(
            pl.when(beyond).then(pl.lit("none")).otherwise(pl.col(c)).alias(c)
            for c in ("strategy", "next_target")
        )
        .with_columns(
            (pl.col("has_next") & ~beyond).alias("has_next"),
            *(pl.when(beyond).then(None).otherwise(pl.col(c)).alias(c) for c in dropped),
        )
    )


def _same_study(cell: Protocol, protocol: Protocol) -> bool:
    return (
        cell.permissible_gap_days == protocol.permissible_gap_days
        and cell.next_treatment_window_days == protocol.next_treatment_window_days
        and set(cell.failure_reasons) == set(protocol.failure_reasons)
    )


def cell_record(failures: pl.DataFrame, cell: Protocol, is_run_protocol: bool) -> dict:
    """One cell's figures from its failures (columns of tasks/analysis/inputs.py)."""
    rows = failures.filter(pl.col("has_next"))
    record: dict = {
        "permissible_gap_days": cell.permissible_gap_days,
        "next_treatment_window_days": cell.next_treatment_window_days,
        "failure_reasons": "with_unknown"
        if "unknown" in cell.failure_reasons
        else "without_unknown",
        "is_run_protocol": is_run_protocol,
        "failures": len(failures),
    }
    for arm in COMPARED:
        members = rows.filter(pl.col("strategy") == arm)
        record[f"n_{arm}"] = len(members)
        if len(members) < cell.min_cell_count:
            continue
        estimate = estimate_retention(
            members["retention_days"].to_numpy(),
            members["retention_event"].to_numpy().astype(int),
            (RETENTION_MONTHS,),
            cell.month_days,
        )
        point = estimate.at[0]
        for name in ("retention", "ci95_low", "ci95_high"):
            record[f"m{RETENTION_MONTHS}_{arm}_{name}"] = round(getattr(point, name), 4)
    cox = switching_hazard_ratio(rows, cell)
    for name in ("hazard_ratio", "ci95_low", "ci95_high"):
        column = name if name == "hazard_ratio" else f"hr_{name}"
        record[column] = round(cox[name], 4) if name in cox else None
    record["cox_status"] = cox["status"]
    return record


def conclusion(grid: pl.DataFrame) -> str:
    """One sentence: does the run's answer (direction of the hazard ratio, and whether its 95% CI
    excludes 1) hold in every cell of the grid?"""
    run = grid.filter(pl.col("is_run_protocol"))
    estimated = grid.filter(pl.col("cox_status") == ESTIMATED)
    cells = len(grid)
    if run.is_empty() or run["cox_status"][0] != ESTIMATED:
        return (
            f"The run's own protocol gives no hazard ratio to compare, so the grid's {cells} cells "
            f"({len(estimated)} with an estimate) cannot confirm or refute a conclusion."
        )
    finding = _finding(run.row(0, named=True))
    agreeing = [row for row in estimated.iter_rows(named=True) if _finding(row) == finding]
    if len(agreeing) == cells:
        return (
            f"The conclusion holds across the grid: in all {cells} cells switching vs cycling "
            f"{finding}."
        )
    return (
        f"The conclusion depends on the protocol: switching vs cycling {finding} with the run's "
        f"protocol, but in only {len(agreeing)} of the {cells} cells of the grid "
        f"({cells - len(estimated)} without an estimate)."
    )


def _finding(row: dict) -> str:
    direction = "lower" if row["hazard_ratio"] < 1 else "higher"
    excludes_one = row["hr_ci95_high"] < 1 or row["hr_ci95_low"] > 1
    certainty = "its 95% CI excluding 1" if excludes_one else "its 95% CI including 1"
    return f"has a {direction} hazard of stopping the next treatment ({certainty})"
