"""Hand-built analysis rows: one failure followed by a next treatment per call; tables shared
with primary suppression alone."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure_control import primary
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.table_relations import small_estimates, table_cells


def failure(
    center: str = "alpha",
    strategy: str = "switching",
    days: int = 100,
    event: bool = True,
    *,
    index_jaki: str = "tofacitinib",
    next_target: str = "anti-TNF",
    age: int = 50,
    sex: str = "F",
    indication: str = "RA",
    prior_lines: int = 1,
    patient: int | None = None,
    next_stop_reason: str | None = None,
    censor_reason: str | None = None,
) -> dict:
    """One failure; each row is its own patient unless `patient` says otherwise. A next treatment
    that stopped (event) stopped for `next_stop_reason` (default inefficacy_secondary), one that
    did not was censored at `censor_reason` (default the data cut)."""
    has_next = strategy != "none"
    stopped = has_next and event
    return {
        "center_id": center,
        "patient_number": patient,
        "index_jaki": index_jaki,
        "stop_reason_class": "inefficacy_secondary",
        "strategy": strategy,
        "next_target": next_target if has_next else "none",
        "has_next": has_next,
        "days_to_next": 10 if has_next else None,
        "retention_days": days if has_next else None,
        "retention_event": event if has_next else None,
        "censor_reason": None if stopped or not has_next else censor_reason or "data_cut",
        "next_stop_reason_class": next_stop_reason or "inefficacy_secondary" if stopped else None,
        "age_at_start": age,
        "sex": sex,
        "indication": indication,
        "prior_advanced_lines": prior_lines,
    }


def failures(rows: list[dict]) -> pl.DataFrame:
    numbered = [
        {**row, "patient_number": row["patient_number"] or 1_000_000 + i}
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(
        numbered,
        schema_overrides={
            "retention_days": pl.Int32,
            "patient_number": pl.Int64,
            "censor_reason": pl.Utf8,
            "next_stop_reason_class": pl.Utf8,
        },
    )


def jaki_course(
    center: str = "alpha",
    jaki: str = "tofacitinib",
    failed: bool = True,
    *,
    first_of_patient: bool = True,
    stop_reason: str | None = "adverse_event",
    indication: str = "RA",
    sex: str = "F",
    age: int = 50,
) -> dict:
    return {
        "center_id": center,
        "jaki": jaki,
        "status": "discontinued" if stop_reason else "ongoing",
        "stop_reason_class": stop_reason,
        "failure": failed,
        "indication": indication,
        "sex": sex,
        "age_at_start": age,
        "first_of_patient": first_of_patient,
    }


def inputs(failure_rows: list[dict], course_rows: list[dict]) -> AnalysisInputs:
    return AnalysisInputs(
        failures=failures(failure_rows),
        jaki_courses=pl.DataFrame(course_rows),
        data_cuts=pl.DataFrame({"center_id": ["alpha"], "data_cut_date": ["2026-01-31"]}),
        run_id="run-1",
        built_at="2026-02-01 03:00:00",
    )


def primary_only(exact: dict[str, pl.DataFrame], protocol: Protocol) -> dict:
    """The tables as shared with primary suppression alone (as before issue 13's secondary)."""
    cells = table_cells(protocol)
    counts = {c: v for name, f in exact.items() for c, v in cells[name].counts_of(f).items()}
    first = primary(counts, protocol.min_cell_count, small_estimates(exact, protocol))
    return {n: cells[n].share(f, first, protocol.min_cell_count) for n, f in exact.items()}
