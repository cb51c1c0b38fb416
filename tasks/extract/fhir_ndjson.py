"""fhir_ndjson: a FHIR R4 bulk export (`<Type>.ndjson` files and `manifest.json`) into raw tables.

Each file is read by DuckDB's NDJSON reader with its elements and their structures given
explicitly (nothing is sniffed, identifiers stay text, dates stay text until staging). Each
resource keeps its line number as `source_row` (blank lines, which bulk exports do not have, are
skipped and not counted). A file that does not fit is rejected naming the
file, the line and the element, never quoting a value: a FHIR line holds identifiers.

A line that is not a resource of the file's type, or a Patient without id, makes the file unusable
(an extract rule). A date that is not a FHIR date or dateTime costs its line only: the row rule
`date_not_parseable` sets it aside (tasks/extract/row_rejects.py, with the `fhir_date` macro the
staging models use), as a subject that is not a Patient reference does in staging
(`prescription_patient_id_missing`, `diagnosis_patient_id_missing`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks import sql_models
from tasks.extract.json_documents import read_json_object
from tasks.extract.reader_calls import ReaderCall
from tasks.registry import database

CODING = "struct(system varchar, code varchar, display varchar)"
CODEABLE_CONCEPT = f"struct(coding {CODING}[], text varchar)"
REFERENCE = "struct(reference varchar)"
_LINE_NUMBER = re.compile(r"\bline (\d+)")


@dataclass(frozen=True)
class NdjsonFile:
    """One resource type's file: the elements read (name -> DuckDB type) and which are dates
    (an element of a structure written `effectivePeriod.end`)."""

    resource_type: str
    table: str
    elements: dict[str, str]
    date_elements: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.resource_type}.ndjson"


# The file each common staging table is read from (rows set aside are reported by file).
SOURCE_FILES = {
    "patients": "Patient.ndjson",
    "prescriptions": "MedicationStatement.ndjson",
    "diagnoses": "Condition.ndjson",
}

FILES = (
    NdjsonFile(
        "Patient",
        "raw.patient",
        {
            "resourceType": "varchar",
            "id": "varchar",
            "gender": "varchar",
            "birthDate": "varchar",
            "deceasedDateTime": "varchar",
        },
        date_elements=("birthDate", "deceasedDateTime"),
    ),
    NdjsonFile(
        "Condition",
        "raw.condition",
        {
            "resourceType": "varchar",
            "subject": REFERENCE,
            "code": CODEABLE_CONCEPT,
            "onsetDateTime": "varchar",
            "recordedDate": "varchar",
        },
        date_elements=("onsetDateTime", "recordedDate"),
    ),
    NdjsonFile(
        "MedicationStatement",
        "raw.medication_statement",
        {
            "resourceType": "varchar",
            "status": "varchar",
            "subject": REFERENCE,
            "medicationCodeableConcept": CODEABLE_CONCEPT,
            "effectivePeriod": 'struct(start varchar, "end" varchar)',
            "statusReason": f"{CODEABLE_CONCEPT}[]",
        },
        date_elements=("effectivePeriod.start", "effectivePeriod.end"),
    ),
)
FILE_NAMES = (*(spec.name for spec in FILES), "manifest.json")

# The files holding rows of data, which row rules check (not the extract's metadata).
DATA_FILES = tuple(spec.name for spec in FILES)


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    """raw.patient, raw.condition, raw.medication_statement and raw.extract (the data cut)."""
    manifest = read_manifest(center, extract_dir)
    sql_models.create_macros(con)
    database.run(con, "create schema if not exists raw")
    rows = {}
    for spec in FILES:
        rows[spec.name] = _load_file(con, center, extract_dir / spec.name, spec)
        _check_count(center, spec, manifest, rows[spec.name])
    database.run(
        con,
        "create or replace table raw.extract as select $data_cut::varchar as data_cut_date",
        {"data_cut": manifest["transactionTime"][:10]},
    )
    return rows


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    return [
        ReaderCall(spec.name, _read_ndjson(spec.elements), {"path": str(extract_dir / spec.name)})
        for spec in FILES
    ]


def staging_parameters(center: Center) -> dict[str, str]:
    """The fhir_ndjson staging models bind nothing beyond the center and extract date."""
    return {}


def read_manifest(center: Center, extract_dir: Path) -> dict[str, Any]:
    """`manifest.json` of the bulk export, checked to carry the transactionTime (the data cut)."""
    path = extract_dir / "manifest.json"
    manifest = read_json_object(
        center,
        path,
        "add the bulk export's manifest.json; its transactionTime is the data cut",
    )
    if not _is_iso_date(str(manifest.get("transactionTime"))[:10]):
        raise CenterDataError(
            center.id,
            "manifest.json has no transactionTime",
            file=str(path),
            column="transactionTime",
            hint="the export's transactionTime (an instant such as 2026-10-31T23:00:00Z) is the "
            "data cut; re-send the manifest with it",
        )
    return manifest


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


def _load_file(con: duckdb.DuckDBPyConnection, center: Center, path: Path, spec: NdjsonFile) -> int:
    if not path.is_file():
        raise CenterDataError(
            center.id,
            "file is missing from the extract",
            file=spec.name,
            hint="re-send the complete bulk export",
        )
    try:
        database.run(
            con,
            f"create or replace table {spec.table} as "
            f"select *, (row_number() over ())::integer as source_row "
            f"from {_read_ndjson(spec.elements)}",
            {"path": str(path)},
        )
    except duckdb.Error:
        raise _reader_error(con, center, path, spec) from None
    _check_values(con, center, spec)
    return database.fetch_value(con, f"select count(*) from {spec.table}")


def _read_ndjson(elements: dict[str, str]) -> str:
    columns = ", ".join(f"\"{name}\": '{kind}'" for name, kind in elements.items())
    return (
        "read_ndjson($path, columns = {" + columns + "}, auto_detect = false, "
        "hive_partitioning = false)"
    )


@dataclass(frozen=True)
class _ValueCheck:
    """A condition no line may meet, and what to tell the data manager when one does."""

    element: str
    failing: str
    problem: str
    hint: str


def _value_checks(spec: NdjsonFile) -> list[_ValueCheck]:
    checks = [
        _ValueCheck(
            "resourceType",
            f"resourceType is distinct from '{spec.resource_type}'",
            f"a line is not a {spec.resource_type} resource",
            f"{spec.name} must hold only {spec.resource_type} resources",
        )
    ]
    if spec.resource_type == "Patient":
        checks.append(
            _ValueCheck(
                "id",
                "nullif(trim(id), '') is null",
                "a Patient has no id",
                "every Patient needs an id",
            )
        )
    return checks


def _check_values(con: duckdb.DuckDBPyConnection, center: Center, spec: NdjsonFile) -> None:
    """Every line is a resource of the file's type, every Patient has an id; all checks run in
    one pass over the table."""
    checks = _value_checks(spec)
    aggregates = ", ".join(
        f"count_if({c.failing}), min(source_row) filter (where {c.failing})" for c in checks
    )
    [found] = database.fetch_all(con, f"select {aggregates} from {spec.table}")
    for check, bad_count, first_row in zip(checks, found[::2], found[1::2], strict=True):
        if bad_count:
            raise CenterDataError(
                center.id,
                f"{check.problem} ({bad_count} line(s))",
                file=spec.name,
                row=first_row,
                column=check.element,
                hint=check.hint,
            )


def _check_count(center: Center, spec: NdjsonFile, manifest: dict[str, Any], rows: int) -> None:
    """A manifest that states a file's resource count must agree: else the file is truncated."""
    for output in manifest.get("output") or []:
        if not isinstance(output, dict) or output.get("type") != spec.resource_type:
            continue
        count = output.get("count")
        if isinstance(count, int) and count != rows:
            raise CenterDataError(
                center.id,
                f"{rows} resources read but manifest.json lists {count}",
                file=spec.name,
                hint="the file may be truncated or from another export; re-send the export",
            )


def _reader_error(
    con: duckdb.DuckDBPyConnection, center: Center, path: Path, spec: NdjsonFile
) -> CenterDataError:
    """Where and what went wrong, found again by reading the file leniently (DuckDB's own message
    quotes the offending value, which may be an identifier); only runs after a failed read."""
    [(not_json, not_object)] = database.fetch_all(
        con,
        "select min(source_row) filter (where document is null), "
        "min(source_row) filter (where json_type(document) <> 'OBJECT') "
        "from (select document, row_number() over () as source_row "
        "from read_ndjson_objects($path, ignore_errors = true, hive_partitioning = false) "
        "as objects(document))",
        {"path": str(path)},
    )
    hint = f"check the export against the FHIR R4 {spec.resource_type} resource"
    if not_json is not None and (not_object is None or not_json < not_object):
        return CenterDataError(
            center.id,
            "a line is not valid JSON",
            file=spec.name,
            row=not_json,
            hint="each line must be one complete JSON resource; the file may be truncated",
        )
    if not_object is not None:
        return CenterDataError(
            center.id, "a line is not a JSON object", file=spec.name, row=not_object, hint=hint
        )
    row, element = _element_with_wrong_shape(con, path, spec)
    return CenterDataError(
        center.id,
        "an element has the wrong JSON type" if element else "the file cannot be read as NDJSON",
        file=spec.name,
        row=row,
        column=element,
        hint=hint,
    )


def _element_with_wrong_shape(
    con: duckdb.DuckDBPyConnection, path: Path, spec: NdjsonFile
) -> tuple[int | None, str | None]:
    """The line and name of the first element whose structure the file breaks, found by reading
    each element on its own (DuckDB numbers the line of a structure error right)."""
    found = []
    for name, kind in spec.elements.items():
        try:
            database.fetch_all(
                con,
                f'select count("{name}") from {_read_ndjson({name: kind})}',
                {"path": str(path)},
            )
        except duckdb.Error as err:
            match = _LINE_NUMBER.search(str(err))
            found.append((int(match.group(1)) if match else None, name))
    if not found:
        return None, None
    return min(found, key=lambda line_and_name: line_and_name[0] or 0)
