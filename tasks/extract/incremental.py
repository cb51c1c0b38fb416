"""Loads one center incrementally: stage its newest extract only when its files changed.

The newest extract's files are hashed. When a staged extract of the same date and digest exists
whose `staged.json` records the key id and code digest in use, its Parquet files are reused: the
extract was loaded before and nothing changed. Otherwise the extract is staged again: a re-sent,
corrected dump under an old date is caught by its hashes, a new pseudonymisation key or a new
jakreg version by the key id and code digest. When staging fails on the center's data, the failure
is returned, not raised: the quality gate then puts the center's last accepted extract in the
registry (`tasks/quality/quarantine.py`). A dump re-sent under an old date is staged beside the
one sent first (folders are named by date and digest), so a corrected dump that turns out broken
leaves the earlier good one of the same date in place.
Every outcome is recorded in the load manifest, file by file, by the flow (one writer, whichever
task runner staged).

Files that change while a run is hashing and staging them are staged as read; their hashes differ
on the next run, which stages them again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from prefect import get_run_logger, task
from prefect.states import Completed, Failed, State

from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.layout import RegistryLayout
from jakreg.logs import NOT_ON_CONSOLE
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.landing import newest_extract
from tasks.extract.manifest import (
    FAILED,
    LOADED,
    UNCHANGED,
    ExtractFingerprint,
    JsonLines,
    fingerprint_extract,
    load_records,
)
from tasks.extract.pseudonym import pseudonym_key
from tasks.extract.row_rejects import rules_digest
from tasks.extract.stage_center import StagedExtract, stage_center, staged_folder
from tasks.registry.inputs import code_digest, key_id


@dataclass(frozen=True)
class CenterLoad:
    """What a run did with one center: its newest extract's files and, unless it failed, the
    staged extract made (or reused) from them."""

    center_id: str
    status: str
    staged: StagedExtract | None
    error: str | None
    seconds: float
    fingerprint: ExtractFingerprint | None


def reusable_staged(
    staged_dir: Path,
    fingerprint: ExtractFingerprint,
    thresholds: QualityThresholds,
    terms_digest: str = "",
) -> StagedExtract | None:
    """The staged extract of this date when it was staged from exactly these files, with the
    pseudonymisation key, the code, the row rules' dates and the center's term overrides in use
    now."""
    staged = StagedExtract.read(staged_folder(staged_dir, fingerprint))
    if (
        staged is None
        or staged.extract_digest != fingerprint.digest
        or staged.key_id != key_id(pseudonym_key())
        or staged.code_digest != code_digest()
        or staged.rules_digest != rules_digest(thresholds)
        or staged.terms_digest != terms_digest
    ):
        return None
    return staged


@task(name="load-center", task_run_name="load-{center.id}")
def load_center(
    center: Center,
    layout: RegistryLayout,
    settings: DuckDBSettings,
    thresholds: QualityThresholds | None = None,
) -> State:
    """Reuses or stages one center's newest extract; its state holds the `CenterLoad`.

    A data error ends the task Failed with the error in one line (no traceback: it is expected,
    and the subflow reports it once), its `CenterLoad` still the state's result. Other errors (a
    full disk, an unreadable share) are raised, so the flow can retry them.
    """
    logger = get_run_logger()
    started = time.monotonic()
    thresholds = thresholds or QualityThresholds()
    fingerprint = None
    if center.config_error:
        logger.error("center %s: not read: %s", center.id, center.config_error)
        return CenterLoad(center.id, FAILED, None, center.config_error, 0.0, None)
    try:
        fingerprint = fingerprint_extract(center, newest_extract(center, logger.warning))
        staged = reusable_staged(
            layout.staged_dir, fingerprint, thresholds, center.term_overrides_digest()
        )
        status = UNCHANGED
        if staged is None:
            # A data error fails the stage task; its state raises it here.
            state = stage_center(
                center, layout.work_dir, settings, fingerprint, thresholds, return_state=True
            )
            staged = state.result()
            status = LOADED
    except CenterDataError as err:
        seconds = time.monotonic() - started
        load = CenterLoad(center.id, FAILED, None, str(err), seconds, fingerprint)
        return Failed(message=str(err), data=load)
    seconds = time.monotonic() - started
    # The terminal shows the run's progress line for the center instead (flows/progress.py).
    logger.info(
        "center %s: extract %s %s in %.1f s, %d rows read",
        center.id,
        fingerprint.extract_date,
        status,
        seconds,
        staged.total_rows_read,
        extra=NOT_ON_CONSOLE,
    )
    load = CenterLoad(center.id, status, staged, None, seconds, fingerprint)
    return Completed(message=f"extract {fingerprint.extract_date} {status}", data=load)


def record_loads(manifest: Path, loads: list[CenterLoad], run_id: str) -> None:
    """Appends every file of every extract the run looked at to the load manifest."""
    records = []
    for load in loads:
        if load.fingerprint is None:
            continue  # no extract folder, so no file to record; the run's failure line names it
        if load.status == FAILED:
            records += load_records(load.fingerprint, FAILED, run_id, error=load.error)
        else:
            staged = load.staged
            records += load_records(
                load.fingerprint,
                load.status,
                run_id,
                staged.rows_read,
                staged.rows_rejected,
                rejected_by_rule=staged.rejected,
            )
    JsonLines(manifest).append(records)
