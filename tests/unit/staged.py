"""Stages a hand-built extract with the real task and queries the Parquet files it writes."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import Center
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import stage_center


def staged_rows(tmp_path: Path, center: Center, sql: str) -> list[tuple]:
    """Rows of `sql` over the staged files, named as 'stg_prescriptions.parquet' and so on."""
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    with duckdb.connect() as con:
        con.execute("set file_search_path = $folder", {"folder": str(staged.folder)})
        return con.sql(sql).fetchall()
