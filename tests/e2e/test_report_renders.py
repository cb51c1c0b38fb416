"""report.html opened in headless Chromium: it renders its charts, logs no error, fetches
nothing from the network; a screenshot is kept in .test-artifacts/report.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chromium import Browser

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
PROBE = """(() => ({
  images: [...document.images].map(i => ({alt: i.alt, width: i.naturalWidth, done: i.complete})),
  headings: [...document.querySelectorAll("h2")].map(h => h.textContent.trim()),
  tables: document.querySelectorAll("table").length,
  sankey_bands: document.querySelectorAll(".sankey svg path").length,
  height: document.documentElement.scrollHeight,
}))()"""


def test_report_renders_its_charts_in_chromium_without_errors(
    refreshed: dict, browser: Browser
) -> None:
    report = refreshed["root"] / "out" / "latest" / "report.html"

    visit = browser.visit(report.as_uri(), PROBE)

    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "report.png").write_bytes(visit.screenshot)
    assert visit.errors == []
    assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
    images = visit.dom["images"]
    assert len(images) == 4
    assert all(image["done"] and image["width"] > 500 for image in images), images
    assert any("Kaplan–Meier" in image["alt"] for image in images)
    assert visit.dom["headings"] == [
        "Data and quality",
        "Since the last published registry",
        "Attrition: who is in each analysis",
        "Cohort",
        "What follows a JAK-inhibitor failure",
        "Treatment sequences after the first JAK-inhibitor failure",
        "Retention of the next treatment",
        "Why the next treatment stops: competing risks",
        "Cycling vs switching",
        "Baseline by strategy",
        "Does the answer depend on the protocol? Sensitivity grid",
        "Methods and parameters",
    ]
    assert visit.dom["sankey_bands"] > 3
    assert visit.dom["tables"] >= 8
    assert visit.screenshot.startswith(b"\x89PNG") and visit.dom["height"] > 3000


def test_the_check_sees_a_console_error_and_a_broken_image(
    tmp_path: Path, browser: Browser
) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<img src="missing.png" alt="x"><script>console.error("boom")</script>')

    visit = browser.visit(page.as_uri(), PROBE)

    assert any("boom" in error for error in visit.errors)
    assert any("missing.png" in url for url in visit.requests)
    assert visit.dom["images"][0]["width"] == 0
