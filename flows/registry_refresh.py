"""`registry-refresh`: load and gate every center concurrently, build, gate and publish, analyse.

Each center is a subflow run, `center-<id>` (`flows/center_refresh.py`), whose final state is the
center's outcome. A center whose newest extract is unchanged since it was staged is not staged
again. A center whose newest extract cannot be staged, or fails an error-level expectation of the
quality gate, is reported and quarantined: its last accepted extract is used instead, or it is
left out when it has none; the others go on. The registry is published only when its marts pass
the gate. The run ends Completed when every center's newest extract is in the registry, and
Completed named `Partial` (tagged `partial`), naming the centers, when the registry was published
without some of them; it ends Failed when nothing was published (no center could be loaded, the
registry failed its gate: a data error, reported in one line without a traceback). Runs are named
by their local start time (`night 2026-11-30 02:00 CET`).

A run whose inputs (extracts, configuration, key, code) are those of the published registry, whose
outputs `out/latest` shows, stops after loading: it would rebuild the same registry. It reports
what the published run decided and publishes nothing (`rebuild=True` builds anyway).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_client, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State
from prefect.utilities.urls import url_for

from flows.center_refresh import CenterSubflows, NextStep
from flows.progress import StageProgress
from flows.run_policy import with_policy
from jakreg.config import Protocol, load_centers
from jakreg.errors import ConfigError, JakregError
from jakreg.key_policy import check_key_unchanged
from jakreg.layout import RegistryLayout
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from jakreg.stage_timings import StageTimings
from jakreg.time_limits import NIGHT_SECONDS
from tasks.analysis.run_folder import create_run_folder, latest_run_folder
from tasks.extract.incremental import CenterLoad, record_loads
from tasks.extract.pseudonym import pseudonym_key
from tasks.federated.landing import BUNDLE_ACCEPTED, BUNDLE_REFUSED, BundleDecision
from tasks.federated.steps import check_bundles, with_bundles, write_federated_tables
from tasks.quality.quarantine import QualityGate, RegistryGateError, finding_keys
from tasks.registry.build import build_registry, publish_registry
from tasks.registry.build_center import build_center
from tasks.registry.inputs import PublishedRun, inputs_digest, key_id, read_published_run
from tasks.registry.lock import registry_lock
from tasks.registry.publish import (
    clear_leftovers,
    keep_outputs,
    outputs_building_dir,
    publish_outputs,
    published_version,
    registry_key_fingerprint,
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
    # The headline retention figures in markdown, for the run summary.
    headline: str | None = None
    # What changed since the registry published before, one line each (tasks/registry/diff.py).
    changes: list[str] = field(default_factory=list)
    # The federated centers' bundles (docs/federated.md).
    bundles: list[BundleDecision] = field(default_factory=list)

    def center_summary(self) -> dict[str, dict[str, Any]]:
        """Per center: what the run did with its newest extract (a federated center: its newest
        bundle) and what the registry holds."""
        bundles = {
            bundle.center_id: {
                "kind": "aggregates",
                "load": BUNDLE_ACCEPTED if bundle.problem is None else BUNDLE_REFUSED,
                "extract_date": bundle.newest,
                "in_registry": bundle.pooled,
                "quality": bundle.status,
                "seconds": None,
                "error": bundle.problem,
            }
            for bundle in self.bundles
        }
        return bundles | {
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
                "mapping_routes": load.staged.mapping_routes if load.staged else {},
                "error": self.failed_centers.get(load.center_id),
            }
            for load in self.loads
        }


class NoCenterStagedError(JakregError):
    exit_code = 3


PARTIAL = "Partial"  # the state name of a night that published without some centers
PARTIAL_TAG = "partial"


def night_name() -> str:
    """The run's name: its local start time, `night 2026-11-30 02:00 CET`."""
    return f"night {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"


@flow(name="registry-refresh", flow_run_name=night_name, timeout_seconds=NIGHT_SECONDS)
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
    rotate_key: bool = False,
) -> RefreshResult | State:
    """Refreshes the registry from each center's newest extract and writes the run's outputs into
    a new dated folder under `out_dir`, then points `out_dir/latest` at it.

    The registry's lock is held throughout (waiting up to `lock_wait_seconds` for another run);
    the `keep_versions` versions published before this one are kept for `jakreg rollback`.
    `rebuild` builds and publishes even when nothing changed since the published run.
    `rotate_key` lets the run re-key the registry with a pseudonymisation key other than the
    published registry's (docs/operations.md, "Changing the pseudonymisation key").

    Ends Completed, or Completed named `Partial` when some centers are not in the registry (the
    result's `failed_centers` names them), or Failed with a data error's one line."""
    logger = get_run_logger()
    logger.info(
        "%s started; in the Prefect UI: %s", flow_run.name, url_for("flow-run", flow_run.id)
    )
    try:
        return _night(
            centers_file,
            database,
            out_dir,
            protocol_file,
            work_dir,
            quality_file,
            keep_versions,
            lock_wait_seconds,
            rebuild,
            rotate_key,
        )
    except JakregError as err:
        # Expected: the state's message is the whole story, a traceback would add nothing.
        return Failed(message=str(err), data=err)


def _night(
    centers_file: Path,
    database: Path,
    out_dir: Path,
    protocol_file: Path | None,
    work_dir: Path | None,
    quality_file: Path | None,
    keep_versions: int,
    lock_wait_seconds: float,
    rebuild: bool,
    rotate_key: bool,
) -> State:
    """The run under the registry lock, recorded in the run log, summarised in one artifact."""
    key = pseudonym_key()  # fail before any work when the secret is missing or weak
    if keep_versions < 1:
        raise ConfigError(
            f"keep_versions is {keep_versions}: keep at least 1 version besides the new one, or "
            "a rollback has nothing to go back to"
        )
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
                rotate_key,
            )
        except BaseException as err:  # a timeout too: the log must not show a run in progress
            record_end(layout.run_log, run_id, "Failed", f"{type(err).__name__}: {err}")
            raise
        line = _failure_line(result) if result.failed_centers else None
        state = PARTIAL if line else "Completed"
        centers = result.center_summary()
        stages = {stage.stage: round(stage.seconds, 1) for stage in result.timings.stages}
        record_end(layout.run_log, run_id, state, line, result.version, centers, stages)
        links = {}
        if result.run_folder:
            links = {"report": result.run_folder / "report.html", "Data Docs": result.data_docs}
        publish_run_summary(
            layout.database,
            state,
            line,
            result.version,
            centers,
            protocol.min_cell_count,
            result.timings.stages,
            links,
            result.headline,
        )
    if line:
        _tag_run(PARTIAL_TAG)
        return Completed(name=PARTIAL, message=line, data=result)
    return Completed(message=f"registry version {result.version} published", data=result)


def _tag_run(tag: str) -> None:
    """Adds `tag` to this run, so the runs list can be filtered by outcome."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run.id, tags=[*flow_run.tags, tag])


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
    rotate_key: bool,
) -> RefreshResult:
    """The run, under the registry lock: load, gate, build, gate, analyse, publish."""
    logger = get_run_logger()
    registry_key = registry_key_fingerprint(layout)
    check_key_unchanged(registry_key, key_id(key), rotate_key)
    if registry_key not in (None, key_id(key)):
        logger.warning("re-keying the registry: every center is staged again with the new key")
    published = read_published_run(layout.database)
    centers = load_centers(centers_file)
    settings = DuckDBSettings.from_environment()
    result = RefreshResult(layout.database, out_dir, run_id)
    for label, problem in centers.unnamed.items():
        logger.error("%s: not read: %s", label, problem)
        result.failed_centers[label] = problem
    result.timings.report = logger.info
    clear_leftovers(layout, out_dir)
    total = len(centers.centers)

    with CenterSubflows(centers.centers, layout, settings, thresholds) as subflows:
        with result.timings.measure("stage-centers") as timing:
            result.loads = subflows.loads(StageProgress("stage-centers", total, "centers"))
            record_loads(layout.manifest, result.loads, run_id)
            staged = [c.staged for c in result.loads if c.staged is not None]
            for center in result.loads:
                if center.error:
                    result.failed_centers[center.center_id] = center.error
                else:
                    result.staged_centers.append(center.center_id)
            timing.rows_in = sum(extract.total_rows_read for extract in staged)
            timing.rows_out = sum(extract.total_rows_staged for extract in staged)

        result.bundles = check_bundles(centers.aggregate_centers, layout.work_dir, protocol)
        newest = [
            (center, load.fingerprint.digest if load.fingerprint else None)
            for center, load in zip(centers.centers, result.loads, strict=True)
        ]
        digest = with_bundles(
            inputs_digest(newest, protocol, thresholds, key), centers.aggregate_centers
        )
        if not rebuild and published and published.inputs_digest == digest:
            outputs = latest_run_folder(out_dir, published.run_id)
            if outputs:
                subflows.outcomes(NextStep(published=published))
                return _nothing_new(result, published, outputs, layout)

        run_folder = create_run_folder(outputs_building_dir(out_dir), run_id)
        with result.timings.measure("quality-gate"):
            # In the stage: opening the gate imports GX, seconds the gate costs.
            gate = QualityGate.start(layout.work_dir, run_folder / "data_docs", thresholds, run_id)
            accepted = []
            progress = StageProgress("quality-gate", total, "centers")
            for outcome in subflows.outcomes(NextStep(gate=gate), progress):
                decision = outcome.decision
                result.quality[decision.center_id] = decision.status
                if decision.accepted:
                    accepted.append(decision.accepted)
                if decision.problem:
                    result.failed_centers[decision.center_id] = decision.problem
            for bundle in result.bundles:
                result.quality[bundle.center_id] = bundle.status
                if bundle.problem:
                    result.failed_centers[bundle.center_id] = bundle.problem
        if not accepted:
            gate.publish_report(run_folder, out_dir / run_folder.name)
            kept = keep_outputs(run_folder, out_dir)
            raise NoCenterStagedError(
                "no center could be staged or passed the quality gate; nothing was published. "
                f"Why, per center: {kept / 'quality_gate.md'}"
            )

    with result.timings.measure("build-registry") as timing:
        in_registry = {extract.center_id: extract.extract_date for extract in accepted}
        in_registry |= {b.center_id: b.pooled for b in result.bundles if b.pooled}
        decisions = {
            center_id: {
                "quality": quality,
                "problem": result.failed_centers.get(center_id),
                "in_registry": in_registry.get(center_id),
                "findings": finding_keys(gate.verdicts.get(center_id)),
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
        registry = gate.check_registry(build.building, accepted)
        result.data_docs = gate.publish_report(run_folder, out_dir / run_folder.name)
        if registry.failed:
            kept = keep_outputs(run_folder, out_dir)
            raise RegistryGateError(
                registry, build.building, kept / result.data_docs.relative_to(run_folder)
            )
        result.mart_rows = build.mart_rows
        timing.rows_in = sum(extract.total_rows_staged for extract in accepted)
        timing.rows_out = sum(result.mart_rows.values())
    with result.timings.measure("sensitivity-grid") as timing:
        from tasks.analysis.study_tables import run_sensitivity_grid

        grid = run_sensitivity_grid(build.building, protocol, settings)
        timing.rows_out = len(grid)
    with result.timings.measure("analysis") as timing:
        # Imported in the stage that needs them: the analysis packages (lifelines, pandas,
        # matplotlib, scipy) take seconds to import, which a night with nothing new (or whose
        # gate rejects every center) must not pay.
        from tasks.analysis.artifacts import publish_artifacts
        from tasks.analysis.report import write_report
        from tasks.analysis.study_tables import study_tables
        from tasks.analysis.tables import load_analysis_inputs, write_analysis_tables
        from tasks.registry.changes import record_changes

        inputs = load_analysis_inputs(build.building)
        study = study_tables(inputs, grid, protocol)
        tables = write_analysis_tables(inputs, run_folder, protocol, study)
        quality = gate.status(run_folder)
        failed = sorted(result.failed_centers)
        previous = published_version(layout)
        changes = record_changes(
            layout.database if layout.database.exists() else None,
            previous.name if previous else None,
            build.building,
            protocol,
            run_folder,
        )
        result.changes = changes.lines(protocol.min_cell_count)
        federated = write_federated_tables(inputs, result.bundles, run_folder, protocol)
        write_report(inputs, tables, run_folder, protocol, quality, failed, changes, federated)
        result.headline = publish_artifacts(tables, protocol, quality)
        timing.rows_in = len(inputs.failures) + len(inputs.jaki_courses)
        timing.rows_out = sum(len(table) for table in tables.frames().values())
    with result.timings.measure("publish"):
        version = with_policy(publish_registry)(build, layout, run_id, keep_versions)
        result.run_folder = publish_outputs(run_folder, out_dir)
        result.data_docs = result.run_folder / result.data_docs.relative_to(run_folder)
        result.version = version.name
        result.in_registry = in_registry
    logger.info("registry version %s published at %s", version.name, layout.database)
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
    named = {load.center_id for load in result.loads} | {b.center_id for b in result.bundles}
    total = len(named) + sum(1 for center in result.failed_centers if center not in named)
    return f"{len(parts)} of {total} centers not refreshed: {', '.join(parts)}"
