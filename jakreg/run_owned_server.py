"""The subprocess Prefect server `jakreg.prefect_server.prefect_api` starts for a run that has no
configured API: Prefect's own, started so that it cannot outlive the run (why: that module).

A module of its own, imported only when such a server starts: Prefect's server code takes seconds
to import.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings

_PR_SET_PDEATHSIG = 1
# Environment variables the server must not inherit: it needs none of jakreg's, least the key.
_PRIVATE_PREFIX = "JAKREG_"


def _die_with_parent(parent: int) -> None:
    """Runs in the server's process before uvicorn: the kernel sends it SIGTERM when the run's
    process ends, however it ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the run died before prctl took effect
        os._exit(1)


class RunOwnedServer(SubprocessASGIServer):
    """Prefect's subprocess server, started so that it cannot outlive the process that owns it."""

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(_PRIVATE_PREFIX)}
        parent = os.getpid()
        # The command and settings are those of SubprocessASGIServer._run_uvicorn_command.
        return subprocess.Popen(
            args=[
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(prefect.__module_path__.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **environment,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            preexec_fn=lambda: _die_with_parent(parent),
        )
