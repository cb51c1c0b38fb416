"""One real refresh of a generated cohort, shared by the end-to-end tests (it takes seconds)."""

from __future__ import annotations

import pytest

from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate

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
