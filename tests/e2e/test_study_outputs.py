"""The study tables of a real run on a generated cohort: attrition against the generator's truth,
and the sensitivity cell of the run's own protocol against the run's own retention and Cox."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from tasks.analysis.disclosure import MASKED

pytestmark = pytest.mark.e2e
STUDY_FILES = ("attrition", "sequences", "competing_risks", "baseline", "sensitivity")


def _read(refreshed: dict, name: str) -> pl.DataFrame:
    return pl.read_csv(refreshed["root"] / "out" / "latest" / f"{name}.csv", infer_schema=False)


def test_attrition_counts_the_truths_failures_and_next_treatments(refreshed: dict) -> None:
    with (refreshed["truth"] / "jaki_failures.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    attrition = _read(refreshed, "attrition").filter(pl.col("scope") == "pooled")
    counts = dict(zip(attrition["name"], attrition["n"], strict=True))

    assert int(counts["failures"]) == len(truth)
    assert int(counts["next_treatments"]) == sum(r["strategy"] != "none" for r in truth)
    assert int(counts["kaplan_meier"]) == int(counts["next_treatments"])


def test_the_run_protocols_cell_of_the_grid_equals_the_runs_own_figures(refreshed: dict) -> None:
    grid = _read(refreshed, "sensitivity")
    assert len(grid) == 24
    run = grid.filter(pl.col("is_run_protocol") == "true").row(0, named=True)
    retention = _read(refreshed, "retention_summary").filter(
        (pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy")
    )
    cox = _read(refreshed, "cox").row(0, named=True)

    for arm in ("cycling", "switching"):
        row = retention.filter(pl.col("group") == arm).row(0, named=True)
        assert run[f"n_{arm}"] == row["n"]
        assert float(run[f"m9_{arm}_retention"]) == pytest.approx(float(row["m9_retention"]))
    # the grid's fast fit and robust errors give the run's Cox table (rounded to 4 places)
    for name in ("hazard_ratio", "ci95_low", "ci95_high"):
        column = name if name == "hazard_ratio" else f"hr_{name}"
        assert float(run[column]) == pytest.approx(float(cox[name]), abs=1e-4)
    assert grid["failures"].n_unique() > 1


def test_every_study_table_is_written_with_small_cells_masked(refreshed: dict) -> None:
    for name in STUDY_FILES:
        table = _read(refreshed, name)
        assert len(table) > 0, name
        for column in ("n", "events", "excluded", "ended_here", "failures"):
            if column in table.columns:
                # `<5` (primary) and `masked` (secondary suppression) hide a count.
                counts = [int(v) for v in table[column].drop_nulls() if v not in ("<5", MASKED)]
                assert not [c for c in counts if 1 <= c < 5], (name, column)
