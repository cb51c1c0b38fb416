"""Errors that reach people: each names where the problem is and what to do about it."""

from __future__ import annotations


class JakregError(Exception):
    """Base class; `exit_code` is what the command line exits with."""

    exit_code = 1


class ConfigError(JakregError):
    """A configuration file or option is wrong; nothing has been read or written yet."""

    exit_code = 2


class MissingSecretError(ConfigError):
    """The pseudonymisation key is not set."""


class CenterDataError(JakregError):
    """A center's dump cannot be loaded as sent.

    The message names the center, file, row (1-based, header = row 1) and column when they are
    known, states the problem and what the data manager should do. It never quotes a value from
    an identifier column.
    """

    exit_code = 3

    def __init__(
        self,
        center: str,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.center = center
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        self.hint = hint
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = [f"center {self.center}"]
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        message = f"{', '.join(where)}: {self.problem}"
        if self.hint:
            message += f" — {self.hint}"
        return message


class DisclosureError(JakregError):
    """A shared output would let a small count be worked out; nothing is published (the night
    fails, as when nothing could be loaded). The message names cells, never their values."""

    exit_code = 3
