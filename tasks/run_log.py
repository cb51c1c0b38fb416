"""The run log: a line when a run starts and one when it ends, beside the load manifest.

`<work>/runs.jsonl` is what `jakreg status` reads to say how the last nights went without a Prefect
server: a start with no end is a run that was killed (or is still running, when the registry lock
is held). The end line carries, per center, what the run did and which extract the registry holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.extract.manifest import JsonLines

STARTED = "started"
ENDED = "ended"


@dataclass
class RunRecord:
    run_id: str
    started: str
    ended: str | None = None
    state: str | None = None
    message: str | None = None
    version: str | None = None
    centers: dict[str, dict[str, Any]] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float | None:
        """From start to end, None while it has no end."""
        if self.ended is None:
            return None
        return (datetime.fromisoformat(self.ended) - datetime.fromisoformat(self.started)).seconds


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_start(run_log: Path, run_id: str) -> None:
    JsonLines(run_log).append([{"event": STARTED, "run_id": run_id, "time": _now()}])


def record_end(
    run_log: Path,
    run_id: str,
    state: str,
    message: str | None,
    version: str | None = None,
    centers: dict[str, dict[str, Any]] | None = None,
    stages: dict[str, float] | None = None,
) -> None:
    """`centers` maps a center to {load, extract_date, in_registry, quality, seconds}; `stages`
    each stage to its wall seconds; no patient data."""
    JsonLines(run_log).append(
        [
            {
                "event": ENDED,
                "run_id": run_id,
                "time": _now(),
                "state": state,
                "message": message,
                "version": version,
                "centers": centers or {},
                "stages": stages or {},
            }
        ]
    )


def read_runs(run_log: Path) -> list[RunRecord]:
    """Every run, newest first, its start and end lines joined."""
    runs: dict[str, RunRecord] = {}
    for line in JsonLines(run_log).records():
        if line["event"] == STARTED:
            runs[line["run_id"]] = RunRecord(line["run_id"], line["time"])
        elif line["run_id"] in runs:
            run = runs[line["run_id"]]
            run.ended, run.state, run.message = line["time"], line["state"], line["message"]
            run.version, run.centers = line.get("version"), line.get("centers", {})
            run.stages = line.get("stages", {})
    return sorted(runs.values(), key=lambda r: r.started, reverse=True)
