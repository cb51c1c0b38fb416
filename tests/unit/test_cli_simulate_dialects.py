"""`jakreg simulate --dialects` assigns dialects to centers in turn and writes their files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jakreg.cli import main

FIRST_FILE = {
    "registry_csv": "prescriptions.csv",
    "es_his_csv": "tratamientos.csv",
    "omop_csv": "drug_exposure.csv",
}


def test_dialects_are_assigned_to_centers_in_turn(tmp_path: Path) -> None:
    argv = ["simulate", "--out", str(tmp_path), "--patients", "40", "--centers", "4"]
    assert main([*argv, "--dialects", "registry_csv, es_his_csv,omop_csv"]) == 0
    centers = yaml.safe_load((tmp_path / "centers.yaml").read_text())["centers"]
    assert [c["dialect"] for c in centers] == [
        "registry_csv",
        "es_his_csv",
        "omop_csv",
        "registry_csv",
    ]
    for center in centers:
        [extract] = (tmp_path / center["landing"]).iterdir()
        assert (extract / FIRST_FILE[center["dialect"]]).is_file()


def test_an_unknown_dialect_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--out", str(tmp_path), "--dialects", "registry_csv,excel"]) == 2
    assert "cannot write dialects ['excel']" in capsys.readouterr().err
