"""Where a registry's files live, all derived from the published database's path.

```
registry.duckdb            the published registry (replaced atomically, never written in place)
registry.duckdb.building   the next version while a run builds and audits it
registry.duckdb.lock       held (fcntl) by the run or rollback that owns the registry
registry.versions/         published versions kept for rollback
registry.work/             staged extracts, each center's built model tables, the load manifest
                           and the run log
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RegistryLayout:
    database: Path
    work_dir: Path

    @classmethod
    def for_database(cls, database: Path, work_dir: Path | None = None) -> RegistryLayout:
        """The layout of `database`; the work folder defaults to `<stem>.work` beside it."""
        database = Path(database).resolve()
        work = Path(work_dir).resolve() if work_dir else database.with_name(database.stem + ".work")
        return cls(database, work)

    @property
    def building(self) -> Path:
        return self.database.with_name(self.database.name + ".building")

    @property
    def lock(self) -> Path:
        return self.database.with_name(self.database.name + ".lock")

    @property
    def versions_dir(self) -> Path:
        return self.database.with_name(self.database.stem + ".versions")

    @property
    def staged_dir(self) -> Path:
        return self.work_dir / "staged"

    @property
    def built_dir(self) -> Path:
        return self.work_dir / "built"

    @property
    def manifest(self) -> Path:
        return self.work_dir / "manifest.jsonl"

    @property
    def run_log(self) -> Path:
        return self.work_dir / "runs.jsonl"
