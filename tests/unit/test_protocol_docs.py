"""docs/protocol.md and the code cannot drift: defaults, section links and file names agree."""

from __future__ import annotations

import re
from pathlib import Path

from jakreg.config import Protocol

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
PARAMETER_ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \|", re.MULTILINE)


def _documented_defaults() -> dict[str, object]:
    """The `parameter | default` table, values read as the code's types."""
    documented = {}
    for name, text in PARAMETER_ROW.findall(DOC):
        items = [item.strip() for item in text.split(",")]
        values = [int(i) if i.isdigit() else float(i) if i[0].isdigit() else i for i in items]
        documented[name] = values if len(values) > 1 else values[0]
    return documented


def _anchors() -> set[str]:
    headings = re.findall(r"^#+ (.+)$", DOC, re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def test_documented_defaults_equal_the_protocol_defaults() -> None:
    assert _documented_defaults() == Protocol().as_dict()


def test_every_protocol_section_the_code_links_to_exists() -> None:
    linked = set()
    for path in [*ROOT.glob("sql/**/*.sql"), *ROOT.glob("tests/unit/test_protocol_*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "docs/protocol.md#" in line:
                linked |= set(re.findall(r"#([a-z][a-z0-9-]*)", line.split("protocol.md", 1)[1]))
    assert linked
    assert linked <= _anchors()


def test_every_file_the_protocol_names_exists() -> None:
    named = set(re.findall(r"`((?:sql|tasks|tests|vocabulary)/[a-z0-9_/.]+)`", DOC))
    assert "sql/intermediate/int_treatment_courses.sql" in named
    assert [n for n in named if not (ROOT / n).exists()] == []


def test_every_test_the_protocol_cites_exists() -> None:
    cited = set(re.findall(r"`(test_[a-z0-9_]+)`", DOC))
    defined = set()
    for path in ROOT.glob("tests/unit/test_protocol_*.py"):
        defined |= set(re.findall(r"^def (test_[a-z0-9_]+)", path.read_text(), re.MULTILINE))
    assert cited
    assert cited <= defined
