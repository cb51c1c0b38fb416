"""Federated centers in the real flow, on the demo cohort: two hospitals run jakreg on their own
dumps and send aggregate bundles; the coordinating center pools them with the two centers that
send dumps, and the pooled estimates match the all-patient-level ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from flows.registry_refresh import registry_refresh
from jakreg.cli import main
from jakreg.config import Protocol
from jakreg.simulate import simulate
from tasks.analysis.table_relations import read_shared_tables
from tests.conftest import TEST_KEY
from tests.unit.federated.bundles import attack

pytestmark = pytest.mark.e2e

FEDERATED = ("madrid", "barcelona")
BUNDLE_DATE = "2026-11-30"


def write_centers(path: Path, entries: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"centers": entries}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    """Night 1 with every center's dump (the patient-level answer), each federated center's
    bundle exported from its rows, then night 1 of the network where those two send bundles.

    A hospital's own registry holds the same rows for it as this one (rows do not depend on the
    other centers or on the key), so its bundle is exported from here with --center."""
    root = tmp_path_factory.mktemp("federated")
    summary = simulate(root / "cohort", patients=3000, centers=4, seed=42)
    entries = yaml.safe_load(summary.centers_file.read_text(encoding="utf-8"))["centers"]
    landing = {e["id"]: (summary.centers_file.parent / e["landing"]).resolve() for e in entries}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        everyone = registry_refresh(summary.centers_file, root / "all.duckdb", root / "all-out")
        coordinator = []
        for entry in entries:
            if entry["id"] not in FEDERATED:
                coordinator.append({**entry, "landing": str(landing[entry["id"]])})
                continue
            bundles = root / "bundles" / entry["id"]
            exported = main(
                [
                    "export-aggregates",
                    "--db",
                    str(root / "all.duckdb"),
                    "--center",
                    entry["id"],
                    "--out",
                    str(bundles / BUNDLE_DATE),
                ]
            )
            assert exported == 0
            coordinator.append({"id": entry["id"], "kind": "aggregates", "landing": str(bundles)})
        centers = write_centers(root / "network.yaml", coordinator)
        pooled = registry_refresh(centers, root / "network.duckdb", root / "network-out")
    return {"root": root, "everyone": everyone, "pooled": pooled, "centers": centers}


def test_pooled_retention_and_hazard_ratio_match_the_patient_level_ones(network: dict) -> None:
    everyone = network["everyone"].run_folder
    pooled = network["pooled"].run_folder
    km = pl.read_csv(everyone / "retention_summary.csv", infer_schema_length=0).filter(
        (pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy")
    )
    federated = pl.read_csv(pooled / "federated_retention.csv").filter(
        pl.col("group_by") == "strategy"
    )
    for strategy in ("cycling", "switching"):
        expected = float(km.filter(pl.col("group") == strategy)["m9_retention"][0])
        got = federated.filter(pl.col("group") == strategy)["m9_retention"][0]
        assert got == pytest.approx(expected, abs=0.01), strategy
    cox = pl.read_csv(everyone / "cox.csv").filter(pl.col("term") == "switching vs cycling")
    pwe = pl.read_csv(pooled / "federated_cox.csv").filter(pl.col("term") == "switching vs cycling")
    assert pwe["hazard_ratio"][0] == pytest.approx(cox["hazard_ratio"][0], abs=0.03)


def test_the_report_says_which_centers_sent_aggregates_and_which_method_pooled(
    network: dict,
) -> None:
    pooled = network["pooled"]
    contributions = dict(pl.read_csv(pooled.run_folder / "federated_centers.csv").iter_rows())
    for center in FEDERATED:
        assert contributions[center] == f"aggregate bundle of {BUNDLE_DATE}"
    assert contributions["valencia"] == "patient rows (aggregated here)"
    report = (pooled.run_folder / "report.html").read_text(encoding="utf-8")
    assert "piecewise-exponential Poisson model" in report
    assert f"aggregate bundle of {BUNDLE_DATE}" in report
    assert pooled.failed_centers == {}
    assert pooled.in_registry["madrid"] == BUNDLE_DATE


def test_a_damaged_bundle_is_quarantined_and_the_center_keeps_its_last_one(
    network: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    root = network["root"]
    accepted = root / "bundles" / "madrid" / BUNDLE_DATE
    damaged = accepted.with_name("2026-12-01")
    shutil.copytree(accepted, damaged)
    with (damaged / "life_tables.csv").open("a", encoding="utf-8") as handle:
        handle.write("cycling,9999.0,,7,10\n")
    state = registry_refresh(
        network["centers"], root / "network.duckdb", root / "network-out", return_state=True
    )
    assert state.name == "Partial"
    result = state.result()
    message = result.failed_centers["madrid"]
    assert "bundle 2026-12-01 quarantined" in message
    assert "life_tables.csv does not match its checksum" in message
    assert result.in_registry["madrid"] == BUNDLE_DATE
    contributions = dict(pl.read_csv(result.run_folder / "federated_centers.csv").iter_rows())
    assert contributions["madrid"] == f"aggregate bundle of {BUNDLE_DATE}"
    capsys.readouterr()
    assert main(["status", "--db", str(root / "network.duckdb")]) == 0
    status = capsys.readouterr().out
    assert f"madrid: bundle {BUNDLE_DATE} in the registry" in status
    assert "newest bundle 2026-12-01: bundle refused, quality failed" in status


def test_exporting_a_registry_of_several_centers_asks_which_one(
    network: dict, capsys: pytest.CaptureFixture
) -> None:
    out = network["root"] / "unnamed"
    assert (
        main(["export-aggregates", "--db", str(network["root"] / "all.duckdb"), "--out", str(out)])
        == 2
    )
    assert (
        "holds centers barcelona, madrid, sagunto, valencia; name the one"
        in capsys.readouterr().err
    )
    assert not out.exists()


def test_no_count_under_the_minimum_comes_back_from_the_bundles_or_the_outputs(
    network: dict,
) -> None:
    root = network["root"]
    bundles = [root / "bundles" / center / BUNDLE_DATE for center in FEDERATED]
    for bundle in bundles:
        assert attack([bundle]) == {}
    run = read_shared_tables(network["pooled"].run_folder, Protocol())
    assert attack(bundles, run) == {}
    # Pooled minus the centers that publish their rows' events: the federated centers' sum.
    pooled = network["pooled"].run_folder
    federated = pl.read_csv(pooled / "federated_retention.csv").filter(
        pl.col("group_by") == "strategy"
    )
    published = pl.read_csv(pooled / "retention_summary.csv", infer_schema_length=0).filter(
        (pl.col("scope") != "pooled") & (pl.col("group_by") == "strategy")
    )
    for strategy, events in federated.select("group", "events").iter_rows():
        shown = published.filter(pl.col("group") == strategy)["events"].to_list()
        left = events - sum(int(v) for v in shown if v.isdigit())
        assert not 1 <= left < 5, strategy
