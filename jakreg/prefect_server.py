"""The temporary Prefect API a `jakreg run` starts when no server is configured, owned by the run.

Prefect's own ephemeral server (`SubprocessASGIServer`) is a uvicorn child process stopped by an
`atexit` hook, which a SIGKILL never runs: every killed run left its server running, with the
pseudonymisation key in its environment. Its telemetry service writes to the server's SQLite
database while the server's start-up holds the write lock: two `sqlite3.OperationalError:
database is locked` tracebacks per start, measured, none with telemetry off. And it waits 20 s for
the server, which took 67-79 s to start on a loaded machine: `Timed out while attempting to
connect to ephemeral Prefect API server`. Every ephemeral server of the machine also shared one
database, `~/.prefect/prefect.db`.

The run's own server instead: dies with the run (Linux `PR_SET_PDEATHSIG`, set in the child
before uvicorn starts, so even a SIGKILLed run takes it along), is stopped on every other exit
path, keeps its database in a temporary folder of its own, runs without telemetry, gets an
environment without jakreg's variables, and is given time to start. Set `PREFECT_API_URL` to keep
run history in a real server instead.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)

if TYPE_CHECKING:
    from jakreg.run_owned_server import RunOwnedServer

# Seconds to wait for the server to answer: it started in 67-79 s on a machine at load 15 (2
# cores), where Prefect's 20 s timed every run out. It answers as soon as it is up.
STARTUP_SECONDS = 300
# Seconds to wait for queued logs and events to reach the server before it stops.
DRAIN_SECONDS = 30


@contextlib.contextmanager
def prefect_api() -> Iterator[str | None]:
    """The Prefect API the run reports to: the configured one (`PREFECT_API_URL`), or a server
    of the run's own, on a database of its own, stopped when the block ends. Yields its URL."""
    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    # Imported here: Prefect's server code takes seconds to import, which a run reporting to a
    # configured API must not pay.
    from prefect.server.api.server import SubprocessASGIServer

    from jakreg.run_owned_server import RunOwnedServer

    default = SubprocessASGIServer._instances.get(None)
    with tempfile.TemporaryDirectory(prefix="jakreg-prefect-") as scratch:
        database = "sqlite+aiosqlite:///" + str(Path(scratch) / "prefect.db")
        # The telemetry service writes to the database while the server starts up and its
        # migrations hold SQLite's write lock: the "database is locked" tracebacks.
        quiet = {
            PREFECT_SERVER_DATABASE_CONNECTION_URL: database,
            PREFECT_SERVER_ANALYTICS_ENABLED: False,
        }
        with temporary_settings(updates=quiet):
            server = RunOwnedServer(port=_free_port())
            # Prefect's own code asks for the default server by this key: it must find ours.
            SubprocessASGIServer._instances[None] = server
            try:
                server.start(timeout=STARTUP_SECONDS)
                with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                    yield server.api_url
            finally:
                # Logs and events still queued for the server would be sent at exit to a server
                # that is gone: 76 s of retries, then "Error logging to API", measured.
                _drain_to(server)
                server.stop()
                if default is None:
                    SubprocessASGIServer._instances.pop(None, None)
                else:
                    SubprocessASGIServer._instances[None] = default


def _drain_to(server: RunOwnedServer) -> None:
    """Sends what Prefect's log and event workers still hold while the server is up."""
    if server.running:
        APILogWorker.drain_all(timeout=DRAIN_SECONDS, at_exit=False)
        EventsWorker.drain_all(timeout=DRAIN_SECONDS, at_exit=False)


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
