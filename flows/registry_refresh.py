"""`registry-refresh`: stage every center concurrently, build and publish the registry, analyse.

A center whose extract cannot be staged is reported and left out; the others go on. The run ends
Completed when every center staged, and Failed (with the centers named) when any did not, after
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
from jakreg.quality_status import QualityStatus
from jakreg.settings import DuckDBSettings
from jakreg.stage_timings import StageTimings
from tasks.analysis.artifacts import publish_artifacts
from tasks.analysis.report import write_report
from tasks.analysis.run_folder import create_run_folder, point_latest
from tasks.analysis.tables import load_analysis_inputs, write_analysis_tables
from tasks.build_registry import build_registry
from tasks.extract.pseudonym import pseudonym_key
from tasks.extract.stage_center import stage_center


@dataclass
class RefreshResult:
    database: Path
    out_dir: Path
    staged_centers: list[str] = field(default_factory=list)
    failed_centers: dict[str, str] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    run_folder: Path | None = None
    timings: StageTimings = field(default_factory=StageTimings)


class NoCenterStagedError(JakregError):
    exit_code = 3


@flow(name="registry-refresh")
def registry_refresh(
    centers_file: Path,
    database: Path,
    out_dir: Path,
    protocol_file: Path | None = None,
    work_dir: Path | None = None,
) -> RefreshResult:
    """Refreshes the registry from each center's newest extract and writes the run's outputs into
    a new dated folder under `out_dir`, then points `out_dir/latest` at it."""
    logger = get_run_logger()
    protocol = Protocol.load(protocol_file)
    centers = load_centers(Path(centers_file))
    pseudonym_key()  # fail before any work when the secret is missing
    database = Path(database).resolve()
    work_dir = Path(work_dir) if work_dir else database.with_name(database.stem + ".work")
    settings = DuckDBSettings.from_environment()
    result = RefreshResult(database, Path(out_dir))

    with result.timings.measure("stage-centers") as timing:
        futures = {c.id: stage_center.submit(c, work_dir, settings) for c in centers.centers}
        staged = []
        for center_id, future in futures.items():
            try:
                staged.append(future.result())
                result.staged_centers.append(center_id)
            except JakregError as err:
                result.failed_centers[center_id] = str(err)
                logger.error("center %s not staged: %s", center_id, err)
        if not staged:
            raise NoCenterStagedError("no center could be staged; see the errors above")
        timing.rows_in = sum(extract.total_rows_read for extract in staged)
        timing.rows_out = sum(extract.total_rows_staged for extract in staged)

    run_id = str(flow_run.id or "local")
    with result.timings.measure("build-registry") as timing:
        build = build_registry(database, staged, protocol, settings, run_id)
        result.mart_rows = {t: n for t, n in build.row_counts.items() if t.startswith("marts.")}
        timing.rows_in = sum(extract.total_rows_staged for extract in staged)
        timing.rows_out = sum(result.mart_rows.values())
    with result.timings.measure("analysis") as timing:
        run_folder = create_run_folder(Path(out_dir), run_id)
        inputs = load_analysis_inputs(database)
        tables = write_analysis_tables(inputs, run_folder, protocol)
        quality = QualityStatus.not_validated(result.staged_centers)
        failed = sorted(result.failed_centers)
        report = write_report(inputs, tables, run_folder, protocol, quality, failed)
        publish_artifacts(tables, report, protocol, quality)
        point_latest(run_folder)
        result.run_folder = run_folder
        timing.rows_in = len(inputs.failures) + len(inputs.jaki_courses)
        timing.rows_out = sum(len(table) for table in dataclasses.astuple(tables))
    logger.info("registry published at %s; marts %s", database, result.mart_rows)
    return result
