"""Dated run folders and the `latest` pointer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.analysis.run_folder import create_run_folder, point_latest, run_folder_name


def test_run_folder_is_named_by_utc_time_and_short_run_id() -> None:
    started = datetime(2026, 11, 29, 1, 45, 2, tzinfo=UTC)

    name = run_folder_name(started, "1a2b3c4d-5e6f-7a8b-9c0d-ef0123456789")

    assert name == "2026-11-29T014502-1a2b3c4d"


def test_latest_moves_to_the_newest_run_and_old_runs_stay(tmp_path: Path) -> None:
    first = create_run_folder.fn(tmp_path, "aaaaaaaa", datetime(2026, 1, 1, tzinfo=UTC))
    (first / "report.html").write_text("first")
    point_latest.fn(first)
    second = create_run_folder.fn(tmp_path, "bbbbbbbb", datetime(2026, 1, 2, tzinfo=UTC))
    (second / "report.html").write_text("second")

    latest = point_latest.fn(second)

    assert (latest / "report.html").read_text() == "second"
    assert latest.readlink() == Path(second.name)
    assert (first / "report.html").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name, second.name, "latest"]


def test_a_run_never_reuses_an_existing_folder(tmp_path: Path) -> None:
    started = datetime(2026, 1, 1, tzinfo=UTC)
    create_run_folder.fn(tmp_path, "aaaaaaaa", started)

    with pytest.raises(FileExistsError):
        create_run_folder.fn(tmp_path, "aaaaaaaa", started)
