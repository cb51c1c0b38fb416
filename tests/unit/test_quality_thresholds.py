"""Quality thresholds are validated once, naming the key that is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jakreg.errors import ConfigError
from jakreg.quality import QualityThresholds


def test_a_yaml_file_overrides_only_the_thresholds_it_names(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("max_row_drop_share: 0.5\nearliest_treatment_date: 2005-01-01\n")
    thresholds = QualityThresholds.load(path)
    assert thresholds.max_row_drop_share == 0.5
    assert thresholds.earliest_treatment_date == date(2005, 1, 1)
    assert thresholds.drug_mapped_warning_share == QualityThresholds().drug_mapped_warning_share


def test_an_unknown_threshold_is_named(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text("max_row_drop: 0.5\n")
    with pytest.raises(ConfigError, match="unknown quality threshold 'max_row_drop'"):
        QualityThresholds.load(path)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"max_row_drop_share": 1.5}, "max_row_drop_share must be a share between 0 and 1"),
        ({"earliest_birth_date": "1900-13-01"}, "earliest_birth_date must be a date"),
        ({"drug_mapped_error_share": 0.99}, "must not exceed drug_mapped_warning_share"),
        ({"days_after_data_cut": -1}, "days_after_data_cut must be 0 or more"),
    ],
)
def test_an_impossible_threshold_fails_at_start(override: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        QualityThresholds(**override)
