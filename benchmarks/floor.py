"""The floor: how long DuckDB alone takes to read every dump of a cohort.

Each file is counted (`select count(*)`) through the reader call the pipeline itself uses
(`reader_calls` of the center's dialect, with its pinned options), so the floor and the pipeline
parse the same bytes the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jakreg.config import load_centers
from jakreg.settings import DuckDBSettings
from tasks import database
from tasks.extract.dialects import reader_calls
from tasks.extract.stage_center import newest_extract


@dataclass(frozen=True)
class FileFloor:
    center_id: str
    file: str
    rows: int
    seconds: float


def measure_floor(centers_file: Path, settings: DuckDBSettings) -> list[FileFloor]:
    """Reads each center's newest extract file by file with DuckDB alone; one record per file."""
    floors = []
    with settings.connect(alone=True) as con:
        for center in load_centers(centers_file).centers:
            for reader in reader_calls(center, newest_extract(center)):
                start = time.perf_counter()
                rows = database.fetch_value(
                    con, f"select count(*) from {reader.call}", reader.parameters
                )
                floors.append(FileFloor(center.id, reader.file, rows, time.perf_counter() - start))
    return floors
