"""`make bench`: jakreg beside the plain-DuckDB reference script, at 10k, 100k and 1M patients.

For each size: generate a one-center registry_csv cohort (`jakreg simulate`), measure DuckDB's
floor (`benchmarks.floor`), run the reference script (`benchmarks.reference`) and jakreg's flow,
each in a fresh process against one Prefect API started here: a full run into an empty registry,
then a run with nothing new. The reference's marts must equal jakreg's row by row. Then the fixed
cost: a 200-patient cohort in 4 centers, one per dialect, run in full. Prints the figures, writes
`benchmarks/results/<size>.json` and `fixed_cost.json`, and, once both sizes were measured,
time(1M) / time(100k).

CPU seconds (user + system of the run's process and the children it waited for) are the primary
figure: on a shared machine wall time follows the load, CPU time much less. The Prefect API
server's CPU during each run is measured apart (`api_cpu_seconds`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
from prefect.server.api.server import SubprocessASGIServer

from benchmarks.floor import measure_floor
from benchmarks.reference import mart_differences
from benchmarks.report import machine, report, scaling_line
from jakreg.config import load_centers
from jakreg.prefect_server import prefect_api
from jakreg.settings import DuckDBSettings
from tasks.extract.landing import newest_extract

HERE = Path(__file__).resolve().parent
RUNS = ("full", "no_change")
REFERENCE_DIALECT = "registry_csv"
FIXED_COST_PATIENTS = 200
FIXED_COST_DIALECTS = "registry_csv,es_his_csv,omop_csv,fhir_ndjson"


class BenchmarkError(RuntimeError):
    """A step of the benchmark failed; its log file says why."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="patients per cohort")
    parser.add_argument("--work", type=Path, default=HERE / "work", help="scratch folder")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument(
        "--reuse-cohorts",
        action="store_true",
        help="keep a cohort already generated in the work folder (its simulate time is not "
        "measured again)",
    )
    parser.add_argument(
        "--no-fixed-cost", action="store_true", help="skip the 200-patient, 4-center run"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    # A benchmark-only key: the cohort is synthetic, and a real key must never be needed here.
    os.environ["JAKREG_PSEUDONYM_KEY"] = "benchmark-key-not-secret-0123456789abcdef"
    os.environ.pop("PREFECT_API_URL", None)
    args.results.mkdir(parents=True, exist_ok=True)
    unequal = []
    with prefect_api() as api_url:
        # Run processes find the API through the environment; prefect_api sets it in-process.
        os.environ["PREFECT_API_URL"] = api_url
        api = psutil.Process(SubprocessASGIServer._instances[None].server_process.pid)
        for size in sizes:
            work = args.work / str(size)
            cohort = _cohort(work, size, 1, REFERENCE_DIALECT, args.reuse_cohorts)
            figures = benchmark_size(cohort, work, api)
            _write(args.results / f"{size}.json", figures)
            print(report(figures), flush=True)
            unequal += [f"{size}: {d}" for d in figures["reference"]["differences"].values()]
        if not args.no_fixed_cost:
            work = args.work / "fixed_cost"
            cohort = _cohort(work, FIXED_COST_PATIENTS, 4, FIXED_COST_DIALECTS, False)
            figures = benchmark_size(cohort, work, api, reference=False)
            _write(args.results / "fixed_cost.json", figures)
            print(report(figures), flush=True)
    print(scaling_line(args.results))
    if unequal:
        print("\nTHE REFERENCE'S MARTS DIFFER FROM JAKREG'S:\n" + "\n".join(unequal))
        return 1
    return 0


def _cohort(work: Path, patients: int, centers: int, dialects: str, reuse: bool) -> dict:
    """Generates the cohort under `work/cohort` (or keeps the one there), clearing earlier runs."""
    cohort = work / "cohort"
    if reuse and (cohort / "centers.yaml").is_file():
        for leftover in work.iterdir():
            if leftover != cohort:
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        return {"patients": patients, "centers_file": cohort / "centers.yaml", "simulate": None}
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = [
        *("-m", "jakreg.cli", "simulate", f"--out={cohort}", f"--patients={patients}"),
        *(f"--centers={centers}", f"--dialects={dialects}"),
    ]
    simulated = _measured(command, work / "simulate.log")
    return {"patients": patients, "centers_file": cohort / "centers.yaml", "simulate": simulated}


def benchmark_size(cohort: dict, work: Path, api: psutil.Process, reference: bool = True) -> dict:
    """The floor, the reference script (when `reference`) and jakreg's runs on one cohort."""
    centers_file = cohort["centers_file"]
    centers = load_centers(centers_file).centers
    load_before = os.getloadavg()[0]
    # The best of three: the floor is short, and other work on the machine would inflate it.
    measures = [measure_floor(centers_file, DuckDBSettings.from_environment()) for _ in range(3)]
    floor = min(measures, key=lambda files: sum(f.seconds for f in files))
    figures = {
        "patients": cohort["patients"],
        "centers": len(centers),
        "dialects": [center.dialect for center in centers],
        "measured_on": machine(),
        "input_rows": sum(f.rows for f in floor),
        "input_bytes": sum(
            p.stat().st_size for p in (centers_file.parent / "landing").rglob("*.*")
        ),
        "simulate": cohort["simulate"],
        "floor": {
            "seconds": sum(f.seconds for f in floor),
            "read_seconds": min(sum(f.read_seconds for f in files) for files in measures),
        },
    }
    if reference:
        figures["reference"] = _reference_run(centers, work)
    figures["runs"] = {run: _flow_run(centers_file, work, run, api) for run in RUNS}
    if reference:
        figures["reference"]["differences"] = {
            f"{center.id}.{mart}": difference
            for center in centers
            for mart, difference in mart_differences(
                work / "registry.duckdb", work / f"reference-{center.id}.duckdb", center.id
            ).items()
        }
        full, peer = figures["runs"]["full"]["process"], figures["reference"]["process"]
        figures["to_reference"] = {
            "seconds": full["seconds"] / peer["seconds"],
            "cpu_seconds": full["cpu_seconds"] / peer["cpu_seconds"],
        }
    figures["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    return figures


def _reference_run(centers: list, work: Path) -> dict:
    """The reference script on each center's newest extract, one process each, summed."""
    processes = [
        _measured(
            [
                *("-m", "benchmarks.reference", f"--center={center.id}"),
                f"--landing={newest_extract(center)}",
                f"--out={work / f'reference-{center.id}.duckdb'}",
            ],
            work / f"reference-{center.id}.log",
        )
        for center in centers
    ]
    return {
        "process": {
            "seconds": sum(p["seconds"] for p in processes),
            "cpu_seconds": sum(p["cpu_seconds"] for p in processes),
            "peak_rss_mb": max(p["peak_rss_mb"] for p in processes),
            "load_average": max(p["load_average"] for p in processes),
        }
    }


def _flow_run(centers_file: Path, work: Path, run: str, api: psutil.Process) -> dict:
    figures_file = work / f"{run}.json"
    api_before = _cpu(api)
    process = _measured(
        [
            *("-m", "benchmarks.flow_run", f"--centers={centers_file}"),
            f"--db={work / 'registry.duckdb'}",
            f"--out={work / 'out'}",
            f"--json={figures_file}",
        ],
        work / f"{run}.log",
    )
    figures = json.loads(figures_file.read_text(encoding="utf-8"))
    return {**figures, "process": process, "api_cpu_seconds": _cpu(api) - api_before}


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def _measured(arguments: list[str], log: Path) -> dict[str, float]:
    """Runs `python <arguments>` to completion: its wall seconds, CPU seconds (user + system, its
    children included) and peak RSS in MiB (the largest of the process and its children)."""
    start = time.perf_counter()
    load = os.getloadavg()[0]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [sys.executable, *arguments], stdout=output, stderr=subprocess.STDOUT, cwd=HERE.parent
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise BenchmarkError(f"{' '.join(arguments[:3])} failed; see {log}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "load_average": load,
    }


def _write(path: Path, figures: dict) -> None:
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
