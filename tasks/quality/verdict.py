"""What the gate decided for a center or the registry, read off Great Expectations results.

An expectation's GX `severity` is its level: `critical` is an error (the center's new extract is
quarantined, or the registry is not published), `warning` is published but reported. An
expectation that GX could not evaluate counts as an error: a check that did not run did not pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

ERROR = "error"
WARNING = "warning"
PASSED, WARNED, FAILED = "passed", "warned", "failed"


@dataclass(frozen=True)
class Finding:
    """One expectation that did not pass, in words a data manager can act on."""

    suite: str
    expectation: str
    level: str
    rows: int | None
    observed: str | None
    examples: tuple[str, ...] = ()
    # The center's file the finding is about (named instead of the suite), and what to do.
    source: str | None = None
    hint: str | None = None

    def describe(self) -> str:
        parts = [f"[{self.level}] {self.source or self.suite}: {self.expectation}"]
        if self.rows is not None:
            parts.append(f"{self.rows} row(s)")
        if self.observed is not None:
            parts.append(f"observed {self.observed}")
        if self.examples:
            parts.append(f"e.g. {', '.join(self.examples)}")
        if self.hint:
            parts.append(f"what to do: {self.hint}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Verdict:
    """The gate's outcome for one scope: a center id, or `registry` for the marts.

    `reused_from` names the run and extract whose validation this is when the run reused it
    (tasks/quality/gate_record.py); None when the suites ran in this run."""

    scope: str
    findings: tuple[Finding, ...]
    reused_from: str | None = None

    @property
    def status(self) -> str:
        if any(f.level == ERROR for f in self.findings):
            return FAILED
        return WARNED if self.findings else PASSED

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def by_level(self, level: str) -> list[Finding]:
        return [f for f in self.findings if f.level == level]


def findings_of(
    suite: str, validation_result: Any, words: dict[str, str] | None = None
) -> list[Finding]:
    """The expectations of one GX validation result that failed or could not be evaluated; a
    threshold named in a description is replaced by its value (`words`: name -> value)."""
    findings = []
    for result in validation_result.results:
        config = result.expectation_config
        problems = _exception_messages(result.exception_info or {})
        if result.success and not problems:
            continue
        outcome = result.result or {}
        level = ERROR if problems or config.severity.value == "critical" else WARNING
        rows = outcome.get("unexpected_count")
        observed = outcome.get("observed_value")
        if config.type == "unexpected_rows_expectation":
            rows, observed = observed, None
        if problems:
            observed = f"not evaluated: {problems[0]}"
        examples = outcome.get("partial_unexpected_list") or []
        if (config.meta or {}).get("finding_per_value") and not problems:
            # Each unexpected value is a whole message "<file>: <what, where, what to do>".
            findings += [
                Finding(suite, message, level, None, None, source=file)
                for file, message in (str(value).split(": ", 1) for value in examples)
            ]
            continue
        findings.append(
            Finding(
                suite=suite,
                expectation=_worded(config.description or _name(config), words or {}),
                level=level,
                rows=rows,
                observed=None if observed is None else str(observed),
                examples=tuple(dict.fromkeys(map(_example, examples))),
                hint=(config.meta or {}).get("hint"),
            )
        )
    return findings


def _worded(text: str, words: dict[str, str]) -> str:
    for name, value in words.items():
        text = text.replace(name, value)
    return text


def _example(value: Any) -> str:
    """A value as the data manager wrote it: dates ISO, a column pair as `(a, b)`."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(map(_example, value)) + ")"
    return value.isoformat() if isinstance(value, date) else str(value)


def _exception_messages(info: dict) -> list[str]:
    """GX nests exception details by metric, or not at all for an expectation-level error."""
    entries = [info, *(v for v in info.values() if isinstance(v, dict))]
    return [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]


def _name(config: Any) -> str:
    columns = [
        str(config.kwargs[k]) for k in ("column", "column_A", "column_B") if k in config.kwargs
    ]
    return f"{config.type}({', '.join(columns)})"
