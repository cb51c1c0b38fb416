"""`jakreg simulate`: a deterministic multicenter cohort, its center dumps and its truth files.

Patients are generated and written in chunks so that memory stays flat however many are asked for.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from jakreg.config import DIALECTS, Protocol
from jakreg.simulate import truth
from jakreg.simulate.cohort import PatientGenerator, SimCenter
from jakreg.simulate.writers import WRITERS

CENTER_IDS = (
    "valencia",
    "sagunto",
    "madrid",
    "barcelona",
    "sevilla",
    "bilbao",
    "zaragoza",
    "malaga",
    "oviedo",
    "granada",
    "murcia",
    "vigo",
)
LATEST_DATA_CUT = date(2026, 10, 31)
CHUNK_PATIENTS = 20_000


@dataclass(frozen=True)
class SimulationSummary:
    out: Path
    centers_file: Path
    patients: int
    centers: tuple[SimCenter, ...]
    jaki_courses: int
    jaki_failures: int


def simulation_centers(count: int, dialects: tuple[str, ...]) -> list[SimCenter]:
    """Centers of decreasing size, each with its own data cut, dialects assigned in turn."""
    if not 1 <= count <= len(CENTER_IDS):
        raise ValueError(f"--centers must be between 1 and {len(CENTER_IDS)}")
    unknown = set(dialects) - set(WRITERS)
    if unknown:
        raise ValueError(
            f"cannot write dialects {sorted(unknown)}; available: {', '.join(sorted(WRITERS))}"
        )
    return [
        SimCenter(
            CENTER_IDS[i],
            dialects[i % len(dialects)],
            (LATEST_DATA_CUT - timedelta(days=7 * i)).toordinal(),
            1 / (1 + 0.3 * i),
        )
        for i in range(count)
    ]


def simulate(
    out: Path,
    patients: int = 3000,
    centers: int = 4,
    seed: int = 42,
    dialects: tuple[str, ...] = ("registry_csv",),
    protocol: Protocol | None = None,
) -> SimulationSummary:
    """Write `out/landing/<center>/<extract-date>/`, `out/centers.yaml` and `out/truth/*.csv`."""
    protocol = protocol or Protocol()
    sim_centers = simulation_centers(centers, dialects)
    writers = []
    for center in sim_centers:
        extract_date = date.fromordinal(center.data_cut) + timedelta(days=1)
        folder = out / "landing" / center.id / extract_date.isoformat()
        writers.append(WRITERS[center.dialect](folder, center, f"jakreg:{seed}"))
    truth_dir = out / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth_files = {
        name: (truth_dir / f"{name}.csv").open("w", encoding="utf-8", newline="")
        for name in ("advanced_therapy_courses", "jaki_courses", "jaki_failures")
    }
    truth_writers = {name: csv.writer(handle) for name, handle in truth_files.items()}
    truth_writers["advanced_therapy_courses"].writerow(truth.ADVANCED_COURSE_COLUMNS)
    truth_writers["jaki_courses"].writerow(truth.JAKI_COURSE_COLUMNS)
    truth_writers["jaki_failures"].writerow(truth.JAKI_FAILURE_COLUMNS)
    jaki_courses = jaki_failures = 0
    try:
        for chunk_start in range(0, patients, CHUNK_PATIENTS):
            rng = random.Random(f"jakreg:{seed}:{chunk_start}")
            generator = PatientGenerator(rng, sim_centers, protocol)
            chunk = [
                generator.patient(index)
                for index in range(chunk_start, min(patients, chunk_start + CHUNK_PATIENTS))
            ]
            for index, writer in enumerate(writers):
                writer.write([p for p in chunk if p.center_index == index])
            for patient in chunk:
                center = sim_centers[patient.center_index]
                courses = truth.jaki_course_rows(patient, center.id, protocol)
                failures = truth.jaki_failure_rows(patient, center.id, center.data_cut, protocol)
                truth_writers["advanced_therapy_courses"].writerows(
                    truth.advanced_course_rows(patient, center.id)
                )
                truth_writers["jaki_courses"].writerows(courses)
                truth_writers["jaki_failures"].writerows(failures)
                jaki_courses += len(courses)
                jaki_failures += len(failures)
    finally:
        for writer in writers:
            writer.close()
        for handle in truth_files.values():
            handle.close()
    centers_file = out / "centers.yaml"
    centers_file.write_text(
        yaml.safe_dump(
            {
                "centers": [
                    {"id": c.id, "dialect": c.dialect, "landing": f"landing/{c.id}"}
                    for c in sim_centers
                ]
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return SimulationSummary(
        out, centers_file, patients, tuple(sim_centers), jaki_courses, jaki_failures
    )


__all__ = ["DIALECTS", "SimulationSummary", "simulate"]
