"""Loads the versioned vocabulary CSVs, and a center's term overrides, into the `vocab` schema of
a staging database."""

from __future__ import annotations

import duckdb

from jakreg.vocabulary import VOCABULARY_DIR
from tasks.registry import database

VOCABULARY_TABLES = (
    "ingredients",
    "drug_terms",
    "stop_reasons",
    "stop_reason_rules",
    "icd10_indications",
    "condition_concepts",
    "concept_relationships",
    "non_study_terms",
)


def load_vocabulary(
    con: duckdb.DuckDBPyConnection, term_overrides: list[tuple[str, str, str]] = ()
) -> None:
    """The vocabulary tables, `vocab.term_overrides` (term_kind, term, class) holding the center's
    overrides, and the macros made of the stop reason rules."""
    database.run(con, "create schema if not exists vocab")
    for table in VOCABULARY_TABLES:
        database.run(
            con,
            f"create or replace table vocab.{table} as "
            "select * from read_csv($path, header = true, delim = ',', all_varchar = true)",
            {"path": str(VOCABULARY_DIR / f"{table}.csv")},
        )
    database.run(
        con,
        "create or replace table vocab.term_overrides "
        "(term_kind varchar, term varchar, class varchar)",
    )
    for kind, term, value in term_overrides:
        database.run(
            con,
            "insert into vocab.term_overrides values ($kind, $term, $class)",
            {"kind": kind, "term": term, "class": value},
        )
    _create_rule_macros(con)


def _create_rule_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Two macros made from the vocabulary, their patterns written in as constants (DuckDB
    compiles a constant pattern once, a pattern read from a table once per row):
    `stop_reason_rule_class(term)`, the class of the first rule of vocab.stop_reason_rules by
    priority that matches the normalised text, else null; and `free_text_keep_pattern()`, the
    words redaction keeps: any a rule matches, and every word of a stop reason term."""
    rules = database.fetch_all(
        con,
        "select pattern, stop_reason_class from vocab.stop_reason_rules order by priority::integer",
    )
    words = database.fetch_all(
        con,
        "select distinct unnest(string_split(term, ' ')) as word from vocab.stop_reasons "
        "order by word",
    )
    cases = "\n".join(
        f"        when regexp_matches(' ' || term || ' ', {_literal(pattern)}) "
        f"then {_literal(reason_class)}"
        for pattern, reason_class in rules
    )
    database.run(
        con,
        f"create or replace macro stop_reason_rule_class(term) as\n    case\n{cases}\n    end",
    )
    keep = "|".join([*(pattern for pattern, _ in rules), f" ({'|'.join(w for (w,) in words)}) "])
    database.run(con, f"create or replace macro free_text_keep_pattern() as {_literal(keep)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
