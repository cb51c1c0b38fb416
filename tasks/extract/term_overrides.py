"""A center's term overrides: the classes its data manager gave to texts nothing mapped.

The file is the review list that `jakreg terms export` writes (columns term_kind, text, n_rows,
class), with `class` filled in: for a stop reason one of the stop reason classes, for a drug an
ingredient of vocabulary/ingredients.csv. Rows whose class is left empty are ignored. A text is
matched in its normalised form (vocabulary/README.md), so case, accents and punctuation do not
matter. `centers.yaml` names the file per center (`term_overrides: path`); its digest
(`Center.term_overrides_digest`) enters the staged extract, the build and the run's inputs, so a
changed file re-stages the center.
"""

from __future__ import annotations

import csv

from jakreg.config import STOP_REASON_CLASSES, Center
from jakreg.errors import CenterDataError
from jakreg.vocabulary import ingredients, normalise_term

COLUMNS = ("term_kind", "text", "n_rows", "class")
TERM_KINDS = ("drug", "stop_reason")
HINT = (
    "fill in the file `jakreg terms export` writes: term_kind drug or stop_reason, class a stop "
    "reason class or an ingredient of vocabulary/ingredients.csv (or empty to leave it unmapped)"
)


def read_term_overrides(center: Center) -> list[tuple[str, str, str]]:
    """(term kind, normalised text, class) of every classified row of the center's overrides."""
    path = center.term_overrides
    if path is None:
        return []

    def problem(message: str, row: int | None = None, column: str | None = None) -> Exception:
        return CenterDataError(
            center.id, message, file=str(path), row=row, column=column, hint=HINT
        )

    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise problem(f"term overrides lack the column(s) {', '.join(sorted(missing))}", 1)
            rows = list(reader)
    except OSError as err:
        raise problem(f"term overrides cannot be read ({err.strerror})") from None
    except UnicodeDecodeError:
        raise problem("term overrides are not UTF-8") from None
    allowed = {"stop_reason": set(STOP_REASON_CLASSES), "drug": set(ingredients())}
    overrides: dict[tuple[str, str], str] = {}
    for line, row in enumerate(rows, start=2):
        kind, text, value = (row.get(c) or "" for c in ("term_kind", "text", "class"))
        value = value.strip()
        if not value:
            continue
        if kind not in TERM_KINDS:
            raise problem(f"term_kind must be one of {', '.join(TERM_KINDS)}", line, "term_kind")
        if value not in allowed[kind]:
            known = "stop reason class" if kind == "stop_reason" else "ingredient"
            raise problem(f"class {value!r} is not a known {known}", line, "class")
        term = normalise_term(text)
        if not term:
            raise problem("the text is empty once normalised; it cannot be matched", line, "text")
        if overrides.setdefault((kind, term), value) != value:
            raise problem("the same text is given two different classes", line, "class")
    return [(kind, term, value) for (kind, term), value in sorted(overrides.items())]
