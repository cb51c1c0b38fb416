"""The attacker on the files a real run published: no `<5` cell may come back by arithmetic."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.table_relations import (
    COX,
    DESCRIPTIVE,
    LOGRANK,
    RETENTION,
    recovered_from_published,
    table_cells,
)

pytestmark = pytest.mark.e2e


def _published(folder: Path, protocol: Protocol) -> dict[str, pl.DataFrame]:
    """The run's CSV files as an outsider reads them: counts as text, estimates as numbers."""
    cells = table_cells(protocol)
    frames = {}
    for name in (RETENTION, DESCRIPTIVE, LOGRANK, COX):
        frame = pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)
        estimates = [c for columns in cells[name].estimates.values() for c in columns]
        frames[name] = frame.with_columns(pl.col(c).cast(pl.Float64) for c in estimates)
    return frames


def test_no_masked_count_can_be_recovered_from_the_published_files(refreshed: dict) -> None:
    protocol = Protocol()
    frames = _published(refreshed["root"] / "out" / "latest", protocol)

    assert recovered_from_published(frames, protocol) == {}
