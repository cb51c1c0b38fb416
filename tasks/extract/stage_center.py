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

from prefect import task

from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.faults import fault_point
from jakreg.settings import DuckDBSettings
from jakreg.time_limits import CENTER_SECONDS
from tasks import sql_models
from tasks.extract import dialects
from tasks.extract.manifest import ExtractFingerprint, fingerprint_extract
from tasks.extract.pseudonym import install_patient_key_macro, pseudonym_key
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
)
# Free text never leaves staging as text: these columns stay in the in-memory database (only
# their classes are staged), and the review list of unmapped terms, redacted, is staged beside
# the tables but never enters the registry (docs/protocol.md#privacy).
FREE_TEXT_COLUMNS = {"stg_prescriptions": ("stop_reason_source_value",)}
REVIEW_TABLE = "stg_unmapped_terms"
CENTER_TABLES = ("patients", "diagnoses", "prescriptions", "extract")
EXTRACT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAGED_RECORD = "staged.json"


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
) -> StagedExtract:
    """Reads, stages and pseudonymises one center's extract (by default its newest) into Parquet
    under `<work_dir>/staged/<center>/<extract date>/`."""
    extract = extract or fingerprint_extract(center.id, newest_extract(center))
    extract_dir = extract.folder
    target = staged_folder(work_dir / "staged", extract)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with settings.connect() as con:
        install_patient_key_macro(con, pseudonym_key())
        sql_models.create_macros(con)
        load_vocabulary(con, read_term_overrides(center))
        rows_read = dialects.load_raw(con, center, extract_dir)
        parameters = {
            **dialects.staging_parameters(center),
            "center_id": center.id,
            "extract_date": extract_dir.name,
        }
        staging = sql_models.SQL_DIR / "staging"
        sql_models.run_models(con, sql_models.discover([staging / center.dialect]), parameters)
        for table in CENTER_TABLES:
            database.run(
                con,
                f"create or replace view staging.center_{table} as "
                f"select * from staging.stg_{center.dialect}__{table}",
            )
        counts = sql_models.run_models(con, sql_models.discover([staging]), parameters)
        for table in (*STAGED_TABLES, REVIEW_TABLE):
            private = ", ".join(FREE_TEXT_COLUMNS.get(table, ()))
            columns = f"* exclude ({private})" if private else "*"
            database.run(
                con,
                f"copy (select {columns} from staging.{table}) to $path (format parquet)",
                {"path": str(partial / f"{table}.parquet")},
            )
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
        {table.removeprefix("staging."): n for table, n in counts.items()},
        int(unmapped),
        extract.digest,
        key_id=key_id(pseudonym_key()),
        code_digest=code_digest(),
        staged_at=datetime.now(UTC).isoformat(),
        terms_digest=center.term_overrides_digest(),
    )
    staged.save(partial)
    replace_folder(partial, target)
    return staged
