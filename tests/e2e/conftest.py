"""One real refresh of a generated cohort, shared by the end-to-end tests (it takes seconds), and
one headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate
from tests.chromium import Browser, find_chromium, headless_chromium

# One center per dialect: the truth is the same whatever the export looks like.
DIALECTS = ("registry_csv", "es_his_csv", "omop_csv", "fhir_ndjson")


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    root = tmp_path_factory.mktemp("refresh")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        summary = simulate(root / "cohort", patients=1500, centers=4, seed=7, dialects=DIALECTS)
        result = registry_refresh(summary.centers_file, root / "registry.duckdb", root / "out")
    return {"root": root, "result": result, "truth": root / "cohort" / "truth"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the tests that open pages; skipped where none is installed
    unless JAKREG_REQUIRE_CHROMIUM is set (`.ci/run` installs Debian's chromium and sets it)."""
    executable = find_chromium()
    if executable is None:
        if os.environ.get("JAKREG_REQUIRE_CHROMIUM"):
            pytest.fail("JAKREG_REQUIRE_CHROMIUM is set but no chromium is installed")
        pytest.skip("chromium is not installed here; .ci/run installs Debian's chromium")
    with headless_chromium(executable) as running:
        yield running
