"""The coordinating center's checks of a bundle (tasks/federated/checks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jakreg.cli import main
from jakreg.config import Protocol
from jakreg.errors import CenterDataError
from tasks.federated.checks import read_bundle
from tests.unit.federated.bundles import edit_cell, make_bundle


def test_a_bundle_as_exported_passes_and_reads_back(tmp_path: Path) -> None:
    bundle = read_bundle(make_bundle(tmp_path / "b"), "alpha", Protocol())
    assert bundle.center_id == "alpha"
    assert bundle.about["data_quality"] == "passed"
    assert set(bundle.aggregates.life_tables["strategy"]) == {"cycling", "switching"}
    assert bundle.aggregates.life_tables["events"].min() >= 5


def test_a_bundle_under_another_protocol_is_refused_naming_the_parameter(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "b", protocol=Protocol(permissible_gap_days=60))
    with pytest.raises(CenterDataError) as refused:
        read_bundle(folder, "alpha", Protocol())
    message = str(refused.value)
    assert "file protocol.csv" in message
    assert "permissible_gap_days = 60 (registry: 90)" in message


def test_a_file_changed_after_the_export_fails_its_checksum(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "b")
    edit_cell(folder, "life_tables.csv", 2, "events", "999", reseal=False)
    with pytest.raises(CenterDataError, match=r"life_tables\.csv does not match its checksum"):
        read_bundle(folder, "alpha", Protocol())


@pytest.mark.parametrize(
    ("file", "column", "value"),
    [
        ("life_tables.csv", "events", "0"),
        ("life_tables.csv", "events", "3"),
        ("event_margins.csv", "events", "4"),
        ("descriptive.csv", "n", "2"),
        ("attrition.csv", "n", "1"),
    ],
)
def test_a_cell_under_the_minimum_is_refused_even_with_a_resealed_manifest(
    tmp_path: Path, file: str, column: str, value: str
) -> None:
    folder = make_bundle(tmp_path / "b")
    edit_cell(folder, file, 2, column, value, reseal=True)
    with pytest.raises(CenterDataError) as refused:
        read_bundle(folder, "alpha", Protocol())
    assert f"file {file}, row 2, column {column}: a count under the minimum of 5" in str(
        refused.value
    )


def test_a_masked_count_is_accepted_and_a_word_in_a_count_is_not(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "b")
    edit_cell(folder, "descriptive.csv", 2, "n", "<5", reseal=True)
    read_bundle(folder, "alpha", Protocol())
    edit_cell(folder, "descriptive.csv", 2, "n", "many", reseal=True)
    with pytest.raises(CenterDataError, match="neither a number nor <5"):
        read_bundle(folder, "alpha", Protocol())


def test_a_file_the_manifest_does_not_list_is_refused(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "b")
    (folder / "patients.csv").write_text("patient_id\n1\n", encoding="utf-8")
    with pytest.raises(CenterDataError, match=r"unexpected \['patients.csv'\]"):
        read_bundle(folder, "alpha", Protocol())


def test_a_bundle_of_another_center_is_refused(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "b", center="beta")
    with pytest.raises(CenterDataError, match="written for center 'beta'"):
        read_bundle(folder, "alpha", Protocol())


def test_check_bundle_tells_the_hospital_whether_it_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = make_bundle(tmp_path / "b")
    assert main(["check-bundle", str(folder), "--center", "alpha"]) == 0
    assert "passes the coordinating center's checks" in capsys.readouterr().out
    edit_cell(folder, "event_margins.csv", 2, "events", "4", reseal=True)
    assert main(["check-bundle", str(folder), "--center", "alpha"]) == 3
    assert "file event_margins.csv, row 2, column events" in capsys.readouterr().err
