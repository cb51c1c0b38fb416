"""Stage timings: each measured block leaves one record with its wall time, rows and memory."""

from __future__ import annotations

import time

from jakreg.stage_timings import StageTiming, StageTimings


def test_a_measured_stage_records_its_wall_and_cpu_seconds_rows_and_peak_memory() -> None:
    timings = StageTimings()
    with timings.measure("build-registry") as timing:
        time.sleep(0.05)
        sum(range(2_000_000))
        timing.rows_in, timing.rows_out = 1000, 10
    [recorded] = timings.stages
    assert recorded.stage == "build-registry"
    assert 0.05 <= recorded.seconds < 5
    assert 0 < recorded.cpu_seconds < recorded.seconds
    assert (recorded.rows_in, recorded.rows_out) == (1000, 10)
    assert recorded.peak_rss_mb > 10


def test_rows_per_second_is_rows_in_over_seconds_and_absent_without_rows() -> None:
    assert StageTiming("stage-centers", seconds=2.0, rows_in=500).rows_per_second == 250
    assert StageTiming("retention-summary", seconds=2.0).rows_per_second is None


def test_each_stage_s_end_is_reported_in_one_line_with_seconds_and_rows() -> None:
    lines: list[str] = []
    timings = StageTimings(report=lines.append)
    with timings.measure("build-registry") as timing:
        timing.rows_in, timing.rows_out = 81337, 12346
    with timings.measure("publish"):
        pass
    assert lines[0].startswith(
        "stage build-registry done in 0.0 s: 81,337 rows in, 12,346 rows out"
    )
    assert lines[1] == "stage publish done in 0.0 s"
