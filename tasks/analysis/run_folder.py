"""Each run's outputs go to a new dated folder; `latest` points at the newest complete one.

`out/<YYYY-MM-DDTHHMMSS>-<short run id>/` (UTC) is never rewritten, so last night's report stays
readable while tonight's is written. `out/latest` is a relative symlink, switched in one
`os.replace` of a freshly made link only after every output of the run is written: a reader
following `latest` sees the previous run or the new one, never a half-written folder. (POSIX
only; Windows is not a target.)
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from prefect import task

LATEST = "latest"


def short_run_id(run_id: str) -> str:
    """The first 8 hex digits of a run id: how run folders and registry versions name a run."""
    return run_id.replace("-", "")[:8] or "local"


def run_folder_name(started: datetime, run_id: str) -> str:
    """`2026-11-29T014502-1a2b3c4d`: sortable by time, unique by run."""
    return f"{started.astimezone(UTC):%Y-%m-%dT%H%M%S}-{short_run_id(run_id)}"


def latest_run_folder(out_dir: Path, run_id: str) -> Path | None:
    """The folder `out_dir/latest` points at, when it holds the outputs of run `run_id`."""
    folder = run_folder_of(out_dir, run_id)
    latest = Path(out_dir) / LATEST
    if folder is None or not latest.is_dir() or latest.resolve() != folder.resolve():
        return None
    return latest.resolve()


def run_folder_of(out_dir: Path, run_id: str) -> Path | None:
    """The published output folder of run `run_id` (or of its short id) in `out_dir`, when it is
    still there (the glob skips `latest` and the hidden `.building`)."""
    folders = [
        folder
        for folder in Path(out_dir).glob(f"*-{short_run_id(run_id)}")
        if folder.is_dir() and not folder.is_symlink()
    ]
    return max(folders, default=None)


@task(name="create-run-folder")
def create_run_folder(out_dir: Path, run_id: str, started: datetime | None = None) -> Path:
    """Creates the run's folder under `out_dir` (fails if it exists: runs never share one)."""
    folder = Path(out_dir) / run_folder_name(started or datetime.now(UTC), run_id)
    folder.mkdir(parents=True)
    return folder


@task(name="point-latest")
def point_latest(run_folder: Path) -> Path:
    """Atomically points `<out>/latest` at `run_folder`; returns the pointer's path."""
    latest = run_folder.parent / LATEST
    staging_link = run_folder.parent / f".{LATEST}.{run_folder.name}"
    staging_link.unlink(missing_ok=True)
    staging_link.symlink_to(run_folder.name, target_is_directory=True)
    os.replace(staging_link, latest)
    return latest
