"""Only transient I/O errors are retried; data errors, timeouts and bugs fail at once."""

from __future__ import annotations

import pytest
from prefect.states import Failed

from flows.run_policy import is_transient_io_error
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
