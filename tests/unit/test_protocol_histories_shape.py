"""The hand-built staging tables of tests.unit.histories have the staging layer's exact shape,
so the protocol tests feed the models what a real center's staged extract feeds them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import load_centers
from jakreg.settings import DuckDBSettings
from jakreg.simulate import simulate
from tasks.extract.stage_center import stage_center
from tasks.registry import database
from tests.unit.histories import Patient, build

TABLES = ("stg_patients", "stg_diagnoses", "stg_prescriptions", "stg_extract")
COLUMNS = "select column_name, column_type from (describe select * from {source})"


def test_hand_built_staging_tables_match_the_staged_parquet_columns_and_types(
    tmp_path: Path,
) -> None:
    summary = simulate(tmp_path / "cohort", patients=20, centers=1, seed=5)
    [center] = load_centers(summary.centers_file).centers
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    hand_built = build(Patient("p1", [("tofacitinib", 0, None)]))
    with duckdb.connect() as con:
        for table in TABLES:
            parquet = f"read_parquet('{staged.parquet(table)}')"
            assert database.fetch_all(
                hand_built, COLUMNS.format(source=f"staging.{table}")
            ) == database.fetch_all(con, COLUMNS.format(source=parquet)), table
