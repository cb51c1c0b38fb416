"""The load manifest: file hashes, one record per file, and a log that survives a torn write."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tasks.extract.manifest import JsonLines, fingerprint_extract, load_records


def _extract(tmp_path: Path) -> Path:
    folder = tmp_path / "valencia" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "patients.csv").write_text("patient_id,sex\n1,F\n", encoding="utf-8")
    (folder / "extract.json").write_text('{"center": "valencia"}', encoding="utf-8")
    return folder


def test_fingerprint_lists_each_file_with_its_size_and_sha256(tmp_path: Path) -> None:
    fingerprint = fingerprint_extract("valencia", _extract(tmp_path))

    assert fingerprint.extract_date == "2026-11-01"
    assert [(f.name, f.size, f.sha256) for f in fingerprint.files] == [
        ("extract.json", 22, hashlib.sha256(b'{"center": "valencia"}').hexdigest()),
        ("patients.csv", 19, hashlib.sha256(b"patient_id,sex\n1,F\n").hexdigest()),
    ]


def test_digest_changes_when_one_byte_of_one_file_changes(tmp_path: Path) -> None:
    folder = _extract(tmp_path)
    before = fingerprint_extract("valencia", folder).digest
    assert fingerprint_extract("valencia", folder).digest == before

    (folder / "patients.csv").write_text("patient_id,sex\n1,M\n", encoding="utf-8")

    assert fingerprint_extract("valencia", folder).digest != before


def test_digest_changes_when_a_file_is_added(tmp_path: Path) -> None:
    folder = _extract(tmp_path)
    before = fingerprint_extract("valencia", folder).digest

    (folder / "diagnoses.csv").write_text("", encoding="utf-8")

    assert fingerprint_extract("valencia", folder).digest != before


def test_records_carry_rows_read_only_for_files_that_were_read(tmp_path: Path) -> None:
    fingerprint = fingerprint_extract("valencia", _extract(tmp_path))

    records = load_records(fingerprint, "loaded", "run-1", {"patients.csv": 1})

    assert [(r["file"], r["rows_read"], r["rows_rejected"], r["status"]) for r in records] == [
        ("extract.json", None, None, "loaded"),
        ("patients.csv", 1, 0, "loaded"),
    ]


def test_records_count_rows_set_aside_per_rule_for_each_file_read(tmp_path: Path) -> None:
    fingerprint = fingerprint_extract("valencia", _extract(tmp_path))

    records = load_records(
        fingerprint,
        "loaded",
        "run-1",
        {"patients.csv": 10},
        {"patients.csv": 3},
        rejected_by_rule={"patients.csv": {"birth_outside_window": 2, "duplicate_row": 1}},
    )

    assert [(r["file"], r["rows_rejected"], r["rows_rejected_by_rule"]) for r in records] == [
        ("extract.json", None, None),
        ("patients.csv", 3, {"birth_outside_window": 2, "duplicate_row": 1}),
    ]


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_a_new_line(
    tmp_path: Path,
) -> None:
    log = JsonLines(tmp_path / "manifest.jsonl")
    log.append([{"run_id": "run-1"}])
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"run_id": "run-2", "sta')

    assert log.records() == [{"run_id": "run-1"}]
    log.append([{"run_id": "run-3"}])
    assert log.records() == [{"run_id": "run-1"}, {"run_id": "run-3"}]
