"""`make bench`: the flow's cost per stage on generated cohorts, against DuckDB's floor.

For each size: generate a cohort (`jakreg simulate`: 4 centers, every dialect that both the
simulator and the pipeline know, in turn), measure the floor (`benchmarks.floor`), then run the
flow three times, each in a fresh process, against one Prefect API started here: a full run into
an empty registry, a second run with nothing changed, and a run after the largest center sends a
new extract. Prints the figures and writes `benchmarks/results/<size>.json`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from benchmarks.floor import measure_floor
from jakreg.config import DIALECTS, load_centers
from jakreg.settings import DuckDBSettings
from jakreg.simulate.writers import WRITERS
from tasks.extract.dialects import READERS
from tasks.extract.landing import newest_extract

HERE = Path(__file__).resolve().parent
RUNS = ("full", "no_change", "new_extract")


class BenchmarkError(RuntimeError):
    """A step of the benchmark failed; its log file says why."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="patients per cohort")
    parser.add_argument("--centers", type=int, default=4)
    parser.add_argument(
        "--dialects",
        default=",".join(d for d in DIALECTS if d in WRITERS and d in READERS),
        help="export dialects, assigned to centers in turn (default: all available)",
    )
    parser.add_argument("--work", type=Path, default=HERE / "work", help="scratch folder")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument(
        "--reuse-cohorts",
        action="store_true",
        help="keep a cohort already generated in the work folder (its simulate time is not "
        "measured again)",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    # A benchmark-only key: the cohort is synthetic, and a real key must never be needed here.
    os.environ["JAKREG_PSEUDONYM_KEY"] = "benchmark-key-not-secret-0123456789abcdef"
    # The temporary server's telemetry heartbeat only adds noise (and "database is locked").
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    args.results.mkdir(parents=True, exist_ok=True)
    with prefect_test_harness(server_startup_timeout=60):
        # Run processes find the API through the environment; the harness only sets it in-process.
        os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
        for size in sizes:
            figures = benchmark_size(
                size, args.centers, args.dialects, args.work / str(size), args.reuse_cohorts
            )
            (args.results / f"{size}.json").write_text(
                json.dumps(figures, indent=2) + "\n", encoding="utf-8"
            )
            print(report(figures), flush=True)
    return 0


def benchmark_size(
    patients: int, centers: int, dialects: str, work: Path, reuse_cohort: bool = False
) -> dict:
    """Simulates a cohort of `patients` (or reuses it), measures the floor and the three runs."""
    cohort = work / "cohort"
    load_before = os.getloadavg()[0]
    if reuse_cohort and (cohort / "centers.yaml").is_file():
        for leftover in work.iterdir():
            if leftover.is_dir() and leftover.name != "cohort":
                shutil.rmtree(leftover)
            elif leftover.is_file():
                leftover.unlink()
        simulated = None
    else:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        simulated = _simulate(cohort, patients, centers, dialects, work / "simulate.log")
    centers_file = cohort / "centers.yaml"
    # The best of three: the floor is short, and other work on the machine would inflate it.
    measures = [measure_floor(centers_file, DuckDBSettings.from_environment()) for _ in range(3)]
    floor = min(measures, key=lambda files: sum(f.seconds for f in files))
    floor_seconds = sum(f.seconds for f in floor)
    read_seconds = min(sum(f.read_seconds for f in files) for files in measures)
    runs = {}
    for run in RUNS:
        if run == "new_extract":
            changed_center, new_extract = send_new_extract(centers_file)
        runs[run] = _flow_run(centers_file, work, run)
    # Leave the cohort as generated, so that --reuse-cohorts starts from the same extracts.
    shutil.rmtree(new_extract)
    changed_rows = sum(f.rows for f in floor if f.center_id == changed_center)
    return {
        "patients": patients,
        "centers": centers,
        "dialects": dialects.split(","),
        "measured_on": _machine(),
        "input_rows": sum(f.rows for f in floor),
        "input_bytes": sum(p.stat().st_size for p in (cohort / "landing").rglob("*.*")),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "simulate": simulated,
        "floor": {
            "seconds": floor_seconds,
            "read_seconds": read_seconds,
            "files": [dataclasses.asdict(f) for f in floor],
        },
        "runs": runs,
        "pipeline_to_floor": runs["full"]["flow_seconds"] / floor_seconds,
        "pipeline_to_read_floor": runs["full"]["flow_seconds"] / read_seconds,
        "no_change_to_full": runs["no_change"]["flow_seconds"] / runs["full"]["flow_seconds"],
        "new_extract": {
            "center": changed_center,
            "share_of_input_rows": changed_rows / sum(f.rows for f in floor),
            "to_full": runs["new_extract"]["flow_seconds"] / runs["full"]["flow_seconds"],
        },
    }


def _simulate(cohort: Path, patients: int, centers: int, dialects: str, log: Path) -> dict:
    return _measured(
        [
            sys.executable,
            "-m",
            "jakreg.cli",
            "simulate",
            f"--out={cohort}",
            f"--patients={patients}",
            f"--centers={centers}",
            f"--dialects={dialects}",
        ],
        log,
    )


def send_new_extract(centers_file: Path) -> tuple[str, Path]:
    """Copies the first (largest) center's newest extract into a folder a week later, with its
    data cut a week later too when extract.json states one; returns the center's id and the
    new folder."""
    center = load_centers(centers_file).centers[0]
    current = newest_extract(center)
    later = (date.fromisoformat(current.name) + timedelta(days=7)).isoformat()
    new = current.with_name(later)
    shutil.copytree(current, new)
    extract_json = new / "extract.json"
    if extract_json.exists():
        document = json.loads(extract_json.read_text(encoding="utf-8-sig"))
        if "data_cut_date" in document:
            cut = date.fromisoformat(document["data_cut_date"]) + timedelta(days=7)
            document["data_cut_date"] = cut.isoformat()
            extract_json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return center.id, new


def _flow_run(centers_file: Path, work: Path, run: str) -> dict:
    figures_file = work / f"{run}.json"
    process = _measured(
        [
            sys.executable,
            "-m",
            "benchmarks.flow_run",
            f"--centers={centers_file}",
            f"--db={work / 'registry.duckdb'}",
            f"--out={work / 'out'}",
            f"--json={figures_file}",
        ],
        work / f"{run}.log",
    )
    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    return {**figures, "process": process}


def _measured(command: list[str], log: Path) -> dict[str, float]:
    """Runs a command to completion: its wall seconds, CPU seconds (user + system, its children
    included: on a busy machine wall time varies, CPU time much less) and peak RSS in MiB (the
    largest of the process and the children it waited for)."""
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=HERE.parent
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(command[2:4])} exited with {process.returncode}; see {log}"
        )
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def _machine() -> dict:
    return {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def report(figures: dict) -> str:
    """The figures of one size as a plain-text table."""
    lines = [
        f"\n{figures['patients']:,} patients, {figures['input_rows']:,} input rows "
        f"({figures['input_bytes'] / 2**20:,.0f} MiB) in {figures['centers']} centers "
        f"({', '.join(figures['dialects'])})",
        _simulate_line(figures["simulate"]),
        f"  floor (DuckDB count(*) over every dump): {figures['floor']['seconds']:.2f} s; "
        f"every column read: {figures['floor']['read_seconds']:.2f} s",
        f"  {'run / stage':<28}{'seconds':>9}{'CPU s':>8}{'rows in':>13}{'rows out':>13}"
        f"{'rows/s':>12}{'peak RSS MiB':>14}",
    ]
    for run, result in figures["runs"].items():
        lines.append(
            f"  {run:<28}{result['flow_seconds']:>9.2f}"
            f"{result['process']['cpu_seconds']:>8.1f}{'':>38}{result['peak_rss_mb']:>14,.0f}"
        )
        for stage in result["stages"]:
            rate = stage["rows_per_second"]
            lines.append(
                f"    {stage['stage']:<26}{stage['seconds']:>9.2f}{stage['cpu_seconds']:>8.1f}"
                f"{_count(stage['rows_in']):>13}{_count(stage['rows_out']):>13}"
                f"{_count(rate):>12}{stage['peak_rss_mb']:>14,.0f}"
            )
    new_extract = figures["new_extract"]
    lines.append(
        f"  full run / floor: {figures['pipeline_to_floor']:.1f}x (/ every column read: "
        f"{figures['pipeline_to_read_floor']:.1f}x); no-change run / full: "
        f"{figures['no_change_to_full']:.0%}; new extract from {new_extract['center']} "
        f"({new_extract['share_of_input_rows']:.0%} of rows) / full: {new_extract['to_full']:.0%}"
    )
    lines.append(
        f"  load average before/after: {figures['load_average']['before']:.1f}/"
        f"{figures['load_average']['after']:.1f} on {figures['measured_on']['cpus']} cores"
    )
    return "\n".join(lines)


def _simulate_line(simulated: dict | None) -> str:
    if simulated is None:
        return "  simulate: not measured (cohort reused)"
    return (
        f"  simulate: {simulated['seconds']:.1f} s ({simulated['cpu_seconds']:.1f} s CPU), "
        f"peak RSS {simulated['peak_rss_mb']:,.0f} MiB"
    )


def _count(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


if __name__ == "__main__":
    sys.exit(main())
