"""Wall time, rows in and out, and peak memory of each stage of a run, recorded as it goes.

The flow wraps each stage in `StageTimings.measure` and returns the figures in its result, where
the benchmark (`benchmarks/`) and the run summary read them; given a `report` callable, each
stage's end is also reported in one line (the run's log). Peak memory is the process's peak
resident set size so far (getrusage), so a stage's figure is at least that of the stages before
it; work done in other processes (Dask workers) is not counted in it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StageTiming:
    """One stage: wall seconds, CPU seconds of this process (all its threads, user + system),
    rows read and written, and the process's peak RSS (MiB) when it ended."""

    stage: str
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    rows_in: int | None = None
    rows_out: int | None = None
    peak_rss_mb: float = 0.0

    @property
    def rows_per_second(self) -> float | None:
        """Rows in per wall second, the stage's throughput."""
        if self.rows_in is None or self.seconds <= 0:
            return None
        return self.rows_in / self.seconds

    def describe(self) -> str:
        """`stage build-registry done in 3.2 s: 81,337 rows in, 12,346 rows out`."""
        line = f"stage {self.stage} done in {self.seconds:.1f} s"
        counts = [
            f"{rows:,} rows {way}"
            for rows, way in ((self.rows_in, "in"), (self.rows_out, "out"))
            if rows is not None
        ]
        return line + (": " + ", ".join(counts) if counts else "")


@dataclass
class StageTimings:
    """The stages of one run in the order they finished."""

    stages: list[StageTiming] = field(default_factory=list)
    report: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    @contextmanager
    def measure(self, stage: str) -> Iterator[StageTiming]:
        """Times the block; the block sets `rows_in`/`rows_out` on the yielded record."""
        timing = StageTiming(stage)
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        yield timing
        timing.seconds = time.perf_counter() - start
        timing.cpu_seconds = _cpu_seconds() - cpu_start
        timing.peak_rss_mb = peak_rss_mb()
        self.stages.append(timing)
        if self.report:
            self.report(timing.describe())


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
