"""The study tables and their report sections on registries with nothing, or one strategy, to
estimate: every table is written, nothing crashes, the report says why."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from jakreg.settings import DuckDBSettings
from tasks.analysis.inputs import read_inputs
from tasks.analysis.sensitivity import sensitivity_grid
from tasks.analysis.study_report import study_context
from tasks.analysis.study_tables import study_tables
from tasks.analysis.tables import shared_tables
from tests.unit.histories import Patient, build, registry_file

SMALL_GRID = Protocol(
    sensitivity_gap_days=(90,),
    sensitivity_window_days=(180,),
    sensitivity_failure_reasons=("with_unknown",),
)


def _tables(tmp_path: Path, *patients: Patient):
    con = build(*patients)
    inputs = read_inputs(con, "r", "b")
    registry = registry_file(con, tmp_path / "registry.duckdb")
    grid = sensitivity_grid(registry, SMALL_GRID, DuckDBSettings(threads=1))
    exact = study_tables(inputs, grid, SMALL_GRID)
    return inputs, shared_tables(inputs, SMALL_GRID, exact).study


def test_an_empty_registry_gives_every_table_and_a_grid_that_cannot_conclude(
    tmp_path: Path,
) -> None:
    inputs, tables = _tables(tmp_path)

    assert tables.attrition["n"].to_list() == ["0"] * 6
    assert tables.sequences.is_empty()
    assert tables.competing_risks["suppressed"].all()
    assert tables.sensitivity["cox_status"].to_list() == ["not estimated"]
    assert "gives no hazard ratio" in tables.sensitivity_conclusion
    context = study_context(tables, inputs, SMALL_GRID)
    assert context["sankey"] == ""
    assert "nothing to draw" in context["incidence_chart"].svg


def test_failures_followed_by_switching_only_give_no_comparison(tmp_path: Path) -> None:
    patients = [
        Patient(
            f"p{i}", [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 310, 400 + 10 * i)]
        )
        for i in range(6)
    ]
    _, tables = _tables(tmp_path, *patients)

    assert tables.baseline["smd"].is_null().all()
    sensitivity = tables.sensitivity.row(0, named=True)
    assert (sensitivity["n_cycling"], sensitivity["n_switching"]) == ("0", "6")
    assert sensitivity["m9_switching_retention"] is not None
    assert sensitivity["m9_cycling_retention"] is None
    switching = tables.competing_risks.filter(
        (pl.col("scope") == "pooled")
        & (pl.col("strategy") == "switching")
        & (pl.col("cause") == "failure")
    )
    # all 6 stopped: shown, or masked where it would give a small count back
    assert switching["events"].to_list() in (["6"], ["masked"])
