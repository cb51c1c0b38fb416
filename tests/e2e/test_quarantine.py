"""The gate in the real flow: a center whose new extract fails is quarantined and keeps its last
accepted extract, the other centers are published, Data Docs show why without identifiers, and a
registry whose marts fail is not published."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import tasks.quality.quarantine
from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate
from tasks.quality.quarantine import RegistryGateError
from tasks.quality.verdict import ERROR, Finding, Verdict

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    """Night 1 on a clean cohort; night 2 after valencia sent an extract with half the rows."""
    root = tmp_path_factory.mktemp("quarantine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        summary = simulate(root / "cohort", patients=500, centers=2, seed=13)
        database, out = root / "registry.duckdb", root / "out"
        first = registry_refresh(summary.centers_file, database, out)
        [old] = (root / "cohort" / "landing" / "valencia").iterdir()
        new = old.with_name((date.fromisoformat(old.name) + timedelta(days=1)).isoformat())
        shutil.copytree(old, new)
        with (old / "prescriptions.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        with (new / "prescriptions.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows[: len(rows) // 2])
        # The registry is published without valencia's new extract: the night is Partial.
        state = registry_refresh(summary.centers_file, database, out, return_state=True)
        assert (state.type.value, state.name) == ("COMPLETED", "Partial")
        second = state.result()
    return {"root": root, "first": first, "second": second, "old": old.name, "new": new.name}


def test_a_clean_cohort_passes_the_gate_in_the_flow(runs: dict) -> None:
    assert runs["first"].quality == {"valencia": "passed", "sagunto": "passed"}
    assert runs["first"].failed_centers == {}


def test_a_halved_extract_is_quarantined_and_the_center_keeps_its_last_accepted_one(
    runs: dict,
) -> None:
    second = runs["second"]
    assert second.quality == {"valencia": "failed", "sagunto": "passed"}
    message = second.failed_centers["valencia"]
    assert "prescriptions.csv has not shrunk" in message
    assert f"its extract {runs['old']} is kept" in message
    with duckdb.connect(str(second.database), read_only=True) as con:
        [(extracts,)] = con.execute("select extracts from meta.run").fetchall()
        centers = con.execute("select distinct center_id from marts.jaki_courses").fetchall()
    assert runs["old"] in extracts and runs["new"] not in extracts
    assert sorted(centers) == [("sagunto",), ("valencia",)]


def test_the_unchanged_center_reuses_its_verdict_of_the_first_night(runs: dict) -> None:
    report = (runs["second"].run_folder / "quality_gate.md").read_text(encoding="utf-8")
    [sagunto] = (runs["root"] / "cohort" / "landing" / "sagunto").iterdir()
    origin = f"run {runs['first'].run_id} on extract {sagunto.name}"
    assert f"- sagunto: verdict reused from {origin}" in report
    assert "valencia: verdict reused" not in report


def test_the_data_docs_show_the_failing_expectation_and_no_local_identifier(runs: dict) -> None:
    second = runs["second"]
    assert second.data_docs.is_file()
    assert second.data_docs.parent.parent == second.run_folder
    pages = {p: p.read_text(encoding="utf-8") for p in second.data_docs.parent.rglob("*.html")}
    failing = [text for path, text in pages.items() if "valencia" in path.name]
    # A threshold named in a suite's description reads as its value (QualityThresholds default).
    assert any("has not shrunk by more than 30% against" in text for text in failing)
    assert not any("max_row_drop_share" in text for text in failing)
    landing = runs["root"] / "cohort" / "landing"
    local_ids = set()
    for patients in landing.glob("*/*/patients.csv"):
        with patients.open(encoding="utf-8", newline="") as handle:
            local_ids |= {row["patient_id"] for row in csv.DictReader(handle)}
    assert len(local_ids) > 400
    leaked = {
        i for i in local_ids for text in pages.values() if f">{i}<" in text or f'"{i}"' in text
    }
    assert leaked == set()


def test_a_registry_failing_its_marts_gate_leaves_the_published_database_untouched(
    runs: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = runs["second"].database
    published = database.read_bytes()
    failing = Verdict("registry", (Finding("marts.jaki_failures", "retention", ERROR, 3, None),))
    monkeypatch.setattr(tasks.quality.quarantine, "validate_registry", lambda *_: failing)
    centers_file = runs["root"] / "cohort" / "centers.yaml"
    with pytest.raises(RegistryGateError, match="the registry was not published"):
        registry_refresh(centers_file, database, runs["root"] / "out", rebuild=True)
    assert database.read_bytes() == published
    assert Path(f"{database}.building").exists()
