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


def _row_rule(verdict: Verdict, rule: str):
    matches = [f for f in verdict.findings if f"[{rule}]" in f.expectation]
    assert matches, [f.describe() for f in verdict.findings]
    return matches[0]


def test_a_prescription_ending_before_it_starts_is_set_aside_and_reported_in_words(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        # columns: patient_id, drug, start_date, end_date, stop_reason
        rows[1][2:4] = ["2018-02-22", "2018-02-14"]

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    assert verdict.status == WARNED
    finding = _row_rule(verdict, "end_before_start")
    assert (finding.level, finding.source) == (WARNING, "prescriptions.csv")
    text = finding.describe()
    assert "prescriptions.csv: 1 of " in text
    assert "line 2 (start 2018-02-22, end 2018-02-14)" in text
    assert "within the 1% allowed" in text and "What to do: correct" in text
    assert "error_share" not in text


def test_more_rows_ending_before_they_start_than_the_error_share_quarantine(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        for row in rows[1 : 2 + len(rows) // 50]:  # 2% of the rows
            row[2:4] = ["2020-05-01", "2020-04-01"]

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    assert verdict.status == FAILED
    finding = _row_rule(verdict, "end_before_start")
    assert finding.level == ERROR
    assert "more than the 1% allowed, so the extract is quarantined" in finding.expectation
    assert "line 2 (start 2020-05-01, end 2020-04-01), line 3" in finding.expectation


def test_dates_outside_the_window_are_set_aside_with_warnings(
    center: Center, tmp_path: Path
) -> None:
    patients = _rows(next(center.landing.glob("*/patients.csv")))
    born = {row[0]: row[2] for row in patients[1:]}

    def edit(rows: list[list[str]]) -> None:
        rows[1][2:4] = ["1900-01-01", "1900-02-01"]
        birth_year = int(born[rows[2][0]][:4])
        rows[2][2:4] = [f"{birth_year - 1}-06-01", f"{birth_year - 1}-07-01"]
        rows[3][2:4] = ["2099-01-01", ""]

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    assert verdict.status == WARNED
    # Line 3 starts before birth and before 2000: the first rule that applies sets it aside.
    early = _row_rule(verdict, "before_study_window").expectation
    assert "line 2 (start 1900-01-01, end 1900-02-01), line 3 (start " in early
    assert (
        "line 4 (start 2099-01-01, end empty, data cut "
        in _row_rule(verdict, "after_data_cut").expectation
    )


def test_a_patient_listed_twice_with_another_sex_is_set_aside(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        twin = list(rows[1])
        twin[1] = "M" if twin[1] == "F" else "F"
        rows.append(twin)
        rows.append(list(rows[2]))  # an exact duplicate row

    verdict = _gate(center, tmp_path, _edit("patients.csv", edit))
    assert verdict.status == WARNED
    listed_twice = _row_rule(verdict, "patient_listed_twice")
    assert listed_twice.expectation.startswith("2 of ")
    assert _row_rule(verdict, "duplicate_row").expectation.startswith("1 of ")
    assert _row_rule(verdict, "prescription_patient_set_aside").level == WARNING


def test_drugs_outside_the_study_never_count_against_a_center(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        for index in range(1, len(rows), 5):  # a fifth of the rows
            rows[index][1] = "PARACETAMOL 1 G COMPRIMIDOS"

    assert _gate(center, tmp_path, _edit("prescriptions.csv", edit)).status == PASSED


def test_an_unrecognised_study_drug_fails_as_an_error_with_its_reason(
    center: Center, tmp_path: Path
) -> None:
    def edit(rows: list[list[str]]) -> None:
        for index in range(1, len(rows), 5):  # a fifth of the rows
            rows[index][1] = ["XELJANS 5 MG", "L04AF07", "NEWCITINIB 100 MG"][index % 3]

    verdict = _gate(center, tmp_path, _edit("prescriptions.csv", edit))
    warning = _finding(verdict, "at least 98% of the prescription rows of study drugs")
    error = _finding(verdict, "at least 90% of the prescription rows of study drugs")
    assert (warning.level, error.level) == (WARNING, ERROR)
    assert error.source == "prescriptions.csv"
    assert set(error.examples) == {
        "name xeljans close to xeljanz",
        "ATC code L04AF07 of a study class",
        "name newcitinib with a study drug-family stem",
    }
    assert error.rows >= (len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1) // 5


def test_half_the_rows_of_the_last_accepted_extract_fails_as_an_error(
    center: Center, tmp_path: Path
) -> None:
    rows = len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1
    verdict = _gate(center, tmp_path, baseline_rows={"prescriptions.csv": rows * 2})
    shrunk = _finding(verdict, "prescriptions.csv has not shrunk by more than 30%")
    assert (shrunk.level, shrunk.observed) == (ERROR, str(rows))
    assert "what to do: " in shrunk.describe()
    assert [f.suite for f in verdict.findings] == ["raw.registry_csv.prescriptions"]


def test_a_drop_within_the_tolerance_passes(center: Center, tmp_path: Path) -> None:
    rows = len(_rows(next(center.landing.glob("*/prescriptions.csv")))) - 1
    verdict = _gate(center, tmp_path, baseline_rows={"prescriptions.csv": int(rows / 0.75)})
    assert verdict.status == PASSED


def test_an_empty_optional_file_passes_without_a_baseline(center: Center, tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        del rows[1:]

    verdict = _gate(center, tmp_path, _edit("diagnoses.csv", edit))
    assert [f.describe() for f in verdict.by_level(ERROR)] == []


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
