"""What a run prints on the terminal: one timestamped line per thing a person needs to know.

Prefect logs every task's and subflow's end ("Finished in state Completed()"), its start and a
link per subflow; in the UI each of those sits in its own run's log, where it is useful, but on a
terminal 26 anonymous "Completed" lines drown the few that matter. The console keeps warnings
and errors, and from Prefect's engine nothing else: jakreg's own lines name the center or stage
they are about, and the run's state lines are what `jakreg run` prints at the end. A record
logged with `extra=NOT_ON_CONSOLE` goes to the run's log in the UI only (the terminal says it
once, at the end of the run). The Prefect API handlers are left as they are.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

CONSOLE_ATTRIBUTE = "jakreg_console"
NOT_ON_CONSOLE = {CONSOLE_ATTRIBUTE: False}
FORMAT = "%(asctime)s %(levelname)-7s %(message)s"
DATE_FORMAT = "%H:%M:%S"

# Prefect's lines about a run's final state, including a Failed state a task returned for a data
# error; an exception a task raised is logged differently ("failed with exception"), and shown.
STATE_LINES = ("Finished in state", "Task run failed with state")
_PREFECT_PACKAGE = f"{Path('site-packages', 'prefect')}"


class ConsoleFilter(logging.Filter):
    """Drops what the terminal does not need: Prefect engine chatter and UI-only records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, CONSOLE_ATTRIBUTE, True) is False:
            return False
        if _from_prefect_engine(record):
            # A state line repeats the state's message, which jakreg already logged or prints.
            return record.levelno >= logging.WARNING and not record.getMessage().startswith(
                STATE_LINES
            )
        return True


def _from_prefect_engine(record: logging.LogRecord) -> bool:
    return record.name.startswith("prefect") and _PREFECT_PACKAGE in record.pathname


class ConsoleHandler(logging.StreamHandler):
    """The terminal's handler. Being a handler with a formatter on the root logger, it also
    keeps Prefect from installing its own console handler there (prefect.logging)."""


def configure_console(level: int = logging.INFO) -> logging.Handler:
    """Puts one timestamped, filtered stderr handler on the root logger (replacing the one an
    earlier call put there; other handlers, such as a test's log capture, stay)."""
    handler = ConsoleHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    handler.addFilter(ConsoleFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, ConsoleHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("prefect", "jakreg", "tasks", "flows"):
        logging.getLogger(name).setLevel(level)
    return handler
