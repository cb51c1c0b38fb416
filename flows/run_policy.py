"""How the nightly flow treats failure: which errors are retried, and after how long.

Transient I/O errors (an NFS hiccup, a share remounting: `OSError`) are retried with exponential
back-off. Data errors (`JakregError`, e.g. a malformed dump) are reported, not repeated: the same
bytes would fail the same way. The night as a whole has a time limit (jakreg/time_limits.py), so a
hung share cannot hold the registry lock all night.
"""

from __future__ import annotations

from typing import Any

from prefect import Task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State
from prefect.tasks import exponential_backoff

TRANSIENT_RETRIES = 2
BACKOFF_FACTOR_SECONDS = 10


def is_transient_io_error(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only OSError; a timeout, a data error (JakregError) or a bug fails at once."""
    try:
        state.result()
    except TimeoutError:
        return False
    except OSError:
        return True
    except Exception:  # a data error or a bug: the same input fails the same way again
        return False
    return False


def with_policy(task: Task[Any, Any]) -> Task[Any, Any]:
    """`task` with the run's retry policy."""
    return task.with_options(
        retries=TRANSIENT_RETRIES,
        retry_delay_seconds=exponential_backoff(BACKOFF_FACTOR_SECONDS),
        retry_condition_fn=is_transient_io_error,
    )
