"""`registry-refresh`: stage every center concurrently, gate, build, gate and publish, analyse.

A center whose extract cannot be staged, or fails an error-level expectation of the quality gate,
is reported and quarantined: its last accepted extract is used instead, or it is left out when it
has none; the others go on. The registry is published only when its marts pass the gate. The run
ends Completed when every center staged, and Failed (with the centers named) when any did not, after
the registry has been built from those that did.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from jakreg.config import Protocol, load_centers
from jakreg.errors import JakregError
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from jakreg.stage_timings import StageTimings
from tasks.analysis.artifacts import publish_artifacts
from tasks.analysis.report import write_report
from tasks.analysis.run_folder import create_run_folder, point_latest
from tasks.analysis.tables import load_analysis_inputs, write_analysis_tables
from tasks.build_registry import build_registry, publish_registry
from tasks.extract.pseudonym import pseudonym_key
from tasks.extract.stage_center import stage_center
from tasks.quality.quarantine import QualityGate, RegistryGateError


@dataclass
class RefreshResult:
    database: Path
    out_dir: Path
    staged_centers: list[str] = field(default_factory=list)
    failed_centers: dict[str, str] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    run_folder: Path | None = None
    timings: StageTimings = field(default_factory=StageTimings)
    quality: dict[str, str] = field(default_factory=dict)
    data_docs: Path | None = None


class NoCenterStagedError(JakregError):
    exit_code = 3


@flow(name="registry-refresh")
def registry_refresh(
    centers_file: Path,
    database: Path,
    out_dir: Path,
    protocol_file: Path | None = None,
    work_dir: Path | None = None,
    quality_file: Path | None = None,
) -> RefreshResult:
    """Refreshes the registry from each center's newest extract and writes the run's outputs into
    a new dated folder under `out_dir`, then points `out_dir/latest` at it."""
    logger = get_run_logger()
    protocol = Protocol.load(protocol_file)
    thresholds = QualityThresholds.load(quality_file)
    centers = load_centers(Path(centers_file))
    pseudonym_key()  # fail before any work when the secret is missing
    database = Path(database).resolve()
    work_dir = Path(work_dir) if work_dir else database.with_name(database.stem + ".work")
    settings = DuckDBSettings.from_environment()
    result = RefreshResult(database, Path(out_dir))

    run_id = str(flow_run.id or "local")
    run_folder = create_run_folder(Path(out_dir), run_id)
    gate = QualityGate.start(work_dir, run_folder / "data_docs", thresholds, run_id)
    with result.timings.measure("stage-centers") as timing:
        futures = {c.id: stage_center.submit(c, work_dir, settings) for c in centers.centers}
        staged = {}
        for center_id, future in futures.items():
            try:
                staged[center_id] = future.result()
                result.staged_centers.append(center_id)
            except JakregError as err:
                result.failed_centers[center_id] = str(err)
                logger.error("center %s not staged: %s", center_id, err)
        timing.rows_in = sum(extract.total_rows_read for extract in staged.values())
        timing.rows_out = sum(extract.total_rows_staged for extract in staged.values())

    with result.timings.measure("quality-gate"):
        accepted = []
        for center in centers.centers:
            if center.id in staged:
                decision = gate.check_center(center, staged[center.id])
            else:
                decision = gate.not_staged(center, result.failed_centers[center.id])
            result.quality[center.id] = decision.status
            if decision.accepted:
                accepted.append(decision.accepted)
            if decision.problem:
                result.failed_centers[center.id] = decision.problem
                logger.error("center %s quarantined: %s", center.id, decision.problem)
            for finding in decision.warnings:
                logger.warning("center %s: %s", center.id, finding.describe())
        if not accepted:
            raise NoCenterStagedError("no center could be staged; see the errors above")

    with result.timings.measure("build-registry") as timing:
        build = build_registry(database, accepted, protocol, settings, run_id)
        registry = gate.check_registry(build.building)
        result.data_docs = gate.publish_report(run_folder)
        if registry.failed:
            raise RegistryGateError(registry, build.building, result.data_docs)
        publish_registry(build)
        result.mart_rows = {t: n for t, n in build.row_counts.items() if t.startswith("marts.")}
        timing.rows_in = sum(extract.total_rows_staged for extract in accepted)
        timing.rows_out = sum(result.mart_rows.values())
    with result.timings.measure("analysis") as timing:
        inputs = load_analysis_inputs(database)
        tables = write_analysis_tables(inputs, run_folder, protocol)
        quality = gate.status(run_folder)
        failed = sorted(result.failed_centers)
        report = write_report(inputs, tables, run_folder, protocol, quality, failed)
        publish_artifacts(tables, report, protocol, quality)
        point_latest(run_folder)
        result.run_folder = run_folder
        timing.rows_in = len(inputs.failures) + len(inputs.jaki_courses)
        timing.rows_out = sum(len(table) for table in dataclasses.astuple(tables))
    logger.info("registry published at %s; marts %s", database, result.mart_rows)
    return result
