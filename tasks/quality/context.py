"""The run's Great Expectations context: suites from `expectations/`, everything else in `<work>`.

A file-backed context is created under the run's work folder (`<work>/quality/gx/`): data
sources, validation definitions and stored validation results are working files, never committed.
The suites are copied from the repository's `expectations/` folder at the start of each run.
Data Docs go to a site folder chosen per run (under the run's output folder).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from tasks.quality.offline_docs import make_offline
from tasks.quality.verdict import Verdict

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
DOCS_SITE = "jakreg"


def open_context(root: Path, docs_dir: Path, *, fresh: bool = False) -> FileDataContext:
    """The file-backed context in `root/gx`; `fresh` drops the previous run's results first."""
    # Imported here, not with the module: GX takes seconds to import, which a run that gates
    # nothing (nothing new since the published run) must not pay.
    import great_expectations as gx

    from tasks.quality import gx_duckdb  # noqa: F401  (registers the data source type "duckdb")

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    config_file = root / "gx" / "great_expectations.yml"
    if fresh:
        for folder in ("uncommitted", "validation_definitions"):
            shutil.rmtree(root / "gx" / folder, ignore_errors=True)
    if not config_file.exists():
        gx.get_context(mode="file", project_root_dir=str(root))
    # GX rewrites a suite's file whenever a validation definition using it is saved: each run
    # works on its own copy, so runs on different registries never race on the repository's.
    suites = root / "gx" / "suites"
    if fresh or not suites.exists():
        shutil.rmtree(suites, ignore_errors=True)
        shutil.copytree(SUITES_DIR, suites)
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config["stores"]["expectations_store"]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(suites),
        "suppress_store_backend_id": True,
    }
    config["data_docs_sites"] = {
        DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    config["progress_bars"] = {"globally": False}
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return gx.get_context(mode="file", project_root_dir=str(root))


def build_data_docs(
    root: Path, docs_dir: Path, verdicts: dict[str, Verdict | str], words: dict[str, str]
) -> Path:
    """Renders every validation result of the run into `docs_dir`, made to open offline, to
    show each scope's `verdicts` and each threshold named in a description as its value (`words`,
    tasks/quality/offline_docs.py); returns its index page."""
    context = open_context(root, docs_dir)
    shutil.rmtree(docs_dir, ignore_errors=True)
    context.build_data_docs(site_names=[DOCS_SITE])
    make_offline(docs_dir, verdicts, words)
    return docs_dir / "index.html"
