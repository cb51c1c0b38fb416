"""A test hook that kills the process at a named point of a run, to prove crash recovery.

Set `JAKREG_FAULT_INJECT` to one of `FAULT_POINTS` and the process SIGKILLs itself the first time
the run reaches that point: `stage` (mid-extract, after a center's first Parquet file is written),
`model` (mid-build, after the first model of the new registry), `validate` (while the new registry
is being audited) or `publish` (after the new version is archived, before it replaces the
published registry and outputs). SIGKILL cannot be caught, so nothing gets to tidy up: exactly
what a power cut or the OOM killer does. Unset (always, outside tests), it does nothing.
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "JAKREG_FAULT_INJECT"
FAULT_POINTS = ("stage", "model", "validate", "publish")


def fault_point(name: str) -> None:
    """Kills this process with SIGKILL when `JAKREG_FAULT_INJECT` names this point."""
    if name not in FAULT_POINTS:
        raise ValueError(f"unknown fault point {name!r}; known: {', '.join(FAULT_POINTS)}")
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
