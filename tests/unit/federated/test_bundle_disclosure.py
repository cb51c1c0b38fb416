"""No count under the minimum comes back from a bundle of a center with many small groups."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.table_relations import DESCRIPTIVE
from tasks.analysis.tables import protect_tables
from tasks.federated.aggregates import center_aggregates
from tasks.federated.bundle import write_bundle
from tasks.federated.suppression import withhold_recoverable
from tests.unit.federated.attacker import recovered
from tests.unit.federated.cohorts import next_treatments


def test_a_small_center_bundle_gives_nothing_back(tmp_path: Path) -> None:
    protocol = Protocol()
    # A small center: few courses, so intervals merge, covariates drop and groups are small.
    rows = next_treatments("tiny", 60, seed=11)
    descriptive = pl.DataFrame(
        {
            "scope": "tiny",
            "section": ["stop_reason"] * 4 + ["sex"] * 2,
            "item": ["adverse_event", "remission", "other", "pregnancy", "F", "M"],
            "n": [30, 12, 15, 3, 57, 3],
            "of": [60, 60, 60, 60, 60, 60],
            "percent": [50.0, 20.0, 25.0, 5.0, 95.0, 5.0],
            "summary": [None] * 6,
        }
    )
    shared = withhold_recoverable(
        protect_tables({DESCRIPTIVE: descriptive}, protocol)[DESCRIPTIVE], 5
    )
    attrition = pl.DataFrame({"step": ["courses", "failures"], "n": ["80", None]})
    folder = tmp_path / "tiny"
    write_bundle(
        folder, "tiny", protocol, "passed", center_aggregates(rows, protocol), shared, attrition
    )
    assert recovered(folder, 5) == []
    assert "<5" in (folder / "descriptive.csv").read_text(encoding="utf-8")


def test_the_attacker_finds_a_count_left_by_subtraction(tmp_path: Path) -> None:
    """The attacker can fail: a descriptive table masked without secondary suppression."""
    protocol = Protocol()
    descriptive = pl.DataFrame(
        {
            "scope": "tiny",
            "section": ["sex", "sex"],
            "item": ["F", "M"],
            "n": [57, 3],
            "of": [60, 60],
            "percent": [95.0, 5.0],
            "summary": [None, None],
        }
    )
    folder = tmp_path / "leaky"
    write_bundle(
        folder,
        "tiny",
        protocol,
        "passed",
        center_aggregates(next_treatments("tiny", 300, seed=1), protocol),
        protect_tables({DESCRIPTIVE: descriptive}, protocol)[DESCRIPTIVE],
        pl.DataFrame({"step": ["courses"], "n": ["80"]}),
    )
    assert recovered(folder, 5) == ["leaky: sex n: total minus the others = 3"]
