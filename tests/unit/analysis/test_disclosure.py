"""Small-cell masking and spreadsheet-safe text in shared outputs."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.analysis.disclosure import mask_count, write_shared_csv


def test_counts_from_one_to_four_read_less_than_five_and_five_is_shown() -> None:
    assert [mask_count(v, 5) for v in (0, 1, 4, 5)] == ["0", "<5", "<5", "5"]


def test_text_a_spreadsheet_would_evaluate_gets_a_leading_apostrophe(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "group": ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "anti-TNF", "<5"],
            "n": [1, 2, 3, 4, 5, 6],
        }
    )

    write_shared_csv(frame, tmp_path / "t.csv")

    written = pl.read_csv(tmp_path / "t.csv")
    assert written["group"].to_list() == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "anti-TNF",
        "<5",
    ]
