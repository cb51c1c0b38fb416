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
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import task

from jakreg.config import ADVANCED_CLASSES, Center
from jakreg.errors import CenterDataError
from jakreg.faults import fault_point
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from jakreg.time_limits import CENTER_SECONDS
from tasks import sql_models
from tasks.extract import dialects
from tasks.extract.completeness import filled_counts
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
    "stg_unmapped_terms",
    "stg_drug_scope",
    "stg_rejected_rows",
)
# The staging tables the row rules read and set rows aside from; the other staging models (such
# as stg_unmapped_terms) run after them, on the rows kept.
RULE_TABLES = {
    "staging.stg_patients",
    "staging.stg_prescriptions",
    "staging.stg_diagnoses",
    "staging.stg_extract",
}
CENTER_TABLES = ("patients", "diagnoses", "prescriptions", "extract")
EXTRACT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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
    # Which key pseudonymised it and which code staged it: staged data is reused only when both
    # are still the ones in use (tasks/extract/incremental.py).
    key_id: str = ""
    code_digest: str = ""
    # When it was staged (UTC): orders a center's extracts of the same date.
    staged_at: str = ""

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


def newest_extract(center: Center) -> Path:
    """The newest `landing/<center>/<YYYY-MM-DD>/` folder."""
    if not center.landing.is_dir():
        raise CenterDataError(
            center.id,
            "landing folder does not exist",
            file=str(center.landing),
            hint="create it, or correct 'landing' for this center in centers.yaml",
        )
    extracts = sorted(
        p for p in center.landing.iterdir() if p.is_dir() and EXTRACT_FOLDER.match(p.name)
    )
    if not extracts:
        raise CenterDataError(
            center.id,
            "no extract folder (named YYYY-MM-DD) in the landing folder",
            file=str(center.landing),
            hint="the center has not sent an extract yet",
        )
    return extracts[-1]


@task(name="stage-center", task_run_name="stage-{center.id}", timeout_seconds=CENTER_SECONDS)
def stage_center(
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
    extract = extract or fingerprint_extract(center.id, newest_extract(center))
    extract_dir = extract.folder
    target = staged_folder(work_dir / "staged", extract)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with settings.connect() as con:
        install_patient_key_macro(con, pseudonym_key())
        sql_models.create_macros(con)
        load_vocabulary(con)
        rows_read = dialects.load_raw(con, center, extract_dir)
        create_rejected_table(con, center.id)
        layout = dialects.csv_layout(center)
        data_files = dialects.raw_data_files(center)
        filled = filled_counts(con, data_files)
        reject_raw_rows(con, data_files, layout.date_format if layout else None)
        parameters = {
            **dialects.staging_parameters(center),
            "center_id": center.id,
            "extract_date": extract_dir.name,
            "advanced_classes": list(ADVANCED_CLASSES),
        }
        staging = sql_models.SQL_DIR / "staging"
        sql_models.run_models(con, sql_models.discover([staging / center.dialect]), parameters)
        for table in CENTER_TABLES:
            database.run(
                con,
                f"create or replace view staging.center_{table} as "
                f"select * from staging.stg_{center.dialect}__{table}",
            )
        common = sql_models.discover([staging])
        ruled = sql_models.upstream_of(common, RULE_TABLES)
        sql_models.run_models(con, ruled, parameters)
        reject_staged_rows(con, dialects.source_files(center), thresholds)
        sql_models.run_models(con, [m for m in common if m not in ruled], parameters)
        counts = {
            table: database.fetch_value(con, f"select count(*) from staging.{table}")
            for table in STAGED_TABLES
        }
        rejected = rejected_counts(con)
        for table in STAGED_TABLES:
            con.table(f"staging.{table}").write_parquet(str(partial / f"{table}.parquet"))
            fault_point("stage")
        write_raw_copies(con, center, partial)
        unmapped = database.fetch_value(
            con, "select coalesce(sum(n_rows), 0) from staging.stg_unmapped_terms"
        )
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
    )
    staged.save(partial)
    replace_folder(partial, target)
    return staged
