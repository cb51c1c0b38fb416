"""Only transient I/O errors are retried; data errors, timeouts and bugs fail at once; every task
has a time limit."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from prefect import Task
from prefect.states import Failed

import tasks
from flows.run_policy import is_transient_io_error, with_policy
from jakreg.errors import CenterDataError


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


def test_every_task_has_a_time_limit() -> None:
    found = _tasks()

    assert {"load-center", "validate-center", "build-registry", "write-report"} <= {
        t.name for t in found
    }
    assert [t.name for t in found if not t.timeout_seconds] == []


def test_the_retry_policy_keeps_each_task_s_time_limit() -> None:
    for task in _tasks():
        assert with_policy(task).timeout_seconds == task.timeout_seconds, task.name
        assert with_policy(task).retries == 2
