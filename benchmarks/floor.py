"""The floor: how long DuckDB alone takes to read every dump of a cohort.

Each file is read through the reader call the pipeline itself uses (`reader_calls` of the
center's dialect, with its pinned options), so the floor and the pipeline parse the same bytes the
same way, twice: counted (`select count(*)`, the floor the issue defines; DuckDB then only splits
lines and converts no value), and read in full into a temporary table (every column of every row
parsed and typed as the reader types it: the least any pipeline that looks at every value pays).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jakreg.config import load_centers
from jakreg.settings import DuckDBSettings
from tasks.extract.dialects import reader_calls
from tasks.extract.landing import newest_extract
from tasks.registry import database


@dataclass(frozen=True)
class FileFloor:
    center_id: str
    file: str
    rows: int
    seconds: float
    read_seconds: float


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
                counted = time.perf_counter()
                database.run(
                    con,
                    f"create temp table file_read as select * from {reader.call}",
                    reader.parameters,
                )
                read = time.perf_counter()
                database.run(con, "drop table file_read")
                floors.append(
                    FileFloor(center.id, reader.file, rows, counted - start, read - counted)
                )
    return floors
