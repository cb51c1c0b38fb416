"""Progress of a long stage, item by item: a line in the run's log and a progress artifact.

On a large network the centers' loads and gate checks take minutes; each center that is done
moves the stage's progress artifact in the Prefect UI (`create_progress_artifact`) and logs one
line saying which center, what happened and how far the stage is.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact


class StageProgress:
    """`done(item, what)` once per item of a stage of `total` items."""

    def __init__(self, stage: str, total: int, noun: str) -> None:
        self.stage = stage
        self.total = total
        self.noun = noun
        self.count = 0
        self._logger = get_run_logger()
        self._artifact = create_progress_artifact(
            0.0, key=f"progress-{stage}", description=self._description()
        )

    def _description(self) -> str:
        return f"{self.stage}: {self.count} of {self.total} {self.noun} done"

    def done(self, item: str, what: str) -> None:
        self.count += 1
        self._logger.info("%s %d/%d: %s %s", self.stage, self.count, self.total, item, what)
        percent = 100.0 * self.count / max(self.total, 1)
        update_progress_artifact(self._artifact, percent, description=self._description())
