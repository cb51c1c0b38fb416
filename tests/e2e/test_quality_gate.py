"""The per-center gate on a generated extract, clean and with each bad input that loads but is
wrong: the expected expectation fails at the expected level, with the rows it found.

One generated center is shared by the module; each test copies its extract, breaks it the way
an EMR export breaks, stages it and runs the raw and staging suites (the task functions, without
Prefect). Flow-level quarantine is in test_quarantine.py.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from jakreg.config import Center, load_centers
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from jakreg.simulate import simulate
from tasks.extract.stage_center import stage_center
from tasks.quality.context import open_context
from tasks.quality.gate import validate_center
from tasks.quality.verdict import ERROR, FAILED, PASSED, WARNED, WARNING, Verdict
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Center:
    root = tmp_path_factory.mktemp("gate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        summary = simulate(root / "cohort", patients=400, centers=1, seed=11)
    [center] = load_centers(summary.centers_file).centers
    return center


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def _gate(
    center: Center,
    tmp_path: Path,
    breaks=None,
    baseline_rows: dict[str, int] | None = None,
    after_staging=None,
) -> Verdict:
    """Copies the extract, lets `breaks(folder)` edit its CSV files, stages and validates it."""
    [extract] = center.landing.iterdir()
    landing = tmp_path / "landing"
    shutil.copytree(extract, landing / extract.name)
    if breaks:
        breaks(landing / extract.name)
    copy = replace(center, landing=landing)
    staged = stage_center.fn(copy, tmp_path / "work", DuckDBSettings())
    if after_staging:
        after_staging(staged.folder)
    quality = tmp_path / "work" / "quality"
    open_context(quality, tmp_path / "docs", fresh=True)
    return validate_center.fn(
        staged, copy.dialect, baseline_rows, QualityThresholds(), quality, tmp_path / "docs", "t"
    )


def _finding(verdict: Verdict, description: str):
    matches = [f for f in verdict.findings if f.expectation.startswith(description)]
    assert matches, [f.describe() for f in verdict.findings]
    return matches[0]


def _edit(file: str, edit):
    """A `breaks` that applies `edit(rows)` to one CSV file of the extract (rows[0] = header)."""

    def breaks(folder: Path) -> None:
        rows = _rows(folder / file)
        edit(rows)
        _write(folder / file, rows)

    return breaks


def test_a_clean_generated_extract_passes_every_suite(center: Center, tmp_path: Path) -> None:
    verdict = _gate(center, tmp_path)
    assert verdict.findings == ()
    assert verdict.status == PASSED


def test_impossible_prescription_dates_fail_their_expectations_as_errors(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        # columns: patient_id, drug, start_date, end_date, stop_reason
        rows[1][2:4] = ["2020-05-01", "2020-04-01"]  # ends before it starts
        rows[2][2:4] = ["2099-01-01", ""]  # starts after the data cut
        rows[3][2:4] = ["2001-01-01", "2099-06-30"]  # ends far after the data cut

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    assert verdict.status == FAILED
    ends_before = _finding(verdict, "a prescription does not end before it starts")
    assert (ends_before.level, ends_before.rows) == (ERROR, 1)
    assert ends_before.examples == ("(2020-04-01, 2020-05-01)",)  # (end, start), no identifier
    after_cut = _finding(verdict, "start_date is between earliest_treatment_date and the data cut")
    assert (after_cut.level, after_cut.rows, after_cut.examples) == (ERROR, 1, ("2099-01-01",))
    planned = _finding(verdict, "end_date is between earliest_treatment_date")
    assert (planned.level, planned.rows) == (ERROR, 1)


def test_a_start_in_1900_or_before_birth_fails_as_an_error(center: Center, tmp_path: Path) -> None:
    patients = _rows(next(center.landing.glob("*/patients.csv")))
    born = {row[0]: row[2] for row in patients[1:]}

    def edit(rows: list[list[str]]) -> None:
        rows[1][2:4] = ["1900-01-01", "1900-02-01"]
        birth_year = int(born[rows[2][0]][:4])
        rows[2][2:4] = [f"{birth_year - 1}-06-01", f"{birth_year - 1}-07-01"]

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    too_early = _finding(verdict, "start_date is between earliest_treatment_date")
    assert too_early.level == ERROR
    assert "1900-01-01" in too_early.examples
    before_birth = _finding(verdict, "the patient was born before every start date")
    assert (before_birth.level, before_birth.rows) == (ERROR, 2)


def test_a_birth_date_in_2099_fails_as_an_error(center: Center, tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[1][2] = "2099-03-01"

    verdict = _gate(center, tmp_path, _edit("patients.csv", edit))
    finding = _finding(verdict, "birth_date is between earliest_birth_date and the data cut")
    assert (finding.level, finding.rows, finding.examples) == (ERROR, 1, ("2099-03-01",))


def test_a_patient_listed_twice_with_another_sex_fails_as_an_error(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        twin = list(rows[1])
        twin[1] = "M" if twin[1] == "F" else "F"
        rows.append(twin)
        rows.append(list(rows[2]))  # an exact duplicate row

    verdict = _gate(center, tmp_path, _edit("patients.csv", edit))
    assert verdict.status == FAILED
    listed_twice = _finding(verdict, "each patient appears once in patients")
    assert (listed_twice.level, listed_twice.rows) == (ERROR, 4)
    conflicting = _finding(verdict, "a patient listed twice has one sex and one birth date")
    assert (conflicting.level, conflicting.rows) == (ERROR, 2)


def test_repeated_prescription_rows_and_a_few_unknown_drugs_only_warn(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows.extend([list(rows[1]), list(rows[2])])
        for row in rows[10:12]:
            row[1] = "PRODUCTO EXPERIMENTAL 7"

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    assert verdict.status == WARNED
    repeated = _finding(verdict, "no prescription row is repeated")
    assert (repeated.level, repeated.rows) == (WARNING, 4)
    assert verdict.by_level(ERROR) == []


def test_many_unknown_drug_strings_fail_as_an_error(center: Center, tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        for index in range(1, len(rows), 5):  # a fifth of the rows
            rows[index][1] = "MEDICAMENTO DESCONOCIDO"

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    warning = _finding(verdict, "at least drug_mapped_warning_share")
    error = _finding(verdict, "at least drug_mapped_error_share")
    assert (warning.level, error.level) == (WARNING, ERROR)
    assert error.rows >= (len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1) // 5


def test_half_the_rows_of_the_last_accepted_extract_fails_as_an_error(
    center: Center, tmp_path: Path
) -> None:
    rows = len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1
    verdict = _gate(center, tmp_path, baseline_rows={"prescriptions.csv": rows * 2})
    shrunk = _finding(verdict, "prescriptions.csv has not shrunk by more than max_row_drop_share")
    assert (shrunk.level, shrunk.observed) == (ERROR, str(rows))
    assert [f.suite for f in verdict.findings] == ["raw.registry_csv.prescriptions"]


def test_a_drop_within_the_tolerance_passes(center: Center, tmp_path: Path) -> None:
    rows = len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1
    verdict = _gate(center, tmp_path, baseline_rows={"prescriptions.csv": int(rows / 0.75)})
    assert verdict.status == PASSED


def test_an_extract_staged_before_raw_copies_existed_runs_only_the_staging_suites(
    center: Center, tmp_path: Path
) -> None:
    def without_raw_copies(staged: Path) -> None:
        for copy in staged.glob("raw_*.parquet"):
            copy.unlink()

    rows = len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1
    verdict = _gate(
        center,
        tmp_path,
        baseline_rows={"prescriptions.csv": rows * 2},
        after_staging=without_raw_copies,
    )
    assert verdict.status == PASSED
