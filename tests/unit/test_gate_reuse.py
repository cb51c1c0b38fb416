"""A center's verdict is reused when its staged extract, suites, thresholds and baseline are those
of its recorded validation, and validated again when any of them changed; a reused verdict
decides and is reported like a fresh one, naming the run it comes from.

The suites are replaced by a stand-in that records its calls and returns a chosen verdict, so
these tests are about when the gate validates, not about what the suites find
(tests/e2e/test_quality_gate.py)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from jakreg.config import Center
from jakreg.quality import QualityThresholds
from tasks.extract.pseudonym import pseudonym_key
from tasks.extract.stage_center import StagedExtract
from tasks.quality import gate, quarantine
from tasks.quality.quarantine import QualityGate
from tasks.quality.report import markdown_report
from tasks.quality.verdict import ERROR, FAILED, PASSED, WARNING, Finding, Verdict
from tasks.registry.inputs import key_id

CENTER = Center("valencia", "registry_csv", Path("landing/valencia"))
DROP = Finding("raw.registry_csv.prescriptions", "has not shrunk", ERROR, None, "4")
UNKNOWN_DRUG = Finding("staging.stg_prescriptions", "drug mapped", WARNING, 3, None, ("xyz",))


class Suites:
    """Stands in for `validate_center`: counts the validations and returns `verdict`'s findings."""

    def __init__(self, findings: tuple[Finding, ...] = ()) -> None:
        self.findings = findings
        self.runs: list[str] = []

    def __call__(self, extract: StagedExtract, *_: object) -> Verdict:
        self.runs.append(extract.extract_date)
        return Verdict(extract.center_id, self.findings)


@pytest.fixture
def suites(monkeypatch: pytest.MonkeyPatch) -> Suites:
    fake = Suites()
    monkeypatch.setattr(quarantine, "validate_center", fake)
    return fake


def _staged(work: Path, digest: str = "files-1") -> StagedExtract:
    folder = work / "staged" / CENTER.id / "2026-11-01"
    folder.mkdir(parents=True, exist_ok=True)
    extract = StagedExtract(
        CENTER.id,
        "2026-11-01",
        folder,
        {"prescriptions.csv": 10},
        {"stg_prescriptions": 10},
        0,
        digest,
        key_id=key_id(pseudonym_key()),
        code_digest="code-1",
    )
    extract.save(folder)
    return extract


def _night(work: Path, run: str, thresholds: QualityThresholds | None = None) -> QualityGate:
    return QualityGate(work, work / "docs", thresholds or QualityThresholds(), run, {})


def test_an_unchanged_extract_reuses_the_verdict_of_the_run_that_validated_it(
    tmp_path: Path, suites: Suites
) -> None:
    suites.findings = (UNKNOWN_DRUG,)
    extract = _staged(tmp_path)
    first = _night(tmp_path, "night-1").check_center(CENTER, extract)
    second_gate = _night(tmp_path, "night-2")
    second = second_gate.check_center(CENTER, extract)
    third = _night(tmp_path, "night-3").check_center(CENTER, extract)
    assert suites.runs == ["2026-11-01"]
    assert second.status == first.status == "warned"
    assert second.warnings == (UNKNOWN_DRUG,)
    assert second.verdict.reused_from == "run night-1 on extract 2026-11-01"
    assert third.verdict.reused_from == "run night-1 on extract 2026-11-01"
    assert first.verdict.reused_from is None


def test_a_changed_threshold_validates_again(tmp_path: Path, suites: Suites) -> None:
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    stricter = QualityThresholds(drug_mapped_warning_share=0.99)
    decision = _night(tmp_path, "night-2", stricter).check_center(CENTER, extract)
    assert suites.runs == ["2026-11-01", "2026-11-01"]
    assert decision.verdict.reused_from is None


def test_a_changed_suite_validates_again(
    tmp_path: Path, suites: Suites, monkeypatch: pytest.MonkeyPatch
) -> None:
    expectations = tmp_path / "expectations"
    shutil.copytree(gate.SUITES_DIR, expectations)
    monkeypatch.setattr(gate, "SUITES_DIR", expectations)
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    suite = expectations / "staging" / "stg_patients.json"
    # Any edit of a suite's file counts, even one GX would read the same.
    suite.write_text(suite.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _night(tmp_path, "night-2").check_center(CENTER, extract)
    assert suites.runs == ["2026-11-01", "2026-11-01"]


def test_a_restaged_extract_of_the_same_date_validates_again(
    tmp_path: Path, suites: Suites
) -> None:
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    resent = dataclasses.replace(extract, extract_digest="files-2")
    _night(tmp_path, "night-2").check_center(CENTER, resent)
    assert suites.runs == ["2026-11-01", "2026-11-01"]


def test_a_new_baseline_extract_validates_again(tmp_path: Path, suites: Suites) -> None:
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    # An older extract accepted later (restored from a backup) becomes the row-count baseline.
    older = dataclasses.replace(extract, extract_date="2026-10-01")
    older = dataclasses.replace(older, folder=extract.folder.with_name("2026-10-01"))
    older.folder.mkdir()
    older.save(older.folder)
    _night(tmp_path, "night-2").check_center(CENTER, older)
    _night(tmp_path, "night-3").check_center(CENTER, extract)
    assert suites.runs == ["2026-11-01", "2026-10-01", "2026-11-01"]


def test_a_reused_failing_verdict_still_quarantines_the_extract(
    tmp_path: Path, suites: Suites
) -> None:
    suites.findings = (DROP,)
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    gate_2 = _night(tmp_path, "night-2")
    decision = gate_2.check_center(CENTER, extract)
    assert suites.runs == ["2026-11-01"]
    assert decision.status == FAILED
    assert decision.accepted is None
    assert "has not shrunk" in decision.problem and "left out" in decision.problem
    assert gate_2.verdicts[CENTER.id].reused_from == "run night-1 on extract 2026-11-01"


def test_the_report_and_status_name_the_run_a_reused_verdict_comes_from(
    tmp_path: Path, suites: Suites
) -> None:
    extract = _staged(tmp_path)
    _night(tmp_path, "night-1").check_center(CENTER, extract)
    night_2 = _night(tmp_path, "night-2")
    night_2.check_center(CENTER, extract)
    report = markdown_report(night_2.verdicts, "data_docs/index.html")
    assert "| valencia | passed (reused) | 0 | 0 |" in report
    assert "- valencia: verdict reused from run night-1 on extract 2026-11-01" in report
    [status] = night_2.status(tmp_path).centers
    assert (status.level, status.reused_from) == ("passed", "run night-1 on extract 2026-11-01")
    assert night_2.verdicts[CENTER.id].status == PASSED
