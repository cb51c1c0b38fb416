"""One run (or rollback) at a time per registry: an exclusive lock on `<database>.lock`.

The lock is an `fcntl.flock` on a file beside the database, held for the whole run, so it guards
the registry whoever starts the run: the CLI, a Prefect worker, a cron job. The kernel releases it
when the holder's process ends, even by SIGKILL, so a killed run never leaves a stale lock. The
file records who holds it, for the message the next run prints. (Local file systems only: flock
over NFS is not reliable.)
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from jakreg.errors import JakregError

POLL_SECONDS = 0.5


class RegistryLockedError(JakregError):
    """Another run or rollback holds the registry; nothing was read or written."""

    exit_code = 5

    def __init__(self, lock: Path, holder: str, waited: float) -> None:
        super().__init__(
            f"another run holds the registry lock {lock} ({holder}); waited {waited:.0f} s. "
            "Let it finish (`jakreg status` shows it), or start this run with a longer --wait"
        )


@contextmanager
def registry_lock(lock: Path, holder: str, wait_seconds: float = 0) -> Iterator[None]:
    """Holds the registry's lock for the `with` block, waiting up to `wait_seconds` for it."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, lock, wait_seconds)
        record = {"holder": holder, "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def lock_holder(lock: Path) -> str | None:
    """Who holds the lock now, or None when it is free."""
    if not lock.exists():
        return None
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _describe(lock)
    else:
        return None
    finally:
        os.close(fd)


def _acquire(fd: int, lock: Path, wait_seconds: float) -> None:
    started = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise RegistryLockedError(lock, _describe(lock), waited) from None
            time.sleep(min(POLL_SECONDS, wait_seconds - waited))


def _describe(lock: Path) -> str:
    try:
        record = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return "holder unknown"
    return f"{record['holder']}, pid {record['pid']}, since {record['since']}"
