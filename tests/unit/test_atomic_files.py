"""Atomic replacement and the cleanup of what a killed run leaves behind."""

from __future__ import annotations

from pathlib import Path

from tasks.registry.atomic_files import clean_leftovers, replace_folder


def _folder(path: Path, content: str) -> Path:
    path.mkdir(parents=True)
    (path / "data.txt").write_text(content, encoding="utf-8")
    return path


def test_replace_folder_swaps_contents_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = _folder(tmp_path / "staged", "old")
    new = _folder(tmp_path / "staged.partial", "new")

    replace_folder(new, target)

    assert (target / "data.txt").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staged"]


def test_cleanup_deletes_partial_leftovers(tmp_path: Path) -> None:
    _folder(tmp_path / "valencia" / "2026-11-01.partial", "half")
    (tmp_path / "out.csv.partial").write_text("half", encoding="utf-8")

    removed = clean_leftovers(tmp_path)

    assert sorted(p.name for p in removed) == ["2026-11-01.partial", "out.csv.partial"]
    assert [p.name for p in tmp_path.rglob("*")] == ["valencia"]


def test_cleanup_restores_a_folder_killed_between_the_two_renames(tmp_path: Path) -> None:
    _folder(tmp_path / "2026-11-01.previous", "last good")

    clean_leftovers(tmp_path)

    assert (tmp_path / "2026-11-01" / "data.txt").read_text(encoding="utf-8") == "last good"
    assert not (tmp_path / "2026-11-01.previous").exists()


def test_cleanup_drops_previous_when_the_new_folder_is_in_place(tmp_path: Path) -> None:
    _folder(tmp_path / "2026-11-01.previous", "old")
    _folder(tmp_path / "2026-11-01", "new")

    clean_leftovers(tmp_path)

    assert (tmp_path / "2026-11-01" / "data.txt").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-11-01"]
