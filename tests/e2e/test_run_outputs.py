"""The run's shared outputs on a generated cohort: figures against the generator's truth, and
nothing patient-level in any file."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from jakreg.config import Protocol
from tests.conftest import expected_patient_key

pytestmark = pytest.mark.e2e
# A word not glued to another word or a decimal point: "00000123" in a CSV cell, not 0.00000123.
TOKENS = re.compile(r"(?<![\w.])\w+(?![\w.])")


def _product_limit(rows: list[tuple[int, bool]], t: float) -> float:
    """Kaplan–Meier by hand: the product over event times s <= t of (1 - d_s / n_s), where n_s
    counts the courses followed at least to s (a course censored on s is still at risk)."""
    retention = 1.0
    for s in sorted({days for days, event in rows if event and days <= t}):
        at_risk = sum(1 for days, _ in rows if days >= s)
        stopped = sum(1 for days, event in rows if event and days == s)
        retention *= 1 - stopped / at_risk
    return retention


def _truth_failures(truth: Path) -> list[dict]:
    with (truth / "jaki_failures.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _identifiers(truth: Path) -> set[str]:
    """Every local identifier of the cohort and the patient key made from it."""
    rows = _truth_failures(truth)
    local_ids = {r["local_id"] for r in rows}
    return local_ids | {expected_patient_key(r["center_id"], r["local_id"]) for r in rows}


def test_pooled_nine_month_retention_by_strategy_matches_the_generator_truth(
    refreshed: dict,
) -> None:
    nine_months = 9 * Protocol().month_days
    summary = pl.read_csv(refreshed["root"] / "out" / "latest" / "retention_summary.csv")
    reported = dict(
        summary.filter((pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy"))
        .select("group", "m9_retention")
        .iter_rows()
    )
    truth = _truth_failures(refreshed["truth"])
    for strategy in ("cycling", "switching"):
        rows = [
            (int(r["retention_days"]), r["retention_event"] == "True")
            for r in truth
            if r["strategy"] == strategy
        ]
        assert len(rows) > 50
        expected = _product_limit(rows, nine_months)
        assert reported[strategy] == pytest.approx(expected, abs=5e-5), strategy


def test_no_output_file_contains_a_local_identifier_or_patient_key(refreshed: dict) -> None:
    identifiers = _identifiers(refreshed["truth"])
    files = [p for p in (refreshed["root"] / "out" / "latest").iterdir() if p.is_file()]
    assert {p.name for p in files} >= {
        "retention_summary.csv",
        "retention_summary.parquet",
        "descriptive.csv",
        "cox.csv",
        "logrank.csv",
        "report.html",
    }
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not set(TOKENS.findall(text)) & identifiers, path.name


def test_latest_points_at_the_run_folder(refreshed: dict) -> None:
    result = refreshed["result"]
    latest = refreshed["root"] / "out" / "latest"

    assert latest.resolve() == result.run_folder.resolve()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}-[0-9a-f]{8}", result.run_folder.name)


def test_run_publishes_its_headline_artifacts_with_small_cells_masked(refreshed: dict) -> None:
    keys = ["registry-run-summary", "jakreg-retention-9-months", "jakreg-cox-switching-vs-cycling"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))
        )
    flow_run_id = refreshed["result"].run_folder.name.rsplit("-", 1)[1]
    ours = {a.key: a for a in artifacts if str(a.flow_run_id).replace("-", "")[:8] == flow_run_id}
    assert sorted(ours) == sorted(keys)
    summary = ours["registry-run-summary"].data
    assert "| cycling |" in summary and "| switching |" in summary
    assert re.search(r"data quality: \*\*(passed|warnings|failed|not validated)\*\*", summary)
    headline = json.loads(ours["jakreg-retention-9-months"].data)
    assert {row["group"] for row in headline} == {"all", "cycling", "retreatment", "switching"}
    identifiers = _identifiers(refreshed["truth"])
    for artifact in ours.values():
        assert not set(TOKENS.findall(str(artifact.data))) & identifiers, artifact.key
