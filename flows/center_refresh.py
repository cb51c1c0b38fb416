"""`refresh-center`: one subflow run per center, `center-<id>`, whose final state is the center's
outcome: Completed when its newest extract was loaded (or reused) and accepted, Failed with the
reason in one line when it could not be staged or was quarantined.

`registry-refresh` starts the subflows together, each in a thread of the run's process. A subflow's
load task goes to the run's task runner (a thread pool, or Dask workers), so loads overlap as
before. The loaded center then waits at the run's checkpoint: only when every center is loaded
does the run know whether anything is new. When something is, the subflow puts its center through
the quality gate; when nothing is, the published run's decision for the center stands.

The subflows start one after another (each once the previous one has begun), and start loading
only when all have begun: creating a subflow run writes to the Prefect server's database, and a
server on SQLite answers writes that collide with "retry later" (HTTP 503), which costs 2 s of
back-off, then 4 s. Measured on the 4-center demo, this took the collisions from 1-2 per run to
none (docs/operations.md, "How the per-center subflows run").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from typing import Any

from prefect import Flow, flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed, State
from prefect.task_runners import TaskRunner

from flows.run_policy import with_policy
from jakreg.config import Center
from jakreg.layout import RegistryLayout
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.incremental import CenterLoad, load_center
from tasks.quality.quarantine import CenterDecision, QualityGate
from tasks.registry.inputs import PublishedRun


@dataclass(frozen=True)
class NextStep:
    """What the run does with each loaded center: the gate, or (nothing new) what the published
    run decided."""

    gate: QualityGate | None = None
    published: PublishedRun | None = None


@dataclass(frozen=True)
class CenterOutcome:
    load: CenterLoad
    decision: CenterDecision | None  # None when nothing was new: the published decision stands


class RunStoppedError(RuntimeError):
    """The run stopped before it could tell the loaded centers what to do next."""


class Checkpoint:
    """Where each center's subflow hands its load to the run and waits for the run's next step."""

    def __init__(self, center_ids: Iterable[str]) -> None:
        self._began = {center_id: threading.Event() for center_id in center_ids}
        self._loads: dict[str, Future[CenterLoad]] = {c: Future() for c in self._began}
        self._next: Future[NextStep] = Future()
        self._lock = threading.Lock()

    def begin(self, center_id: str) -> None:
        self._began[center_id].set()

    def wait_until_begun(self, center_id: str) -> None:
        self._began[center_id].wait()

    def wait_until_all_begun(self) -> None:
        """Until every center's subflow run exists (or ended trying)."""
        for began in self._began.values():
            began.wait()

    def loaded(self, center_id: str, load: CenterLoad | BaseException) -> None:
        """Hands over a center's load, or why there is none (the first report counts)."""
        self._settle(self._loads[center_id], load)

    def loads(self) -> list[CenterLoad]:
        """Every center's load, once all are in; raises a center's error (e.g. an OSError that
        outlasted the retries), as the run cannot go on without it."""
        return [future.result() for future in self._loads.values()]

    def proceed(self, step: NextStep | BaseException) -> None:
        """Tells every waiting center the run's next step, or why there is none (the first
        report counts)."""
        self._settle(self._next, step)

    def next_step(self) -> NextStep:
        return self._next.result()

    def _settle(self, future: Future[Any], outcome: Any) -> None:
        """Sets `future` to `outcome` (an exception is raised to whoever waits), unless set."""
        with self._lock:
            if future.done():
                return
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


# Dask's runner connects (or starts its cluster) on its first submit: once, not once per thread.
# Module-level, not an attribute: a run's flow, with its task runner, is pickled to Dask workers.
_SUBMIT_LOCK = threading.Lock()
# The run's checkpoint, set in each subflow's thread. Not a flow parameter: a subflow's parameters
# are recorded by the API and pickled to Dask workers with its tasks, and a checkpoint is neither.
_CHECKPOINT: ContextVar[Checkpoint] = ContextVar("jakreg_center_checkpoint")


def current_checkpoint() -> Checkpoint:
    """The checkpoint of the run whose subflow this is. (A function, so that the subflow, which
    Dask pickles by value, refers to it by name rather than holding the context variable.)"""
    return _CHECKPOINT.get()


class SharedTaskRunner(TaskRunner[PrefectFuture[Any]]):
    """The parent run's task runner, lent to its subflows: their tasks share its workers (and
    its limit on concurrent centers) instead of each subflow starting a runner of its own."""

    def __init__(self, runner: TaskRunner[Any]) -> None:
        super().__init__()
        self._runner = runner

    def duplicate(self) -> SharedTaskRunner:
        return self

    def __getstate__(self) -> dict[str, Any]:
        # The subflow, with its task runner, is pickled to Dask workers with each of its tasks;
        # they never submit through it, and the started runner (its client) cannot be pickled.
        return {**self.__dict__, "_runner": None}

    def __enter__(self) -> SharedTaskRunner:
        return self  # the parent run started the runner and stops it

    def __exit__(self, *exc_info: object) -> None:
        return None

    def submit(
        self,
        task: Any,
        parameters: dict[str, Any],
        wait_for: Iterable[PrefectFuture[Any]] | None = None,
        dependencies: dict[str, Any] | None = None,
    ) -> PrefectFuture[Any]:
        with _SUBMIT_LOCK:
            return self._runner.submit(task, parameters, wait_for, dependencies)


@flow(name="refresh-center", flow_run_name="center-{center.id}", validate_parameters=False)
def refresh_center(
    center: Center,
    layout: RegistryLayout,
    settings: DuckDBSettings,
    thresholds: QualityThresholds | None = None,
) -> State:
    """Loads one center's newest extract, then, once the run says, gates it or keeps the
    published run's decision; ends Failed with the reason when the center is not refreshed."""
    checkpoint = current_checkpoint()
    checkpoint.begin(center.id)
    checkpoint.wait_until_all_begun()
    try:
        load = with_policy(load_center).submit(center, layout, settings, thresholds)
        load = load.result()
    except BaseException as err:
        checkpoint.loaded(center.id, err)
        raise
    checkpoint.loaded(center.id, load)
    step = checkpoint.next_step()
    if step.gate is None:
        outcome = CenterOutcome(load, None)
        problem = step.published.centers[center.id]["problem"]
    else:
        decision = step.gate.decide(center, load.staged, load.error)
        outcome = CenterOutcome(load, decision)
        problem = decision.problem
        logger = get_run_logger()
        if problem:
            logger.error("center %s quarantined: %s", center.id, problem)
        for finding in decision.warnings:
            logger.warning("center %s: %s", center.id, finding.describe())
    if problem:
        return Failed(message=problem, data=outcome)
    if outcome.decision is None:
        done = f"extract {load.status}; nothing new since run {step.published.run_id}"
    else:
        done = f"extract {load.staged.extract_date} {load.status}, quality {decision.status}"
    return Completed(message=done, data=outcome)


class CenterSubflows:
    """The run's `center-<id>` subflows, each in a thread of this process; a context manager
    that, on leaving, tells subflows still waiting that the run stopped, and waits for them."""

    def __init__(
        self,
        centers: list[Center],
        layout: RegistryLayout,
        settings: DuckDBSettings,
        thresholds: QualityThresholds | None = None,
    ) -> None:
        self.checkpoint = Checkpoint(center.id for center in centers)
        runner = SharedTaskRunner(FlowRunContext.get().task_runner)
        subflow = refresh_center.with_options(task_runner=runner)
        self._pool = ThreadPoolExecutor(max_workers=len(centers), thread_name_prefix="center")
        self._states: list[Future[State]] = []
        for center in centers:
            context = copy_context()  # each thread needs its own copy of the run's context
            context.run(_CHECKPOINT.set, self.checkpoint)
            future = self._pool.submit(
                context.run, self._run, subflow, center, layout, settings, thresholds
            )
            self._states.append(future)
            self.checkpoint.wait_until_begun(center.id)

    def _run(
        self,
        subflow: Flow[..., State],
        center: Center,
        layout: RegistryLayout,
        settings: DuckDBSettings,
        thresholds: QualityThresholds | None,
    ) -> State:
        try:
            return subflow(center, layout, settings, thresholds, return_state=True)
        finally:
            # A subflow that ended before loading (its run could not be created, say) must
            # still unblock the run, which then raises this.
            self.checkpoint.begin(center.id)
            ended = RunStoppedError(f"center-{center.id} ended before its extract was loaded")
            self.checkpoint.loaded(center.id, ended)

    def __enter__(self) -> CenterSubflows:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.checkpoint.proceed(RunStoppedError("the run stopped before the quality gate"))
        self._pool.shutdown(wait=True)

    def loads(self) -> list[CenterLoad]:
        """Every center's load, in the centers' order, once all are in."""
        return self.checkpoint.loads()

    def outcomes(self, step: NextStep) -> list[CenterOutcome]:
        """Tells every loaded center the run's next step; the outcomes, in the centers' order."""
        self.checkpoint.proceed(step)
        outcomes = []
        for future in self._states:
            outcome = future.result().result(raise_on_failure=False)
            if isinstance(outcome, BaseException):
                raise outcome
            outcomes.append(outcome)
        return outcomes
