"""What jakreg reads from a center's landing folder: its newest extract folder, holding only
regular files.

A folder named like a date that is not one (`2026-13-45`), or that lies in the future
(`2062-11-08`, which would stay "the newest extract" for decades), is skipped with a warning
naming it, so one mistyped folder neither stops the run nor freezes the center on a bad extract.
A symbolic link, or anything that is not a regular file or folder, is refused: a link would make
jakreg read, hash and quote a file outside the landing folder (`/etc/passwd`), and a named pipe
would block the reader.
"""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks.extract import dialects

logger = logging.getLogger(__name__)

EXTRACT_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")
# A center's extract date is its local date, up to a day ahead of UTC for Europe and Asia.
FUTURE_TOLERANCE = timedelta(days=1)


def newest_extract(center: Center, warn: Callable[[str], None] = logger.warning) -> Path:
    """The newest `landing/<center>/<YYYY-MM-DD>/` folder whose name is a date not after today,
    after checking that it holds only regular files; `warn` hears of every folder skipped."""
    if not center.landing.is_dir():
        raise CenterDataError(
            center.id,
            "landing folder does not exist",
            file=str(center.landing),
            hint="create it, or correct 'landing' for this center in centers.yaml",
        )
    extracts = dated_folders(center.id, center.landing, warn)
    if not extracts:
        raise CenterDataError(
            center.id,
            "no extract folder (named YYYY-MM-DD) in the landing folder",
            file=str(center.landing),
            hint="the center has not sent an extract yet",
        )
    check_regular_files(center.id, extracts[-1], dialects.file_names(center))
    return extracts[-1]


def dated_folders(center_id: str, landing: Path, warn: Callable[[str], None]) -> list[Path]:
    """The folders of `landing` named by a date not after today, oldest first; `warn` hears of
    every folder named like a date that is skipped (a dump's extracts, a federated center's
    bundles)."""
    latest = datetime.now(UTC).date() + FUTURE_TOLERANCE
    dated = []
    for folder in sorted(landing.iterdir()) if landing.is_dir() else ():
        if not EXTRACT_FOLDER.fullmatch(folder.name) or not folder.is_dir():
            continue
        problem = _date_problem(folder.name, latest)
        if problem:
            warn(
                f"center {center_id}: folder {folder.name} {problem}; skipped — rename it to the "
                "extract's date (YYYY-MM-DD)"
            )
            continue
        dated.append(folder)
    return dated


def _date_problem(name: str, latest: date) -> str | None:
    try:
        when = date.fromisoformat(name)
    except ValueError:
        return "is not a valid extract date"
    if when > latest:
        return "is after today"
    return None


def check_regular_files(center_id: str, extract: Path, known: set[str] | tuple[str, ...]) -> None:
    """The extract folder and everything in it, at any depth, must be a folder or a regular file,
    none a symbolic link: so every path read resolves inside the landing folder. A file is named
    only when it is one of the `known` names (the dialect's, a bundle's): another name could be
    anything, a patient's number too.
    """
    pending = [extract]
    while pending:
        path = pending.pop()
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            pending.extend(sorted(path.iterdir()))
            continue
        if stat.S_ISREG(mode):
            continue
        kind = "is a symbolic link" if stat.S_ISLNK(mode) else "is not a regular file"
        name = path.name if path.name in known else "a file (name not shown)"
        where = f"extract folder {extract.name}"
        raise CenterDataError(
            center_id,
            f"{where} {kind}" if path == extract else f"{name} in {where} {kind}",
            hint="jakreg reads only regular files inside the landing folder: copy the file "
            "itself into the extract folder",
        )
