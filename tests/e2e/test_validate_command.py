"""`jakreg validate` checks the landing folders alone: a table per center, exit 3 on an error."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from flows.registry_refresh import registry_refresh
from jakreg.cli import main
from jakreg.simulate import simulate

pytestmark = pytest.mark.e2e


def test_validate_prints_each_center_and_fails_on_an_error_without_publishing(
    tmp_path: Path, prefect_harness, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = simulate(tmp_path / "cohort", patients=300, centers=2, seed=5)
    [prescriptions] = (tmp_path / "cohort" / "landing" / "sagunto").glob("*/prescriptions.csv")
    with prescriptions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    typos = range(1, 2 + len(rows) // 50)  # 2% of the rows end before they start
    for index in typos:
        rows[index][2:4] = ["2021-03-01", "2021-02-01"]
    with prescriptions.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)

    docs = tmp_path / "docs"
    code = main(
        ["validate", "--centers", str(summary.centers_file), "--out", str(docs), "--rejected"]
    )

    printed = capsys.readouterr().out.splitlines()
    assert code == 3
    assert printed[1].split()[:2] == ["valencia", "passed"]
    assert printed[2].split()[:4] == ["sagunto", "failed", "1", "0"]
    assert any(
        f"[error] prescriptions.csv: {len(typos)} of {len(rows) - 1} rows" in line
        and "end before they start" in line
        for line in printed
    )
    listed = [line.split() for line in printed if line.startswith("sagunto ")]
    assert [row[:4] for row in listed] == [
        ["sagunto", "prescriptions.csv", str(index + 1), "end_before_start"] for index in typos
    ]
    assert listed[0][4:] == ["start", "2021-03-01,", "end", "2021-02-01"]
    assert (docs / "index.html").is_file()
    assert list(tmp_path.glob("*.duckdb")) == []


def test_validate_one_center_passes_with_exit_code_0(tmp_path: Path, prefect_harness) -> None:
    summary = simulate(tmp_path / "cohort", patients=200, centers=2, seed=5)
    args = ["validate", "--centers", str(summary.centers_file), "--center", "valencia"]
    assert main([*args, "--out", str(tmp_path / "docs")]) == 0


def _halve(csv_file: Path) -> None:
    lines = csv_file.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_file.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_validate_compares_with_the_registry_work_folder_and_writes_nothing_into_it(
    tmp_path: Path, prefect_harness, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = simulate(tmp_path / "cohort", patients=200, centers=2, seed=5)
    registry_refresh(summary.centers_file, tmp_path / "registry.duckdb", tmp_path / "out")
    work = tmp_path / "registry.work"
    before = _files(work)
    [prescriptions] = (tmp_path / "cohort" / "landing" / "valencia").glob("*/prescriptions.csv")
    _halve(prescriptions)

    args = ["validate", "--centers", str(summary.centers_file), "--center", "valencia"]
    code = main([*args, "--out", str(tmp_path / "docs"), "--work", str(work)])

    printed = capsys.readouterr().out
    assert code == 3
    assert "prescriptions.csv has not shrunk by more than 30%" in printed
    assert _files(work) == before
