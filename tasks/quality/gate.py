"""Runs the expectation suites where the data is: in DuckDB, through Great Expectations.

Per center, the raw and staging suites run on a small DuckDB file of views over that center's
staged Parquet (and the pseudonymised raw copies), so every metric is a SQL query DuckDB answers
by scanning Parquet; nothing is loaded into pandas. The marts suites run on the registry database
built next to the published one, before it is renamed into place. docs/quality.md says why.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from prefect import task

from jakreg.quality import QualityThresholds
from tasks.extract import dialects
from tasks.extract.stage_center import STAGED_TABLES, StagedExtract
from tasks.quality.completeness import ColumnFill, completeness_drops, write_drops_table
from tasks.quality.context import SUITES_DIR, open_context
from tasks.quality.raw_copy import RAW_COPY_PREFIX
from tasks.quality.row_rule_outcomes import percent, rule_outcomes, write_outcomes_table
from tasks.quality.verdict import Finding, Verdict, findings_of
from tasks.registry import database

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

# Counts and a few example values; the validated tables hold no local identifiers (the raw
# copies are pseudonymised), and suites never ask for values of key columns.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
# Views a staging suite needs beyond the staged tables sit next to it as `<name>.sql`.
STAGING_VIEWS = SUITES_DIR / "staging"
WHOLE_TABLE = "whole table"


def suite_names(layer: str) -> list[str]:
    """Suites stored under `expectations/<layer>/`, named `<layer>[.<dialect>].<table>`."""
    folder = SUITES_DIR / layer
    return sorted(
        ".".join(path.relative_to(SUITES_DIR).with_suffix("").parts)
        for path in folder.rglob("*.json")
    )


def center_suites(extract: StagedExtract, dialect: str) -> list[str]:
    """The raw suites of the center's dialect, then the staging suites. An extract staged before
    raw copies existed has none; its raw suites cannot run."""
    raw = [
        suite
        for suite in suite_names(f"raw/{dialect}")
        if (extract.folder / f"{RAW_COPY_PREFIX}{suite.rsplit('.', 1)[-1]}.parquet").exists()
    ]
    return [*raw, *suite_names("staging")]


def suite_files(suite: str) -> list[Path]:
    """The files that define a suite: its JSON, and for a staging suite the view it reads when
    that view is not a staged table (`expectations/staging/<name>.sql`)."""
    path = SUITES_DIR.joinpath(*suite.split("."))
    return [file for file in (path.with_suffix(".json"), path.with_suffix(".sql")) if file.exists()]


@task(
    name="validate-center",
    task_run_name="validate-{extract.center_id}",
)
def validate_center(
    extract: StagedExtract,
    dialect: str,
    baseline_rows: dict[str, int] | None,
    thresholds: QualityThresholds,
    quality_dir: Path,
    docs_dir: Path,
    run_name: str,
    baseline_filled: dict[str, dict[str, int]] | None = None,
) -> Verdict:
    """Raw and staging suites on one center's staged extract.

    `baseline_rows` are the rows read per file of the center's last accepted extract; a raw table
    may not shrink by more than `max_row_drop_share` against them. `baseline_filled` are that
    extract's rows with a value per file and column: a column may not lose more than
    `max_filled_share_drop` of its filled share.
    """
    gate_db = quality_dir / "databases" / f"{extract.center_id}.duckdb"
    drops = completeness_drops(
        extract.filled,
        extract.rows_read,
        baseline_filled or {},
        baseline_rows or {},
        thresholds,
    )
    _write_gate_database(gate_db, extract, thresholds, drops)
    parameters: dict[str, Any] = {
        "drug_mapped_warning_share": thresholds.drug_mapped_warning_share,
        "drug_mapped_error_share": thresholds.drug_mapped_error_share,
        "indication_known_share": thresholds.indication_known_share,
    }
    suites = {}
    for suite in center_suites(extract, dialect):
        # Without a baseline (no accepted extract, or none of this file) nothing can shrink.
        baseline = (baseline_rows or {}).get(f"{suite.rsplit('.', 1)[-1]}.csv", 0)
        minimum = math.ceil(baseline * (1 - thresholds.max_row_drop_share))
        suites[suite] = {**parameters, "min_rows": minimum}
    context = open_context(quality_dir, docs_dir)
    words = threshold_words(thresholds)
    findings = _validate(context, extract.center_id, gate_db, suites, run_name, words)
    return Verdict(extract.center_id, tuple(_named_for_files(findings, dialect)))


def threshold_words(thresholds: QualityThresholds) -> dict[str, str]:
    """Each threshold the suites' descriptions name, as its value reads: a message and a Data
    Docs page say "more than 30%", never "more than max_row_drop_share"."""
    return {name: percent(getattr(thresholds, name)) for name in DESCRIBED_THRESHOLDS}


@task(name="validate-registry")
def validate_registry(building: Path, quality_dir: Path, docs_dir: Path, run_name: str) -> Verdict:
    """Marts suites on the registry database built next to the published one."""
    context = open_context(quality_dir, docs_dir)
    suites: dict[str, dict[str, Any]] = {suite: {} for suite in suite_names("marts")}
    return Verdict("registry", tuple(_validate(context, "registry", building, suites, run_name)))


# The thresholds the suites' descriptions (expectations/) name.
DESCRIBED_THRESHOLDS = (
    "drug_mapped_warning_share",
    "drug_mapped_error_share",
    "indication_known_share",
    "max_row_drop_share",
    "max_filled_share_drop",
)
# The center's file each staging suite's table comes from (by the dialect's SOURCE_FILES key).
_STAGING_SOURCES = {
    "staging.stg_patients": "patients",
    "staging.stg_prescriptions": "prescriptions",
    "staging.study_drug_prescriptions": "prescriptions",
    "staging.jaki_patient_indications": "diagnoses",
}


def _named_for_files(findings: list[Finding], dialect: str) -> list[Finding]:
    """Findings naming the center's file rather than the table validated: a raw suite's file is
    its table's (`raw.omop_csv.death` -> death.csv), a staging table's the file it is read from."""
    files = dialects.READERS[dialect].SOURCE_FILES
    named = []
    for finding in findings:
        source = finding.source
        if source is None and finding.suite.startswith("raw."):
            source = next(
                spec.name
                for spec in dialects.READERS[dialect].LAYOUT.files
                if spec.table == f"raw.{finding.suite.rsplit('.', 1)[-1]}"
            )
        elif source is None and finding.suite in _STAGING_SOURCES:
            source = files[_STAGING_SOURCES[finding.suite]]
        named.append(dataclasses.replace(finding, source=source))
    return named


def _validate(
    context: AbstractDataContext,
    scope: str,
    database_file: Path,
    suites: dict[str, dict[str, Any]],
    run_name: str,
    words: dict[str, str] | None = None,
) -> list[Finding]:
    """Each suite (with its parameters) on the table it is named for, in one DuckDB connection
    that is closed afterwards; results are stored for the run's Data Docs. A threshold's name in
    an expectation's description reads as its value in the findings (`words`)."""
    # Imported here: GX is only imported once a gate runs (tasks/quality/context.py).
    import great_expectations as gx
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.datasource.fluent.sql_datasource import TableAsset

    # The data source is added once with every asset and batch definition: GX serialises the
    # whole data source again for each asset or batch definition added to it afterwards.
    tables = {suite: (suite.split(".")[0], suite.rsplit(".", 1)[-1]) for suite in suites}
    with warnings.catch_warnings():
        # GX would rather take the schema from the connection (a search path); DuckDB
        # cannot set one per connection string, so the asset names it.
        warnings.filterwarnings("ignore", "`schema_name` is deprecated", DeprecationWarning)
        assets = [
            TableAsset(
                name=table,
                table_name=table,
                schema_name=schema,
                batch_definitions=[BatchDefinition(name=WHOLE_TABLE)],
            )
            for schema, table in tables.values()
        ]
    source = context.data_sources.add_or_update_duckdb(
        name=scope,
        connection_string=f"duckdb:///{database_file}",
        kwargs={"connect_args": {"read_only": True}},
        assets=assets,
    )
    findings: list[Finding] = []
    try:
        for suite_name, parameters in suites.items():
            table = tables[suite_name][1]
            definition = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(
                    name=f"{scope}.{suite_name}",
                    data=source.get_asset(table).get_batch_definition(WHOLE_TABLE),
                    suite=context.suites.get(suite_name),
                )
            )
            result = definition.run(
                expectation_parameters=parameters,
                result_format=RESULT_FORMAT,
                run_id=RunIdentifier(run_name=run_name),
            )
            findings += findings_of(suite_name, result, words or {})
    finally:
        source.get_execution_engine().close()
    return findings


def _write_gate_database(
    path: Path, extract: StagedExtract, thresholds: QualityThresholds, drops: list[ColumnFill]
) -> None:
    """Views `raw.<table>`, `staging.<table>` over the extract's Parquet and the tables of row
    rule outcomes and completeness drops (tasks/quality/row_rule_outcomes.py, completeness.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        database.run(con, "create schema raw")
        database.run(con, "create schema staging")
        for parquet in sorted(extract.folder.glob(f"{RAW_COPY_PREFIX}*.parquet")):
            table = parquet.stem.removeprefix(RAW_COPY_PREFIX)
            database.create_parquet_view(con, f"raw.{table}", parquet)
        for table in STAGED_TABLES:
            database.create_parquet_view(con, f"staging.{table}", extract.parquet(table))
        outcomes = rule_outcomes(con, "staging.stg_rejected_rows", extract.rows_read, thresholds)
        write_outcomes_table(con, outcomes)
        write_drops_table(con, drops, thresholds)
        for view in sorted(STAGING_VIEWS.glob("*.sql")):
            database.run(
                con,
                f"create view staging.{view.stem} as\n{view.read_text(encoding='utf-8')}",
            )
