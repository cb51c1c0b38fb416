"""Only transient I/O errors are retried; data errors, timeouts and bugs fail at once; the night
has a time limit that acts, and no task has one that could only warn."""

from __future__ import annotations

import importlib
import pkgutil
import time

import pytest
from prefect import Task, flow, task
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

import tasks
from flows.registry_refresh import registry_refresh
from flows.run_policy import is_transient_io_error, with_policy
from jakreg.errors import CenterDataError
from jakreg.time_limits import NIGHT_SECONDS


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (OSError(5, "Input/output error"), True),
        (FileNotFoundError("landing share remounting"), True),
        (TimeoutError("task run exceeded its timeout"), False),
        (CenterDataError("valencia", "file is empty", file="patients.csv"), False),
        (KeyError("a bug"), False),
    ],
)
def test_only_os_errors_are_retried(error: Exception, retried: bool) -> None:
    state = Failed(data=error)

    assert is_transient_io_error(None, None, state) is retried


def _tasks() -> list[Task]:
    """Every Prefect task defined in the `tasks` package."""
    found = {}
    for module in pkgutil.walk_packages(tasks.__path__, "tasks."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Task):
                found[value.name] = value
    return list(found.values())


def test_no_task_has_a_time_limit_that_only_warns_and_the_night_has_one() -> None:
    found = _tasks()

    assert {"load-center", "validate-center", "build-registry", "write-report"} <= {
        t.name for t in found
    }
    assert [t.name for t in found if t.timeout_seconds] == []
    assert registry_refresh.timeout_seconds == NIGHT_SECONDS


def test_the_retry_policy_retries_every_task_twice() -> None:
    for found in _tasks():
        assert with_policy(found).retries == 2, found.name


def test_a_limit_on_a_flow_in_the_main_thread_interrupts_it_while_a_task_hangs(
    prefect_harness,
) -> None:
    interrupted_after: list[float] = []

    @task
    def hung() -> None:
        time.sleep(4)

    @flow(timeout_seconds=1, task_runner=ThreadPoolTaskRunner(max_workers=1))
    def night() -> None:
        started = time.monotonic()
        try:
            hung.submit().result()
        finally:
            interrupted_after.append(time.monotonic() - started)

    state = night(return_state=True)

    assert state.name == "TimedOut"
    assert interrupted_after[0] < 3
