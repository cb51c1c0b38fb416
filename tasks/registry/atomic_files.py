"""Replacing files and folders so that a reader, or a run killed at any instant, never sees a
half-written one; and clearing what a killed run left behind.

Work is written beside its target under a suffix (`.partial` for folders and files being written,
`.building` for the registry database) and renamed into place, which POSIX makes atomic. A crash
therefore leaves only suffixed leftovers, which `clean_leftovers` removes at the start of the next
run (under the registry lock, so never while another run is writing them).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

PARTIAL = ".partial"
PREVIOUS = ".previous"


def replace_file(new: Path, target: Path) -> None:
    """Puts the complete file `new` in place of `target` in one rename, durably."""
    with new.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(new, target)
    _fsync_folder(target.parent)


def replace_folder(new: Path, target: Path) -> None:
    """Puts the complete folder `new` in place of `target`.

    Two renames are needed (POSIX cannot swap a non-empty folder in one); a crash between them
    leaves `target` missing and `<target>.previous` complete, which `clean_leftovers` puts back.
    """
    previous = target.with_name(target.name + PREVIOUS)
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    new.rename(target)
    _fsync_folder(target.parent)
    shutil.rmtree(previous, ignore_errors=True)


def clean_leftovers(folder: Path, suffixes: tuple[str, ...] = (PARTIAL,)) -> list[Path]:
    """Removes leftovers of killed runs under `folder`; returns what it removed or restored.

    A `.previous` folder whose target is missing is restored (the crash came between the two
    renames of `replace_folder`); any other leftover is deleted.
    """
    if not folder.exists():
        return []
    touched = []
    for leftover in sorted(folder.rglob(f"*{PREVIOUS}")):
        target = leftover.with_name(leftover.name.removesuffix(PREVIOUS))
        if target.exists():
            _remove(leftover)
        else:
            leftover.rename(target)
        touched.append(leftover)
    for suffix in suffixes:
        for leftover in sorted(folder.rglob(f"*{suffix}")):
            _remove(leftover)
            touched.append(leftover)
    for path in touched:
        logger.warning("cleared %s, left by a run that did not finish", path)
    return touched


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Makes a rename in `folder` durable (it is recorded in the folder, not in the file)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
