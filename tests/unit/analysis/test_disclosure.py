"""Small-cell masking and spreadsheet-safe text in shared outputs."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.analysis.disclosure import mask_count, mask_counts, write_shared_csv


def test_counts_from_one_to_four_read_less_than_five_and_five_is_shown() -> None:
    frame = pl.DataFrame({"n": [0, 1, 4, 5, 12]})

    masked = mask_counts(frame, ["n"], min_cell_count=5)

    assert masked["n"].to_list() == ["0", "<5", "<5", "5", "12"]
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
