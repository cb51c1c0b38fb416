"""One run of the flow in a fresh process, its figures written as JSON for `benchmarks.run`.

A process per run, so that each run's peak memory is its own; the Prefect API is the one the
parent started (PREFECT_API_URL), so no run pays for starting a temporary server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from flows.task_runners import configured_registry_refresh
from jakreg.settings import DuckDBSettings, RunnerSettings
from jakreg.stage_timings import peak_rss_mb

# Packages a night with nothing new should never import (each takes seconds).
HEAVY = ("great_expectations", "lifelines", "matplotlib", "prefect.server.api.server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--centers", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True, help="where to write the figures")
    args = parser.parse_args()
    registry_refresh = configured_registry_refresh(
        RunnerSettings.from_environment(), DuckDBSettings.from_environment()
    )
    start = time.perf_counter()
    result = registry_refresh(args.centers, args.db, args.out)
    seconds = time.perf_counter() - start
    stages = [
        {**dataclasses.asdict(stage), "rows_per_second": stage.rows_per_second}
        for stage in result.timings.stages
    ]
    figures = {
        "flow_seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "failed_centers": sorted(result.failed_centers),
        "mart_rows": result.mart_rows,
        "stages": stages,
        "heavy_imports": [module for module in HEAVY if module in sys.modules],
    }
    args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
