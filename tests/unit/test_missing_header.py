"""A file whose header line is missing starts with a patient's row: the message names columns by
position and by their expected names, and quotes nothing of that row (every delimited dialect,
every file)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import load_centers
from jakreg.errors import CenterDataError
from jakreg.simulate import simulate
from tasks.extract import dialects
from tasks.extract.landing import newest_extract

CSV_DIALECTS = ("registry_csv", "es_his_csv", "omop_csv")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("headerless")
    simulate(root, patients=40, centers=3, seed=5, dialects=CSV_DIALECTS)
    return root


def _csv_files(cohort: Path) -> list[tuple[str, str]]:
    centers = load_centers(cohort / "centers.yaml").centers
    return [
        (center.id, spec.name)
        for center in centers
        for spec in dialects.csv_layout(center).files
        if spec.name != "cdm_source.csv"  # one row of metadata, no identifier
    ]


def test_every_delimited_file_is_covered(cohort: Path) -> None:
    assert len(_csv_files(cohort)) == 3 + 3 + 5


@pytest.mark.parametrize("index", range(11))
def test_a_missing_header_line_is_reported_without_the_row_it_found(
    cohort: Path, tmp_path: Path, index: int
) -> None:
    center_id, name = _csv_files(cohort)[index]
    center = load_centers(cohort / "centers.yaml").get(center_id)
    path = newest_extract(center) / name
    original = path.read_bytes()
    _, first_row, rest = original.split(b"\n", 2)
    try:
        path.write_bytes(first_row + b"\n" + rest)
        with pytest.raises(CenterDataError) as refused:
            dialects.load_raw(duckdb.connect(), center, newest_extract(center))
    finally:
        path.write_bytes(original)
    spec = next(spec for spec in dialects.csv_layout(center).files if spec.name == name)
    delimiter = dialects.csv_layout(center).delimiter.encode()
    positions = ", ".join(str(i) for i in range(1, len(first_row.split(delimiter)) + 1))
    expected = ", ".join(spec.columns)
    assert str(refused.value) == (
        f"center {center_id}, file {name}, row 1: missing column(s) {expected}; unexpected "
        f"column(s) at position(s) {positions} — no column of the first line has an expected "
        f"name: is the header line missing? The first line must name the columns {expected}"
    )
