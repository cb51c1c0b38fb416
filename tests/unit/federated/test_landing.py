"""Which bundle of a federated center is pooled (tasks/federated/landing.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from jakreg.config import AggregatesCenter, Protocol
from tasks.federated.landing import decide_bundles
from tests.unit.federated.bundles import edit_cell, make_bundle


def test_the_newest_good_bundle_is_pooled_and_kept(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    make_bundle(landing / "2026-11-01")
    make_bundle(landing / "2026-11-08")
    [decision] = decide_bundles(
        (AggregatesCenter("alpha", landing),), tmp_path / "work", Protocol()
    )
    assert (decision.pooled, decision.problem, decision.status) == ("2026-11-08", None, "passed")
    assert (tmp_path / "work" / "bundles" / "alpha" / "2026-11-08" / "manifest.csv").exists()


def test_a_bad_newest_bundle_is_quarantined_and_the_last_accepted_one_pooled(
    tmp_path: Path,
) -> None:
    landing, work = tmp_path / "landing", tmp_path / "work"
    centers = (AggregatesCenter("alpha", landing),)
    make_bundle(landing / "2026-11-01")
    decide_bundles(centers, work, Protocol())
    edit_cell(make_bundle(landing / "2026-11-08"), "life_tables.csv", 2, "events", "2", True)
    [decision] = decide_bundles(centers, work, Protocol())
    assert decision.pooled == "2026-11-01"
    assert decision.status == "failed"
    assert decision.problem.startswith("bundle 2026-11-08 quarantined: center alpha, file ")
    assert "a count under the minimum" in decision.problem
    assert decision.bundle is not None and decision.bundle.center_id == "alpha"


def test_a_center_with_no_good_bundle_is_left_out(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    make_bundle(landing / "2026-11-01", protocol=Protocol(min_cell_count=3))
    [decision] = decide_bundles((AggregatesCenter("alpha", landing),), tmp_path / "w", Protocol())
    assert decision.pooled is None and decision.bundle is None
    assert "min_cell_count = 3 (registry: 5)" in decision.problem


def test_a_center_whose_landing_folder_is_empty_is_left_out_with_what_to_do(
    tmp_path: Path,
) -> None:
    [decision] = decide_bundles(
        (AggregatesCenter("alpha", tmp_path / "none"),), tmp_path / "w", Protocol()
    )
    assert decision.pooled is None
    assert "a folder named by its export date (YYYY-MM-DD)" in decision.problem


def test_a_bundle_folder_dated_in_the_future_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    landing = tmp_path / "landing"
    make_bundle(landing / "2026-11-01")
    make_bundle(landing / "2062-11-08")
    with caplog.at_level(logging.WARNING):
        [decision] = decide_bundles(
            (AggregatesCenter("alpha", landing),), tmp_path / "work", Protocol()
        )
    assert (decision.pooled, decision.problem) == ("2026-11-01", None)
    assert "center alpha: folder 2062-11-08 is after today; skipped" in caplog.text


def test_a_bundle_file_that_is_a_symbolic_link_quarantines_the_bundle(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", tmp_path / "work"
    centers = (AggregatesCenter("alpha", landing),)
    make_bundle(landing / "2026-11-01")
    decide_bundles(centers, work, Protocol())
    newest = make_bundle(landing / "2026-11-08")
    outside = tmp_path / "elsewhere.csv"
    (newest / "about.csv").rename(outside)
    (newest / "about.csv").symlink_to(outside)
    [decision] = decide_bundles(centers, work, Protocol())
    assert decision.pooled == "2026-11-01"
    assert "about.csv in extract folder 2026-11-08 is a symbolic link" in decision.problem
