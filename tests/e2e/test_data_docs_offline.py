"""The Data Docs open offline in headless Chromium: the index draws its table from the bundled
assets, every validation page names its center, and a failing expectation is shown under its
level, errors apart from warnings. Built by `jakreg validate`'s path (no flow run needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jakreg.simulate import simulate
from tasks.quality.check_landing import LandingCheck, check_landing
from tasks.quality.offline_docs import validation_page_scope
from tasks.quality.verdict import ERROR, WARNING, Verdict
from tests.chromium import Browser

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
PROBE = """(() => ({
  text: document.body.innerText,
  title: document.title,
  boxes: [...document.querySelectorAll(".jakreg-error li, .jakreg-warning li")].map(
    li => [li.closest(".jakreg-error") ? "error" : "warning", li.textContent]),
  index_rows: document.querySelectorAll("table[id$='body-table'] tbody tr[data-index]").length,
  icons: [...document.querySelectorAll("i.fas")].map(
    i => getComputedStyle(i, "::before").fontFamily),
}))()"""


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> LandingCheck:
    """Data Docs of two centers; valencia's patients have an unknown sex (a warning)."""
    root = tmp_path_factory.mktemp("docs")
    summary = simulate(root / "cohort", patients=120, centers=2, seed=9)
    [extract] = (root / "cohort" / "landing" / "valencia").iterdir()
    patients = extract / "patients.csv"
    with patients.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:6]:
        row[1] = "X"
    with patients.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return check_landing(summary.centers_file, root / "docs")


def test_the_index_draws_its_tables_offline_and_lists_each_center(
    docs: LandingCheck, browser: Browser
) -> None:
    index = docs.data_docs
    visit = browser.visit(index.as_uri(), PROBE, offline=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "data_docs_index.png").write_bytes(visit.screenshot)
    assert visit.errors == []
    assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
    assert visit.dom["index_rows"] > 10  # bootstrap-table ran
    assert set(visit.dom["icons"]) == {'"Font Awesome 6 Free"'}
    assert "Center valencia: warned" in visit.dom["text"]
    assert "Center sagunto: passed" in visit.dom["text"]


def test_each_validation_page_names_its_center_and_shows_failures_by_level(
    docs: LandingCheck, browser: Browser
) -> None:
    verdicts, index = docs.verdicts, docs.data_docs
    valencia = verdicts["valencia"]
    assert isinstance(valencia, Verdict) and valencia.by_level(WARNING)
    pages = sorted((index.parent / "validations").rglob("*.html"))
    assert {validation_page_scope(p.relative_to(index.parent))[0] for p in pages} == {
        "valencia",
        "sagunto",
    }
    shown = []
    for page in pages:
        scope, suite = validation_page_scope(page.relative_to(index.parent))
        visit = browser.visit(page.as_uri(), PROBE, offline=True)
        assert visit.errors == [], page
        assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
        assert visit.dom["title"] == f"Center {scope} · {suite}"
        assert f"Center {scope}" in visit.dom["text"]
        shown += [(scope, level, text) for level, text in visit.dom["boxes"]]
        if suite == "staging.stg_patients" and scope == "valencia":
            SCREENSHOTS.mkdir(exist_ok=True)
            (SCREENSHOTS / "data_docs_validation.png").write_bytes(visit.screenshot)
    expected = [
        ("valencia", {ERROR: "error", WARNING: "warning"}[f.level], f.describe())
        for f in valencia.findings
    ]
    assert sorted(shown) == sorted(expected)
    assert any("sex is known" in text for _, _, text in shown)
