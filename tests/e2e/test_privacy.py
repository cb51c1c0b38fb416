"""Local patient identifiers never leave the landing folder: the real flow on a cohort in every
dialect, with two centers whose broken files make DuckDB's own errors quote an identifier, leaves
none in the registry database, the work and output folders, the log records, the run's logs,
states and artifacts in the Prefect API, or the Prefect database itself.

The cohort's identifiers carry a prefix found nowhere else, so one search finds any of them
however it was cut, cast or quoted. Its free-text stop reasons carry the patient's identifier
and a name found nowhere else too, as clinicians write them; only their class may leave.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

import jakreg.simulate
from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate
from jakreg.simulate.cohort import Patient, PatientGenerator

pytestmark = pytest.mark.e2e
PREFIX = "PIDQX"
NAME = "Zebulonovich"
# Planted texts: one a rule classifies, one nothing does (so it reaches the review list).
FREE_TEXTS = ("traslado - ver NHC {id} Juan " + NAME, "ver NHC {id}, avisar a Dra. " + NAME)
DIALECTS = ("registry_csv", "es_his_csv", "omop_csv", "fhir_ndjson")


class PrefixedIdGenerator(PatientGenerator):
    """The simulator's patients, their local identifiers prefixed so that any trace is findable,
    their stop reasons written with the identifier and a name."""

    def patient(self, global_index: int) -> Patient:
        patient = super().patient(global_index)
        patient.local_id = PREFIX + patient.local_id
        for index, row in enumerate(r for r in patient.prescriptions() if r.stop_reason):
            text = FREE_TEXTS[(global_index + index) % len(FREE_TEXTS)]
            row.stop_reason_text = text.format(id=patient.local_id)
        return patient


class RecordCollector(logging.Handler):
    """Every log record the run emits, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _add_leaky_centers(cohort: Path) -> None:
    """Two more centers whose files break the reader where DuckDB's message quotes the line:
    a FHIR subject written as a string, a CSV row with one field too many."""
    centers_file = cohort / "centers.yaml"
    config = yaml.safe_load(centers_file.read_text(encoding="utf-8"))
    by_dialect = {c["dialect"]: c for c in config["centers"]}
    leaky = {}
    for dialect, leaky_id in (("fhir_ndjson", "leaky_fhir"), ("registry_csv", "leaky_csv")):
        [extract] = (cohort / by_dialect[dialect]["landing"]).iterdir()
        leaky[dialect] = shutil.copytree(extract, cohort / "landing" / leaky_id / extract.name)
        config["centers"].append(
            {"id": leaky_id, "dialect": dialect, "landing": f"landing/{leaky_id}"}
        )
    centers_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    statements = leaky["fhir_ndjson"] / "MedicationStatement.ndjson"
    lines = statements.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[4])
    broken["subject"] = broken["subject"]["reference"]
    lines[4] = json.dumps(broken)
    statements.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (leaky["registry_csv"] / "prescriptions.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{PREFIX}99999999,Xeljanz,2020-01-01,,,{PREFIX}99999999\r\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    root = tmp_path_factory.mktemp("privacy")
    collector = RecordCollector()
    root_logger = logging.getLogger()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret")
        patch.setattr(jakreg.simulate, "PatientGenerator", PrefixedIdGenerator)
        simulate(root / "cohort", patients=400, centers=4, seed=23, dialects=DIALECTS)
        _add_leaky_centers(root / "cohort")
        level = root_logger.level
        root_logger.addHandler(collector)
        root_logger.setLevel(logging.INFO)
        try:
            state = registry_refresh(
                root / "cohort" / "centers.yaml",
                root / "registry.duckdb",
                root / "out",
                work_dir=root / "work",
                return_state=True,
            )
        finally:
            root_logger.removeHandler(collector)
            root_logger.setLevel(level)
    APILogWorker.drain_all(timeout=10)
    return {
        "root": root,
        # Two centers fail, so the run ends Failed and its data is CentersNotRefreshedError.
        "result": state.result(raise_on_failure=False).result,
        "flow_run_id": state.state_details.flow_run_id,
        "log_records": collector.lines,
    }


def _api_records(flow_run_id) -> dict[str, list[str]]:
    """The run's logs, artifacts, flow and task runs (names, parameters, states) as the API has
    them, each as JSON text."""
    with get_client(sync_client=True) as client:
        logs = []
        while batch := client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
            limit=200,
            offset=len(logs),
        ):
            logs.extend(batch)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        flow_run = client.read_flow_run(flow_run_id)
    return {
        "logs": [log.model_dump_json() for log in logs],
        "artifacts": [artifact.model_dump_json() for artifact in artifacts],
        "runs": [run.model_dump_json() for run in [flow_run, *task_runs]],
    }


def _tables_with(database: Path, text: str) -> list[str]:
    """Tables of a DuckDB database holding `text` anywhere in a row (all columns as text)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        return [
            f"{schema}.{table}"
            for schema, table in tables
            if con.execute(
                f'select count(*) from "{schema}"."{table}" as t where contains(t::varchar, $text)',
                {"text": text},
            ).fetchall()[0][0]
        ]


def _holds(path: Path, text: str) -> bool:
    """Whether a file holds `text`: Parquet and DuckDB files decoded, any other read as bytes."""
    if path.suffix == ".parquet":
        return (
            duckdb.execute(
                "select count(*) from read_parquet($path) as t where contains(t::varchar, $text)",
                {"path": str(path), "text": text},
            ).fetchall()[0][0]
            > 0
        )
    if path.suffix == ".duckdb":
        return _tables_with(path, text) != []
    return text.encode() in path.read_bytes()


def _files_below(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_the_cohort_and_the_broken_centers_carry_the_identifier_prefix(run: dict) -> None:
    leaky_fhir = _files_below(run["root"] / "cohort" / "landing" / "leaky_fhir")
    assert [p.name for p in leaky_fhir if _holds(p, PREFIX)] == [
        "Condition.ndjson",
        "MedicationStatement.ndjson",
        "Patient.ndjson",
    ]
    assert [p.name for p in leaky_fhir if _holds(p, NAME)] == ["MedicationStatement.ndjson"]
    result = run["result"]
    assert sorted(result.failed_centers) == ["leaky_csv", "leaky_fhir"]
    assert (
        "file MedicationStatement.ndjson, row 5, column subject"
        in (result.failed_centers["leaky_fhir"])
    )
    assert len(result.staged_centers) == len(DIALECTS)


def test_no_local_identifier_in_any_table_of_the_registry(run: dict) -> None:
    database = run["root"] / "registry.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        marts = con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
        assert len(marts.fetchall()) >= 3
    assert _tables_with(database, PREFIX) == []
    assert _tables_with(database, NAME) == []


def test_no_local_identifier_in_any_work_or_output_file(run: dict) -> None:
    root = run["root"]
    files = [p for p in _files_below(root) if "cohort" not in p.relative_to(root).parts]
    assert {p.relative_to(root).parts[0] for p in files} >= {"out", "work", "registry.duckdb"}
    assert any(p.suffix == ".parquet" for p in files)
    assert [str(p.relative_to(root)) for p in files if _holds(p, PREFIX)] == []
    assert [str(p.relative_to(root)) for p in files if _holds(p, NAME)] == []
    # The texts nothing classified are in the work area's review lists, redacted.
    review = [p for p in files if p.name == "stg_unmapped_terms.parquet"]
    query = "select count(*) from read_parquet($path) where text = 'ver avisar a'"
    assert any(duckdb.execute(query, {"path": str(p)}).fetchall()[0][0] for p in review)


def test_no_local_identifier_in_any_log_record(run: dict) -> None:
    lines = run["log_records"]
    assert any("leaky_fhir" in line for line in lines)
    assert [line for line in lines if PREFIX in line or NAME in line] == []


def test_no_local_identifier_in_the_runs_logs_states_or_artifacts_in_the_prefect_api(
    run: dict,
) -> None:
    records = _api_records(run["flow_run_id"])
    assert any("leaky_csv" in log for log in records["logs"])
    assert records["artifacts"] != []
    for kind, texts in records.items():
        assert [text for text in texts if PREFIX in text or NAME in text] == [], kind


def test_no_local_identifier_anywhere_in_the_prefect_database(run: dict) -> None:
    database = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1])
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    assert database in files
    leaks = [p.name for p in files if any(t.encode() in p.read_bytes() for t in (PREFIX, NAME))]
    assert leaks == []
