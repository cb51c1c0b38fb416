"""The load manifest: every file of every extract a run looked at, its hash and what became of it.

The manifest is an append-only JSON-lines file in the work folder (`<work>/manifest.jsonl`), not a
table in the registry database: the registry is rebuilt and replaced by every run, while the load
history must outlive it. A line is appended in one write, so a crash at any moment loses at most
the line being written, and a torn last line is skipped (with a warning) on reading. `jakreg
status` reads it while a run is appending, with no database lock to wait for, and DuckDB queries
it directly when a question needs SQL: `select * from read_json('manifest.jsonl')`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

HASH_CHUNK_BYTES = 1 << 20

LOADED = "loaded"
UNCHANGED = "unchanged"
FAILED = "failed"
STATUSES = (LOADED, UNCHANGED, FAILED)


@dataclass(frozen=True)
class ExtractFile:
    """One file of an extract folder, named relative to the folder."""

    name: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class ExtractFingerprint:
    """What a center sent in one extract folder, file by file, and one digest over all of it."""

    center_id: str
    extract_date: str
    folder: Path
    files: tuple[ExtractFile, ...]

    @property
    def digest(self) -> str:
        """Changes when any file is added, removed, renamed or changed by a single byte."""
        listing = "".join(f"{f.name}\0{f.sha256}\n" for f in self.files)
        return hashlib.sha256(listing.encode()).hexdigest()


def fingerprint_extract(center_id: str, folder: Path) -> ExtractFingerprint:
    """Hashes every file under an extract folder (sha256, streamed, so memory stays flat)."""
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                digest.update(chunk)
        files.append(
            ExtractFile(
                path.relative_to(folder).as_posix(),
                path.resolve(),
                path.stat().st_size,
                digest.hexdigest(),
            )
        )
    return ExtractFingerprint(center_id, folder.name, folder.resolve(), tuple(files))


def load_records(
    fingerprint: ExtractFingerprint,
    status: str,
    run_id: str,
    rows_read: dict[str, int] | None = None,
    rows_rejected: dict[str, int] | None = None,
    error: str | None = None,
    rejected_by_rule: dict[str, dict[str, int]] | None = None,
) -> list[dict[str, Any]]:
    """One manifest record per file of the extract; row counts are keyed by file name, rows set
    aside by a row rule also by rule (`rejected_by_rule`: file -> rule -> rows)."""
    if status not in STATUSES:
        raise ValueError(f"unknown load status {status!r}; known: {', '.join(STATUSES)}")
    time = datetime.now(UTC).isoformat(timespec="seconds")
    rows_read = rows_read or {}
    rows_rejected = rows_rejected or {}
    rejected_by_rule = rejected_by_rule or {}
    return [
        {
            "center_id": fingerprint.center_id,
            "extract_date": fingerprint.extract_date,
            "file": f.name,
            "path": str(f.path),
            "size": f.size,
            "sha256": f.sha256,
            "extract_digest": fingerprint.digest,
            "rows_read": rows_read.get(f.name),
            "rows_rejected": rows_rejected.get(f.name, 0) if f.name in rows_read else None,
            "rows_rejected_by_rule": (
                rejected_by_rule.get(f.name, {}) if f.name in rows_read else None
            ),
            "status": status,
            "error": error,
            "run_id": run_id,
            "time": time,
        }
        for f in fingerprint.files
    ]


class JsonLines:
    """An append-only JSON-lines file with one writer at a time (the run holding the lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        payload = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if self._ends_torn(fd):
                payload = b"\n" + payload
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> list[dict[str, Any]]:
        """Every complete record, oldest first; a torn line (a crash mid-append) is skipped."""
        if not self.path.exists():
            return []
        records = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                logger.warning(
                    "%s line %d is incomplete (a crash mid-write); skipped", self.path, number
                )
        return records

    def _ends_torn(self, fd: int) -> bool:
        """True when the file's last byte is not a newline (the previous writer was killed)."""
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
