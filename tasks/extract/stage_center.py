"""Stages one center's newest extract: raw tables -> staging models -> Parquet files.

Runs in its own in-memory DuckDB, so centers stage concurrently and a worker needs no access to
the registry database. Local identifiers exist only in that in-memory database; the Parquet files
carry pseudonymous keys. Each staged extract has its own folder, named by extract date and digest.
Files and `staged.json` (what was staged, from which file hashes) are written to a `.partial`
folder and renamed into place, so a staged extract folder exists only when complete: it is the
proof `tasks/extract/incremental.py` relies on to skip unchanged extracts.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import task
from prefect.states import Failed, State

from jakreg.config import ADVANCED_CLASSES, Center
from jakreg.errors import CenterDataError
from jakreg.faults import fault_point
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks import sql_models
from tasks.extract import dialects
from tasks.extract.completeness import filled_counts
from tasks.extract.landing import newest_extract
from tasks.extract.manifest import ExtractFingerprint, fingerprint_extract
from tasks.extract.pseudonym import install_patient_key_macro, pseudonym_key
from tasks.extract.row_rejects import (
    REJECTED_COLUMNS,
    create_rejected_table,
    reject_raw_rows,
    reject_staged_rows,
    rejected_counts,
    rules_digest,
)
from tasks.extract.term_overrides import read_term_overrides
from tasks.extract.vocabulary import load_vocabulary
from tasks.quality.raw_copy import write_raw_copies
from tasks.registry import database
from tasks.registry.atomic_files import replace_folder
from tasks.registry.inputs import code_digest, key_id

STAGED_TABLES = (
    "stg_patients",
    "stg_diagnoses",
    "stg_prescriptions",
    "stg_extract",
    "stg_drug_scope",
    "stg_rejected_rows",
)
# Free text never leaves staging as text: these columns stay in the in-memory database (only
# their classes are staged), and the review list of unmapped terms, redacted, is staged beside
# the tables but never enters the registry (docs/protocol.md#privacy).
FREE_TEXT_COLUMNS = {"stg_prescriptions": ("stop_reason_source_value",)}
REVIEW_TABLE = "stg_unmapped_terms"
# The staging tables the row rules read and set rows aside from; the other staging models (such
# as stg_unmapped_terms) run after them, on the rows kept.
RULE_TABLES = {
    "staging.stg_patients",
    "staging.stg_prescriptions",
    "staging.stg_diagnoses",
    "staging.stg_extract",
}
CENTER_TABLES = ("patients", "diagnoses", "prescriptions", "extract")
# Columns a dialect's staging model may add to the common shape, null for a dialect without them:
# only OMOP finds ingredients and indications by concept id.
OPTIONAL_CENTER_COLUMNS = {
    "prescriptions": ("concept_ingredient", "concept_route"),
    "diagnoses": ("concept_id", "concept_indication", "concept_route"),
}
# How many rows each route mapped: to an ingredient (prescriptions), to an indication (diagnoses).
MAPPING_ROUTES = {
    "drug": "select drug_mapping_route, count(*) from staging.stg_prescriptions "
    "where drug_mapping_route is not null group by all",
    "diagnosis": "select mapping_route, count(*) from staging.stg_diagnoses "
    "where mapping_route is not null group by all",
}
STAGED_RECORD = "staged.json"
# Staged tables added since earlier releases, with their columns: an extract staged before one was
# added is read as having no rows of it (tasks/quality/quarantine.py falls back on such extracts).
ADDED_TABLES = {
    "stg_rejected_rows": REJECTED_COLUMNS,
    "stg_drug_scope": (
        "center_id varchar, drug_source_value varchar, n_rows bigint, suspected_study_drug varchar"
    ),
}


@dataclass(frozen=True)
class StagedExtract:
    """Where a center's staged extract is and what went into it (no patient-level content)."""

    center_id: str
    extract_date: str
    folder: Path
    rows_read: dict[str, int]
    rows_staged: dict[str, int]
    unmapped_rows: int
    extract_digest: str
    rows_rejected: dict[str, int] = field(default_factory=dict)
    # Rows set aside per file and row rule (tasks/extract/row_rejects.py).
    rejected: dict[str, dict[str, int]] = field(default_factory=dict)
    # Which rule dates set them aside: staged data is reused only while they are unchanged.
    rules_digest: str = ""
    # Rows with a value per delimited file and column (tasks/extract/completeness.py).
    filled: dict[str, dict[str, int]] = field(default_factory=dict)
    # Rows mapped per route, for drugs and for diagnoses (MAPPING_ROUTES).
    mapping_routes: dict[str, dict[str, int]] = field(default_factory=dict)
    # Which key pseudonymised it and which code staged it: staged data is reused only when both
    # are still the ones in use (tasks/extract/incremental.py).
    key_id: str = ""
    code_digest: str = ""
    # When it was staged (UTC): orders a center's extracts of the same date.
    staged_at: str = ""
    # The digest of the center's term overrides it was staged with (empty: none).
    terms_digest: str = ""

    @property
    def order(self) -> tuple[str, str]:
        """Later extracts sort after earlier ones; a dump re-sent under the same date after the
        one sent first."""
        return (self.extract_date, self.staged_at)

    def parquet(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    @property
    def total_rows_read(self) -> int:
        return sum(self.rows_read.values())

    @property
    def total_rows_staged(self) -> int:
        """Rows of the staged patients, diagnoses and prescriptions."""
        tables = ("stg_patients", "stg_diagnoses", "stg_prescriptions")
        return sum(self.rows_staged[table] for table in tables)

    def save(self, folder: Path) -> None:
        """Writes `staged.json` into `folder` (the record travels with the Parquet files)."""
        record = {k: v for k, v in dataclasses.asdict(self).items() if k != "folder"}
        (folder / STAGED_RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> StagedExtract | None:
        """The staged extract in `folder`, or None when there is none (or it is incomplete)."""
        try:
            record = json.loads((folder / STAGED_RECORD).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(folder=folder, **record)


def backfill_added_tables(extract: StagedExtract) -> None:
    """Writes an empty Parquet file for each table added since `extract` was staged."""
    for table, columns in ADDED_TABLES.items():
        if extract.parquet(table).exists():
            continue
        with duckdb.connect() as con:
            database.run(con, f"create table added ({columns})")
            database.run(
                con, "copy added to $path (format parquet)", {"path": str(extract.parquet(table))}
            )


def staged_folder(staged_dir: Path, extract: ExtractFingerprint) -> Path:
    """`<staged>/<center>/<extract date>-<digest prefix>/`: a dump re-sent under the same date is
    staged beside the one sent first, which stays in place until the gate has judged the new one
    (a center whose corrected dump fails keeps the dump it had)."""
    return staged_dir / extract.center_id / f"{extract.extract_date}-{extract.digest[:12]}"


@task(name="stage-center", task_run_name="stage-{center.id}")
def stage_center(
    center: Center,
    work_dir: Path,
    settings: DuckDBSettings,
    extract: ExtractFingerprint | None = None,
    thresholds: QualityThresholds | None = None,
) -> StagedExtract | State:
    """`stage_extract` as a task of the run: a data error fails it with the error's one line
    (no traceback: it is expected) and is raised to the caller."""
    try:
        return stage_extract(center, work_dir, settings, extract, thresholds)
    except CenterDataError as err:
        return Failed(message=str(err), data=err)


def stage_extract(
    center: Center,
    work_dir: Path,
    settings: DuckDBSettings,
    extract: ExtractFingerprint | None = None,
    thresholds: QualityThresholds | None = None,
) -> StagedExtract:
    """Reads, stages and pseudonymises one center's extract (by default its newest) into Parquet
    under `<work_dir>/staged/<center>/<extract date>/`, setting aside the rows that break a row
    rule (with the dates of `thresholds`, by default the default ones)."""
    thresholds = thresholds or QualityThresholds()
    extract = extract or fingerprint_extract(center, newest_extract(center))
    target = staged_folder(work_dir / "staged", extract)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        staged = _stage_into(partial, target, center, extract, settings, thresholds)
    except BaseException:
        # A run that ends, even on a data error, leaves no half-staged folder: only a killed one
        # does, which the next run clears and reports (tasks/registry/publish.py).
        shutil.rmtree(partial, ignore_errors=True)
        raise
    replace_folder(partial, target)
    return staged


def _stage_into(
    partial: Path,
    target: Path,
    center: Center,
    extract: ExtractFingerprint,
    settings: DuckDBSettings,
    thresholds: QualityThresholds,
) -> StagedExtract:
    """Writes the staged extract's files and record into `partial`; `target` is its final place."""
    extract_dir = extract.folder
    with settings.connect() as con:
        install_patient_key_macro(con, pseudonym_key())
        sql_models.create_macros(con)
        load_vocabulary(con, read_term_overrides(center))
        rows_read = dialects.load_raw(con, center, extract_dir)
        create_rejected_table(con, center.id)
        layout = dialects.csv_layout(center)
        data_files = dialects.raw_data_files(center)
        filled = filled_counts(con, data_files)
        reject_raw_rows(con, data_files, layout.date_format if layout else None)
        write_raw_copies(con, center, partial)
        parameters = {
            **dialects.staging_parameters(center),
            "center_id": center.id,
            "extract_date": extract_dir.name,
            "advanced_classes": list(ADVANCED_CLASSES),
        }
        staging = sql_models.SQL_DIR / "staging"
        dialect_models = sql_models.discover([staging / center.dialect])
        sql_models.run_models(con, dialect_models, parameters)
        # Each copy of the extract is dropped once the next one is made, so that memory holds
        # about one copy at a time: the raw text once the dialect's models have read it, their
        # tables once the common models have (at 1M patients each copy is hundreds of MiB).
        database.run(con, "drop schema raw cascade")
        for table in CENTER_TABLES:
            _create_center_view(con, center.dialect, table)
        common = sql_models.discover([staging])
        ruled = sql_models.upstream_of(common, RULE_TABLES)
        sql_models.run_models(con, ruled, parameters)
        for table in CENTER_TABLES:
            database.run(con, f"drop view staging.center_{table}")
        for model in dialect_models:
            database.run(con, f"drop table {model.table}")
        reject_staged_rows(con, dialects.source_files(center), thresholds)
        sql_models.run_models(con, [m for m in common if m not in ruled], parameters)
        counts = {
            table: database.fetch_value(con, f"select count(*) from staging.{table}")
            for table in STAGED_TABLES
        }
        rejected = rejected_counts(con)
        for table in (*STAGED_TABLES, REVIEW_TABLE):
            private = ", ".join(FREE_TEXT_COLUMNS.get(table, ()))
            columns = f"* exclude ({private})" if private else "*"
            database.run(
                con,
                f"copy (select {columns} from staging.{table}) to $path (format parquet)",
                {"path": str(partial / f"{table}.parquet")},
            )
            fault_point("stage")
        unmapped = database.fetch_value(
            con, "select coalesce(sum(n_rows), 0) from staging.stg_unmapped_terms"
        )
        routes = {kind: dict(database.fetch_all(con, sql)) for kind, sql in MAPPING_ROUTES.items()}
    staged = StagedExtract(
        center.id,
        extract_dir.name,
        target,
        rows_read,
        counts,
        int(unmapped),
        extract.digest,
        rows_rejected={file: sum(rules.values()) for file, rules in rejected.items()},
        rejected=rejected,
        rules_digest=rules_digest(thresholds),
        filled=filled,
        key_id=key_id(pseudonym_key()),
        code_digest=code_digest(),
        staged_at=datetime.now(UTC).isoformat(),
        mapping_routes=routes,
        terms_digest=center.term_overrides_digest(),
    )
    staged.save(partial)
    return staged


def _create_center_view(con: duckdb.DuckDBPyConnection, dialect: str, table: str) -> None:
    """`staging.center_<table>`: the dialect's model, with the optional columns it lacks as null."""
    model = f"stg_{dialect}__{table}"
    present = {
        name
        for (name,) in database.fetch_all(
            con,
            "select column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name = $table",
            {"table": model},
        )
    }
    missing = [
        f", null::varchar as {column}"
        for column in OPTIONAL_CENTER_COLUMNS.get(table, ())
        if column not in present
    ]
    database.run(
        con,
        f"create or replace view staging.center_{table} as "
        f"select *{''.join(missing)} from staging.{model}",
    )
