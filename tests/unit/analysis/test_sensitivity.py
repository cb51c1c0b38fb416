"""The sensitivity grid: a cell equals a full run made with that cell's protocol."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from jakreg.config import Protocol
from jakreg.settings import DuckDBSettings
from tasks.analysis.comparison import cox_table
from tasks.analysis.inputs import read_inputs
from tasks.analysis.retention import retention_summary
from tasks.analysis.sensitivity import cell_protocols, conclusion, sensitivity_grid
from tests.unit.histories import Patient, build, registry_file

GRID = Protocol(
    sensitivity_gap_days=(30, 90),
    sensitivity_window_days=(60, 180),
    sensitivity_failure_reasons=("with_unknown", "without_unknown"),
)


def _cohort() -> list[Patient]:
    """Forty failures followed by cycling or switching, with stops of every kind; the failed
    course of every third patient has a 60-day gap (two courses at a 30-day permissible gap) and
    every fourth next treatment starts 100 days after the failure (outside a 60-day window)."""
    patients = []
    for i in range(40):
        failed = [
            ("tofacitinib", 0, 150, "other"),
            ("tofacitinib", 210 if i % 3 == 0 else 160, 300),
        ]
        failed[-1] += ("unknown" if i % 4 == 3 else "inefficacy_secondary",)
        start = 400 if i % 4 == 0 else 320
        drug = "baricitinib" if i % 2 else "adalimumab"
        end = None if i % 5 == 0 else start + 40 * (i + 1) + (120 if drug == "adalimumab" else 0)
        reason = ("adverse_event", "remission", "unknown")[i % 3]
        sex = "M" if i % 3 == 1 else "F"
        patients.append(
            Patient(
                f"p{i:02d}",
                [*failed, (drug, start, end, reason)],
                birth=date(1940 + i, 1, 1),
                sex=sex,
            )
        )
    return patients


def test_a_cell_equals_a_full_run_made_with_that_cells_protocol(tmp_path: Path) -> None:
    registry = registry_file(build(*_cohort()), tmp_path / "registry.duckdb")

    grid = sensitivity_grid(registry, GRID, DuckDBSettings(threads=1))

    assert len(grid) == 8
    cells = cell_protocols(GRID)
    # Every cell: those derived from their gap's widest build (a shorter window, fewer failure
    # reasons) as well as those equal to it.
    for cell in cells:
        full = read_inputs(build(*_cohort(), protocol=cell), "r", "b")
        rows = full.next_treatments
        summary = retention_summary(rows, cell).filter(
            (pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy")
        )
        cox = cox_table(rows, cell).row(0, named=True)
        reasons = "with_unknown" if "unknown" in cell.failure_reasons else "without_unknown"
        got = grid.filter(
            (pl.col("permissible_gap_days") == cell.permissible_gap_days)
            & (pl.col("next_treatment_window_days") == cell.next_treatment_window_days)
            & (pl.col("failure_reasons") == reasons)
        ).row(0, named=True)
        assert got["failures"] == len(full.failures)
        for arm in ("cycling", "switching"):
            expected = summary.filter(pl.col("group") == arm).row(0, named=True)
            assert got[f"n_{arm}"] == expected["n"]
            assert got[f"m9_{arm}_retention"] == pytest.approx(expected["m9_retention"], abs=1e-4)
            assert got[f"m9_{arm}_ci95_low"] == pytest.approx(expected["m9_ci95_low"], abs=1e-4)
        # the grid's fast fit and robust errors agree with the run's table (rounded to 4 places)
        assert got["cox_status"] == cox["status"]
        for name in ("hazard_ratio", "ci95_low", "ci95_high"):
            column = name if name == "hazard_ratio" else f"hr_{name}"
            assert got[column] == pytest.approx(cox[name], abs=1e-4)
        assert got["is_run_protocol"] == (
            cell.permissible_gap_days == 90
            and reasons == "with_unknown"
            and cell.next_treatment_window_days == 180
        )
    # The cells differ, so the protocol did reach the models.
    assert grid["failures"].n_unique() > 1
    assert grid["n_switching"].n_unique() > 1
    assert (grid["cox_status"] == "estimated").sum() > 1


def test_the_run_protocol_cell_is_marked_and_the_conclusion_says_whether_it_holds() -> None:
    def row(hr: float, low: float, high: float, run: bool = False) -> dict:
        return {
            "is_run_protocol": run,
            "hazard_ratio": hr,
            "hr_ci95_low": low,
            "hr_ci95_high": high,
            "cox_status": "estimated",
        }

    holds = pl.DataFrame([row(0.7, 0.6, 0.8, run=True), row(0.8, 0.7, 0.9)])
    assert conclusion(holds).startswith("The conclusion holds across the grid: in all 2 cells")
    breaks = pl.DataFrame([row(0.7, 0.6, 0.8, run=True), row(0.9, 0.7, 1.1), row(1.2, 1.1, 1.3)])
    assert "in only 1 of the 3 cells" in conclusion(breaks)


def test_the_grid_lists_cells_by_gap_then_failure_reasons_then_window() -> None:
    cells = [
        (c.permissible_gap_days, c.failure_reasons[-1], c.next_treatment_window_days)
        for c in cell_protocols(GRID)
    ]
    assert cells[:3] == [(30, "unknown", 60), (30, "unknown", 180), (30, "other", 60)]
