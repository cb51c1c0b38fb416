"""Data Docs that open in a hospital: no network, the center named, errors apart from warnings.

GX renders its pages with jQuery, Bootstrap, bootstrap-table and Font Awesome from CDNs; offline
the index is blank (its table is drawn by bootstrap-table). After GX builds the site, every page
is pointed at copies bundled in `offline_assets/` (see its README), tags of assets not bundled are
dropped, and each validation page opens with a box naming its center (or the registry) and the
gate's findings for that suite, errors (the extract is quarantined) apart from warnings
(published, reported). The index opens with the same, per center. A threshold that an
expectation's description names (`max_row_drop_share`) reads as its value this run (`30%`).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from tasks.quality.verdict import ERROR, WARNING, Finding, Verdict

ASSETS = Path(__file__).resolve().parent / "offline_assets"
VENDOR = "static/vendor"
# CDN address (without query) -> bundled file; any other remote script or stylesheet is dropped.
BUNDLED = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap.bundle.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome/css/all.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
}
REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>\s*')
REMOTE_LINK = re.compile(r'<link[^>]*\shref="https?://[^"]*"[^>]*/?>\s*')
REMOTE_CSS_URL = re.compile(r"url\(['\"]?https?://[^)]*\)")
# GX's logo, from its web server: the same file is in the site's static/images.
REMOTE_IMAGE = re.compile(r'(<img[^>]*\ssrc=")https?://[^"]*/([^/?"]+)(\?[^"]*)?"')
LEVEL_WORDS = {
    ERROR: ("Errors", "the extract is quarantined; the center keeps its last accepted one"),
    WARNING: ("Warnings", "published, and reported here"),
}


def make_offline(docs_dir: Path, verdicts: dict[str, Verdict | str], words: dict[str, str]) -> None:
    """Bundles the assets into the site at `docs_dir` and rewrites its pages (see module)."""
    shutil.copytree(ASSETS, docs_dir / VENDOR, dirs_exist_ok=True)
    for stylesheet in (docs_dir / "static" / "styles").glob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        stylesheet.write_text(REMOTE_CSS_URL.sub("none", text), encoding="utf-8")
    for page in docs_dir.rglob("*.html"):
        if VENDOR in page.relative_to(docs_dir).as_posix():
            continue
        text = _bundled(page.read_text(encoding="utf-8"), page.relative_to(docs_dir))
        if page.parent == docs_dir and page.name == "index.html":
            text = _after_body(text, _index_box(verdicts))
        elif page.relative_to(docs_dir).parts[0] == "validations":
            scope, suite = validation_page_scope(page.relative_to(docs_dir))
            text = _titled(_valued(text, words), f"{_scope_name(scope)} · {suite}")
            text = _after_body(text, _page_box(scope, suite, verdicts.get(scope)))
        page.write_text(text, encoding="utf-8")


def validation_page_scope(relative: Path) -> tuple[str, str]:
    """(scope, suite) of `validations/<suite parts>/<run>/<time>/<scope>-<table>.html`: the
    gate names each batch `<center id or registry>-<table>`, and center ids hold no '-'."""
    scope = relative.name.split("-", 1)[0]
    return scope, ".".join(relative.parts[1:-3])


def _bundled(text: str, relative: Path) -> str:
    up = "../" * (len(relative.parts) - 1)
    for url, name in BUNDLED.items():
        text = re.sub(
            rf'"{re.escape(url)}"(\s+integrity="[^"]*")?(\s+crossorigin="[^"]*")?',
            f'"{up}{VENDOR}/{name}"',
            text,
        )
    text = REMOTE_LINK.sub("", REMOTE_SCRIPT.sub("", text))
    return REMOTE_IMAGE.sub(lambda m: f'{m.group(1)}{up}static/images/{m.group(2)}"', text)


def _valued(text: str, words: dict[str, str]) -> str:
    for name, value in words.items():
        text = re.sub(rf"\b{re.escape(name)}\b", value, text)
    return text


def _after_body(text: str, box: str) -> str:
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + box, text, count=1)


def _titled(text: str, title: str) -> str:
    text = re.sub(r"<title>[^<]*</title>", "", text)
    return text.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)


def _scope_name(scope: str) -> str:
    return "Registry (all centers)" if scope == "registry" else f"Center {scope}"


def _findings_list(findings: list[Finding], level: str) -> str:
    heading, meaning = LEVEL_WORDS[level]
    items = "".join(f"<li>{html.escape(f.describe())}</li>" for f in findings)
    return (
        f'<div class="jakreg-{level}"><h5>{heading} ({len(findings)}): {meaning}</h5>'
        f"<ul>{items}</ul></div>"
        if findings
        else f'<p class="jakreg-{level}">{heading}: none.</p>'
    )


def _page_box(scope: str, suite: str, verdict: Verdict | str | None) -> str:
    findings = (
        [f for f in verdict.findings if f.suite == suite] if isinstance(verdict, Verdict) else []
    )
    return (
        '<div class="container jakreg-scope alert alert-secondary" style="margin-top:60px">'
        f"<h2>{html.escape(_scope_name(scope))}</h2><p>Suite {html.escape(suite)}</p>"
        f"{_findings_list([f for f in findings if f.level == ERROR], ERROR)}"
        f"{_findings_list([f for f in findings if f.level == WARNING], WARNING)}</div>"
    )


def _index_box(verdicts: dict[str, Verdict | str]) -> str:
    sections = []
    for scope, verdict in verdicts.items():
        if isinstance(verdict, str):
            body = f"<p>{html.escape(verdict)}</p>"
            status = "not validated"
        else:
            body = _findings_list(verdict.by_level(ERROR), ERROR) + _findings_list(
                verdict.by_level(WARNING), WARNING
            )
            status = verdict.status
        sections.append(
            f'<section class="jakreg-scope"><h3>{html.escape(_scope_name(scope))}: '
            f"{html.escape(status)}</h3>{body}</section>"
        )
    return (
        '<div class="container alert alert-secondary" style="margin-top:60px">'
        f"<h2>Data-quality gate</h2>{''.join(sections)}</div>"
    )
