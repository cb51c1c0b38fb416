"""What a registry folder publishes, as hashes: to show a run changed nothing, or something."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SCRATCH = (".partial", ".building", ".building.wal")


def published_files(root: Path) -> dict[str, str]:
    """sha256 of every published file (the database, kept versions, outputs) and the target of
    `out/latest`; a killed run's scratch (`*.partial`, `*.building`) is not published."""
    snapshot = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("landing", "truth", "registry.work")) or any(
            part.endswith(SCRATCH) for part in path.relative_to(root).parts
        ):
            continue
        if path.is_symlink():
            snapshot[relative] = f"-> {os.readlink(path)}"
        elif path.is_file() and path.name != "registry.duckdb.lock":
            snapshot[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot
