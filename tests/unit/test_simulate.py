"""The simulator is deterministic and writes plausible histories whose truth is consistent."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from jakreg import vocabulary
from jakreg.simulate import simulate


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    simulate(out, patients=800, centers=3, seed=11)
    return out


def test_the_same_seed_writes_identical_files(cohort: Path, tmp_path: Path) -> None:
    simulate(tmp_path, patients=800, centers=3, seed=11)
    assert _digest(tmp_path) == _digest(cohort)


def test_another_seed_writes_another_cohort(cohort: Path, tmp_path: Path) -> None:
    simulate(tmp_path, patients=800, centers=3, seed=12)
    assert _digest(tmp_path) != _digest(cohort)


def test_no_jak_inhibitor_starts_before_its_approval(cohort: Path) -> None:
    courses = pl.read_csv(cohort / "truth" / "jaki_courses.csv", try_parse_dates=True)
    approval = {n: i.eu_approval_date for n, i in vocabulary.ingredients().items()}
    assert len(courses) > 100
    for jaki, start in courses.select("jaki", "start_date").iter_rows():
        assert start >= approval[jaki], jaki


def test_failures_have_every_strategy_and_retention_only_with_a_next_treatment(
    cohort: Path,
) -> None:
    failures = pl.read_csv(cohort / "truth" / "jaki_failures.csv", infer_schema_length=0)
    assert set(failures["strategy"]) == {"cycling", "switching", "retreatment", "none"}
    none = failures.filter(pl.col("strategy") == "none")
    assert none["retention_days"].is_null().all()
    followed = failures.filter(pl.col("strategy") != "none")
    assert (followed["retention_days"].cast(pl.Int64) >= 0).all()


def test_drug_names_vary_in_spelling_as_real_exports_do(cohort: Path) -> None:
    folder = next((cohort / "landing" / "valencia").iterdir())
    drugs = pl.read_csv(folder / "prescriptions.csv", infer_schema_length=0)["drug"]
    assert drugs.str.contains(r"^[A-Z ]+$").any()
    assert drugs.str.contains(r"^[a-z ]+$").any()
    assert drugs.str.contains(r"\d+ mg$").any()


def test_each_center_has_its_own_data_cut(cohort: Path) -> None:
    extracts = sorted(p.name for p in (cohort / "landing").glob("*/*"))
    assert len(set(extracts)) == 3
    assert all(date.fromisoformat(name) <= date(2026, 11, 1) for name in extracts)
