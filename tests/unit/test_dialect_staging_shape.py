"""Every dialect's staging models hand the common models exactly the registry_csv columns, plus
at most the optional ones a dialect may add (OMOP's concept mappings)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import load_centers
from jakreg.simulate import simulate
from jakreg.simulate.writers import WRITERS
from tasks import sql_models
from tasks.extract import dialects
from tasks.extract.landing import newest_extract
from tasks.extract.stage_center import CENTER_TABLES, OPTIONAL_CENTER_COLUMNS
from tasks.extract.vocabulary import load_vocabulary
from tasks.registry import database


def _staging_columns(root: Path, dialect: str) -> dict[str, list[tuple[str, str]]]:
    """Column names and types of the dialect's staging tables, on a small simulated extract."""
    summary = simulate(root / dialect, patients=40, centers=1, seed=3, dialects=(dialect,))
    [center] = load_centers(summary.centers_file).centers
    con = duckdb.connect()
    load_vocabulary(con)
    dialects.load_raw(con, center, newest_extract(center))
    models = sql_models.discover([sql_models.SQL_DIR / "staging" / dialect])
    sql_models.run_models(con, models, dialects.staging_parameters(center))
    return {
        table: database.fetch_all(
            con,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'staging' and table_name = $table order by ordinal_position",
            {"table": f"stg_{dialect}__{table}"},
        )
        for table in CENTER_TABLES
    }


@pytest.mark.parametrize("dialect", sorted(set(WRITERS) - {"registry_csv"}))
def test_staging_columns_and_types_equal_registry_csv(tmp_path: Path, dialect: str) -> None:
    expected = _staging_columns(tmp_path, "registry_csv")
    assert expected["prescriptions"][:2] == [
        ("local_id", "VARCHAR"),
        ("drug_source_value", "VARCHAR"),
    ]
    found = _staging_columns(tmp_path, dialect)
    common = {
        table: [c for c in columns if c[0] not in OPTIONAL_CENTER_COLUMNS.get(table, ())]
        for table, columns in found.items()
    }
    assert common == expected
