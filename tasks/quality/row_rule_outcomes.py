"""The gate's view of the rows set aside in staging: per file and row rule, how many of the file's
rows, against the rule's warning and error shares, in words a data manager can act on.

Staging set the rows aside (tasks/extract/row_rejects.py); whether the extract may be published
with them is decided here, as a table of the gate database that the suite
`staging.row_rule_outcomes` validates: a rule over its error share quarantines the extract, one
over its warning share is reported. Each message names the file, a few line numbers with the wrong
values and their labels, the threshold's value and what to do; never an identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from jakreg.quality import QualityThresholds
from jakreg.row_rules import RULES_BY_NAME
from tasks.registry import database

EXAMPLE_LINES = 3
OUTCOMES_TABLE = "staging.row_rule_outcomes"


@dataclass(frozen=True)
class RejectedRow:
    """A row set aside by a row rule, as a data manager looks it up in the center's file."""

    file: str
    line: int
    rule: str
    values: str


@dataclass(frozen=True)
class RuleOutcome:
    """One row rule on one file of an extract."""

    file: str
    rule: str
    rows: int
    rejected: int
    warning_share: float
    error_share: float
    examples: tuple[tuple[int, str], ...]

    @property
    def share(self) -> float:
        return self.rejected / self.rows if self.rows else 1.0

    @property
    def level(self) -> str | None:
        """`error` over the error share, `warning` over the warning share, else None."""
        if self.share > self.error_share:
            return "error"
        if self.share > self.warning_share:
            return "warning"
        return None

    def message(self) -> str:
        rule = RULES_BY_NAME[self.rule]
        lines = ", ".join(f"line {row} ({detail})" for row, detail in self.examples)
        more = " …" if self.rejected > len(self.examples) else ""
        if self.level == "error":
            verdict = (
                f"more than the {percent(self.error_share)} allowed, so the extract is quarantined"
            )
        else:
            verdict = (
                f"above the {percent(self.warning_share)} reported and within the "
                f"{percent(self.error_share)} allowed: the rows are set aside and the rest "
                "published"
            )
        return (
            f"{self.file}: {self.rejected} of {self.rows} rows ({percent(self.share)}) "
            f"{rule.description} [{self.rule}]: {lines}{more}; {verdict}. What to do: "
            f"{rule.hint}; `jakreg validate --rejected` lists every row set aside"
        )


def percent(share: float) -> str:
    """A share as a percentage with up to three significant digits: 0.0142 -> '1.42%'."""
    return f"{share * 100:.3g}%"


def rule_outcomes(
    con: duckdb.DuckDBPyConnection,
    rejected_rows: str,
    rows_read: dict[str, int],
    thresholds: QualityThresholds,
) -> list[RuleOutcome]:
    """Per file and rule with rows set aside (`rejected_rows`: a table or view of them), the
    outcome against the thresholds."""
    shares = thresholds.row_rule_shares()
    found = database.fetch_all(
        con,
        "select file, rule, count(*), "
        "list(struct_pack(source_row, detail) order by source_row)[1:$examples] "
        f"from {rejected_rows} group by all order by all",
        {"examples": EXAMPLE_LINES},
    )
    return [
        RuleOutcome(
            file,
            rule,
            rows_read.get(file, rejected),
            rejected,
            *shares[rule],
            tuple((example["source_row"], example["detail"]) for example in examples),
        )
        for file, rule, rejected, examples in found
    ]


def write_outcomes_table(con: duckdb.DuckDBPyConnection, outcomes: list[RuleOutcome]) -> None:
    """`staging.row_rule_outcomes`: one row per file and rule, with the message in the column of
    the threshold it is over (`over_error_share`, `over_warning_share`), null otherwise."""
    database.run(
        con,
        f"create or replace table {OUTCOMES_TABLE} (file varchar, rule varchar, rows bigint, "
        "rejected bigint, share double, over_error_share varchar, over_warning_share varchar)",
    )
    for outcome in outcomes:
        database.run(
            con,
            f"insert into {OUTCOMES_TABLE} values "
            "($file, $rule, $rows, $rejected, $share, $error, $warning)",
            {
                "file": outcome.file,
                "rule": outcome.rule,
                "rows": outcome.rows,
                "rejected": outcome.rejected,
                "share": outcome.share,
                "error": outcome.message() if outcome.level == "error" else None,
                "warning": outcome.message() if outcome.level == "warning" else None,
            },
        )
