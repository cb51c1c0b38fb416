"""`registry-refresh`: load and gate every center concurrently, build, gate and publish, analyse.

Each center is a subflow run, `center-<id>` (`flows/center_refresh.py`), whose final state is the
center's outcome. A center whose newest extract is unchanged since it was staged is not staged
again. A center whose newest extract cannot be staged, or fails an error-level expectation of the
quality gate, is reported and quarantined: its last accepted extract is used instead, or it is
left out when it has none; the others go on. The registry is published only when its marts pass
the gate. The run ends Completed when every center's newest extract is in the registry, and
Failed, naming the centers, when any is not, after the registry has been built from the others.

A run whose inputs (extracts, configuration, key, code) are those of the published registry, whose
outputs `out/latest` shows, stops after loading: it would rebuild the same registry. It reports
what the published run decided and publishes nothing (`rebuild=True` builds anyway).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed, State

from flows.center_refresh import CenterSubflows, NextStep
from flows.run_policy import with_policy
from jakreg.config import Protocol, load_centers
from jakreg.errors import JakregError
from jakreg.layout import RegistryLayout
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from jakreg.stage_timings import StageTimings
from tasks.analysis.artifacts import publish_artifacts
from tasks.analysis.report import write_report
from tasks.analysis.run_folder import create_run_folder, latest_run_folder
from tasks.analysis.study_tables import write_study_tables
from tasks.analysis.tables import load_analysis_inputs, write_analysis_tables
from tasks.extract.incremental import CenterLoad, record_loads
from tasks.extract.pseudonym import pseudonym_key
from tasks.quality.quarantine import QualityGate, RegistryGateError
from tasks.registry.build import build_registry, publish_registry
from tasks.registry.build_center import build_center
from tasks.registry.inputs import PublishedRun, inputs_digest, read_published_run
from tasks.registry.lock import registry_lock
from tasks.registry.publish import (
    clear_leftovers,
    keep_outputs,
    outputs_building_dir,
    publish_outputs,
    published_version,
)
from tasks.run_log import record_end, record_start
from tasks.run_summary import publish_run_summary


@dataclass
class RefreshResult:
    database: Path
    out_dir: Path
    run_id: str
    loads: list[CenterLoad] = field(default_factory=list)
    staged_centers: list[str] = field(default_factory=list)
    failed_centers: dict[str, str] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    run_folder: Path | None = None
    timings: StageTimings = field(default_factory=StageTimings)
    quality: dict[str, str] = field(default_factory=dict)
    data_docs: Path | None = None
    version: str | None = None
    in_registry: dict[str, str] = field(default_factory=dict)
    # True when the inputs were the published run's, so nothing was built or published.
    nothing_new: bool = False

    def center_summary(self) -> dict[str, dict[str, Any]]:
        """Per center: what the run did with its newest extract and what the registry holds."""
        return {
            load.center_id: {
                "load": load.status,
                "extract_date": load.fingerprint.extract_date if load.fingerprint else None,
                "in_registry": self.in_registry.get(load.center_id),
                "quality": self.quality.get(load.center_id),
                "seconds": round(load.seconds, 2),
                "rows_read": load.staged.total_rows_read if load.staged else None,
                "rows_rejected": sum(load.staged.rows_rejected.values()) if load.staged else None,
                "rows_rejected_by_rule": load.staged.rejected if load.staged else None,
                "unmapped_rows": load.staged.unmapped_rows if load.staged else None,
                "error": self.failed_centers.get(load.center_id),
            }
            for load in self.loads
        }


class NoCenterStagedError(JakregError):
    exit_code = 3


class CentersNotRefreshedError(JakregError):
    """The registry was built and published, but some centers' newest extracts are not in it.

    Raised by a direct call of the flow; `result` holds what the run did."""

    exit_code = 4

    def __init__(self, message: str, result: RefreshResult) -> None:
        super().__init__(message)
        self.result = result


@flow(name="registry-refresh")
def registry_refresh(
    centers_file: Path,
    database: Path,
    out_dir: Path,
    protocol_file: Path | None = None,
    work_dir: Path | None = None,
    quality_file: Path | None = None,
    keep_versions: int = 3,
    lock_wait_seconds: float = 0,
    rebuild: bool = False,
) -> RefreshResult | State:
    """Refreshes the registry from each center's newest extract and writes the run's outputs into
    a new dated folder under `out_dir`, then points `out_dir/latest` at it.

    The registry's lock is held throughout (waiting up to `lock_wait_seconds` for another run);
    the `keep_versions` versions published before this one are kept for `jakreg rollback`.
    `rebuild` builds and publishes even when nothing changed since the published run."""
    key = pseudonym_key()  # fail before any work when the secret is missing
    layout = RegistryLayout.for_database(Path(database), work_dir)
    run_id = str(flow_run.id or uuid.uuid4())
    protocol = Protocol.load(protocol_file)
    thresholds = QualityThresholds.load(quality_file)
    with registry_lock(layout.lock, f"run {run_id}", lock_wait_seconds):
        record_start(layout.run_log, run_id)
        try:
            result = _refresh(
                Path(centers_file),
                layout,
                Path(out_dir).resolve(),
                protocol,
                thresholds,
                keep_versions,
                run_id,
                key,
                rebuild,
            )
        except Exception as err:
            record_end(layout.run_log, run_id, "Failed", f"{type(err).__name__}: {err}")
            raise
        line = _failure_line(result) if result.failed_centers else None
        state = "Failed" if line else "Completed"
        centers = result.center_summary()
        record_end(layout.run_log, run_id, state, line, result.version, centers)
        publish_run_summary(
            layout.database, state, line, result.version, centers, protocol.min_cell_count
        )
    if line:
        return Failed(message=line, data=CentersNotRefreshedError(line, result))
    return result


def _refresh(
    centers_file: Path,
    layout: RegistryLayout,
    out_dir: Path,
    protocol: Protocol,
    thresholds: QualityThresholds,
    keep_versions: int,
    run_id: str,
    key: bytes,
    rebuild: bool,
) -> RefreshResult:
    """The run, under the registry lock: load, gate, build, gate, analyse, publish."""
    logger = get_run_logger()
    centers = load_centers(centers_file)
    settings = DuckDBSettings.from_environment()
    result = RefreshResult(layout.database, out_dir, run_id)
    clear_leftovers(layout, out_dir)

    with CenterSubflows(centers.centers, layout, settings, thresholds) as subflows:
        with result.timings.measure("stage-centers") as timing:
            result.loads = subflows.loads()
            record_loads(layout.manifest, result.loads, run_id)
            staged = [c.staged for c in result.loads if c.staged is not None]
            for center in result.loads:
                if center.error:
                    result.failed_centers[center.center_id] = center.error
                else:
                    result.staged_centers.append(center.center_id)
            timing.rows_in = sum(extract.total_rows_read for extract in staged)
            timing.rows_out = sum(extract.total_rows_staged for extract in staged)

        newest = [
            (center, load.fingerprint.digest if load.fingerprint else None)
            for center, load in zip(centers.centers, result.loads, strict=True)
        ]
        digest = inputs_digest(newest, protocol, thresholds, key)
        published = read_published_run(layout.database)
        if not rebuild and published and published.inputs_digest == digest:
            outputs = latest_run_folder(out_dir, published.run_id)
            if outputs:
                subflows.outcomes(NextStep(published=published))
                return _nothing_new(result, published, outputs, layout)

        run_folder = create_run_folder(outputs_building_dir(out_dir), run_id)
        gate = QualityGate.start(layout.work_dir, run_folder / "data_docs", thresholds, run_id)
        with result.timings.measure("quality-gate"):
            accepted = []
            for outcome in subflows.outcomes(NextStep(gate=gate)):
                decision = outcome.decision
                result.quality[decision.center_id] = decision.status
                if decision.accepted:
                    accepted.append(decision.accepted)
                if decision.problem:
                    result.failed_centers[decision.center_id] = decision.problem
        if not accepted:
            gate.publish_report(run_folder, out_dir / run_folder.name)
            kept = keep_outputs(run_folder, out_dir)
            raise NoCenterStagedError(
                "no center could be staged or passed the quality gate; nothing was published. "
                f"Why, per center: {kept / 'quality_gate.md'}"
            )

    with result.timings.measure("build-registry") as timing:
        in_registry = {extract.center_id: extract.extract_date for extract in accepted}
        decisions = {
            center_id: {
                "quality": quality,
                "problem": result.failed_centers.get(center_id),
                "in_registry": in_registry.get(center_id),
            }
            for center_id, quality in result.quality.items()
        }
        build_one = with_policy(build_center)
        centers_built = [build_one.submit(e, protocol, layout, settings) for e in accepted]
        build = with_policy(build_registry)(
            layout.database,
            [future.result() for future in centers_built],
            protocol,
            settings,
            run_id,
            digest,
            decisions,
        )
        if build.reused_centers:
            logger.info("rows of %s kept from the published registry", build.reused_centers)
        registry = gate.check_registry(build.building)
        result.data_docs = gate.publish_report(run_folder, out_dir / run_folder.name)
        if registry.failed:
            kept = keep_outputs(run_folder, out_dir)
            raise RegistryGateError(
                registry, build.building, kept / result.data_docs.relative_to(run_folder)
            )
        result.mart_rows = build.mart_rows
        timing.rows_in = sum(extract.total_rows_staged for extract in accepted)
        timing.rows_out = sum(result.mart_rows.values())
    with result.timings.measure("analysis") as timing:
        inputs = load_analysis_inputs(build.building)
        tables = write_analysis_tables(inputs, run_folder, protocol)
        study = write_study_tables(inputs, build.building, run_folder, protocol, settings)
        quality = gate.status(run_folder)
        failed = sorted(result.failed_centers)
        report = write_report(inputs, tables, run_folder, protocol, quality, failed, study)
        publish_artifacts(tables, report, protocol, quality)
        timing.rows_in = len(inputs.failures) + len(inputs.jaki_courses)
        timing.rows_out = sum(len(table) for table in dataclasses.astuple(tables))
    with result.timings.measure("publish"):
        version = with_policy(publish_registry)(build, layout, run_id, keep_versions)
        result.run_folder = publish_outputs(run_folder, out_dir)
        result.data_docs = result.run_folder / result.data_docs.relative_to(run_folder)
        result.version = version.name
        result.in_registry = in_registry
    logger.info(
        "registry version %s published at %s; marts %s",
        version.name,
        layout.database,
        result.mart_rows,
    )
    return result


def _nothing_new(
    result: RefreshResult, published: PublishedRun, outputs: Path, layout: RegistryLayout
) -> RefreshResult:
    """The result of a run whose inputs are the published run's: that run's decisions stand."""
    logger = get_run_logger()
    result.nothing_new = True
    version = published_version(layout)
    result.version = version.name if version else None
    result.run_folder = outputs
    result.data_docs = outputs / "data_docs" / "index.html"
    result.mart_rows = published.mart_rows
    for center_id, decision in published.centers.items():
        result.quality[center_id] = decision["quality"]
        if decision["in_registry"]:
            result.in_registry[center_id] = decision["in_registry"]
        if decision["problem"]:
            result.failed_centers[center_id] = decision["problem"]
            logger.error("center %s still not refreshed: %s", center_id, decision["problem"])
    logger.info(
        "nothing new since run %s: its registry (version %s) and outputs %s stay published",
        published.run_id,
        result.version,
        outputs,
    )
    return result


def _failure_line(result: RefreshResult) -> str:
    """One line for the UI: which centers were not refreshed and what the registry kept."""
    parts = [
        f"{center} (kept extract {result.in_registry[center]})"
        if center in result.in_registry
        else f"{center} (left out)"
        for center in result.failed_centers
    ]
    total = len(result.loads)
    return f"{len(parts)} of {total} centers not refreshed: {', '.join(parts)}"
