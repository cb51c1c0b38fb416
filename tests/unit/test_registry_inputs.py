"""The digest of a build's inputs changes with each input, and only with them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import Center, Protocol
from jakreg.quality import QualityThresholds
from tasks.analysis.run_folder import latest_run_folder, point_latest
from tasks.registry.inputs import inputs_digest, key_id, read_published_run

KEY = b"test-key-not-secret-0123456789abcdef"
VALENCIA = Center("valencia", "registry_csv", Path("/landing/valencia"))
SAGUNTO = Center("sagunto", "omop_csv", Path("/landing/sagunto"))
A, B = "a" * 64, "b" * 64  # extract digests


def _digest(**changes) -> str:
    inputs = {
        "centers": [(VALENCIA, A), (SAGUNTO, B)],
        "protocol": Protocol(),
        "thresholds": QualityThresholds(),
        "key": KEY,
    }
    return inputs_digest(**{**inputs, **changes})


def test_the_digest_is_the_same_for_the_same_inputs_in_any_order_from_any_landing_folder() -> None:
    moved = Center("valencia", "registry_csv", Path("/elsewhere/valencia"))
    assert _digest() == _digest(centers=[(SAGUNTO, B), (VALENCIA, A)])
    assert _digest() == _digest(centers=[(moved, A), (SAGUNTO, B)])


@pytest.mark.parametrize(
    "change",
    [
        {"centers": [(VALENCIA, "c" * 64), (SAGUNTO, B)]},
        {"centers": [(VALENCIA, A), (SAGUNTO, None)]},
        {"centers": [(VALENCIA, A)]},
        {
            "centers": [
                (Center("valencia", "registry_csv", VALENCIA.landing, {"encoding": "latin-1"}), A),
                (SAGUNTO, B),
            ]
        },
        {"protocol": Protocol(permissible_gap_days=60)},
        {"thresholds": QualityThresholds(max_row_drop_share=0.5)},
        {"key": b"another-key"},
    ],
    ids=["extract", "no-extract", "center-removed", "center-option", "protocol", "quality", "key"],
)
def test_the_digest_changes_with_each_input(change: dict) -> None:
    assert _digest(**change) != _digest()


def test_the_key_id_tells_keys_apart_without_showing_them() -> None:
    assert key_id(KEY) == key_id(KEY) != key_id(b"another-key")
    assert KEY.hex() not in key_id(KEY) and KEY.decode() not in key_id(KEY)


def test_latest_run_folder_is_found_only_for_the_run_it_shows(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-29T020000-1a2b3c4d"
    folder.mkdir()
    assert latest_run_folder(tmp_path, "1a2b3c4d-0000-0000-0000-000000000000") is None

    point_latest.fn(folder)

    assert latest_run_folder(tmp_path, "1a2b3c4d-0000-0000-0000-000000000000") == folder
    assert latest_run_folder(tmp_path, "9f8e7d6c-0000-0000-0000-000000000000") is None


def test_a_registry_without_a_recorded_digest_is_never_taken_as_current(tmp_path: Path) -> None:
    database = tmp_path / "registry.duckdb"
    assert read_published_run(database) is None
    with duckdb.connect(str(database)) as con:
        con.execute("create schema meta").complete()
        con.execute("create table meta.run as select 'r1' as run_id, now() as built_at").complete()

    published = read_published_run(database)

    assert (published.run_id, published.inputs_digest, published.centers) == ("r1", None, {})
