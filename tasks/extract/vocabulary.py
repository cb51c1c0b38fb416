"""Loads the versioned vocabulary CSVs into the `vocab` schema of a staging database."""

from __future__ import annotations

import duckdb

from jakreg.vocabulary import VOCABULARY_DIR
from tasks.registry import database

VOCABULARY_TABLES = (
    "ingredients",
    "drug_terms",
    "stop_reasons",
    "icd10_indications",
    "non_study_terms",
)


def load_vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    database.run(con, "create schema if not exists vocab")
    for table in VOCABULARY_TABLES:
        database.run(
            con,
            f"create or replace table vocab.{table} as "
            "select * from read_csv($path, header = true, delim = ',', all_varchar = true)",
            {"path": str(VOCABULARY_DIR / f"{table}.csv")},
        )
