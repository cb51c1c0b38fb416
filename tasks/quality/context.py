"""The run's Great Expectations context: suites from `expectations/`, everything else in `<work>`.

An in-memory (ephemeral) context is opened per validation: its data sources and validation
definitions are never written to a file. The suites are read from a copy of the repository's
`expectations/` folder made at the start of each run, and the validation results are stored under
the run's work folder (`<work>/quality/gx/`), where the Data Docs are built from; both are working
files, never committed.
Data Docs go to a site folder chosen per run (under the run's output folder).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.quality.offline_docs import make_offline
from tasks.quality.verdict import Verdict

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"
DOCS_SITE = "jakreg"


def open_context(root: Path, docs_dir: Path, *, fresh: bool = False) -> AbstractDataContext:
    """The run's context over `root/gx`; `fresh` drops the previous run's results first.

    An ephemeral context: its data sources and validation definitions live in memory, as GX
    would otherwise rewrite its whole project file on every one added (about half the gate's
    CPU time on a small center). Suites and validation results are files: Data Docs are built
    from the results stored by every context of the run."""
    # Imported here, not with the module: GX takes seconds to import, which a run that gates
    # nothing (nothing new since the published run) must not pay.
    import great_expectations as gx
    from great_expectations.data_context.types.base import DataContextConfig

    from tasks.quality import gx_duckdb  # noqa: F401  (registers the data source type "duckdb")

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    project = root / "gx"
    if fresh:
        shutil.rmtree(project / "uncommitted", ignore_errors=True)
    # GX rewrites a suite's file whenever a validation definition using it is saved: each run
    # works on its own copy, so runs on different registries never race on the repository's.
    suites = project / "suites"
    if fresh or not suites.exists():
        shutil.rmtree(suites, ignore_errors=True)
        shutil.copytree(SUITES_DIR, suites)
    in_memory = {"class_name": "InMemoryStoreBackend"}
    config = DataContextConfig(
        stores={
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _files(suites, suppress_store_backend_id=True),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _files(project / "uncommitted" / "validations"),
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": in_memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": in_memory,
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": _files(docs_dir),
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        progress_bars={"globally": False},
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _files(folder: Path, **options: object) -> dict[str, object]:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder), **options}


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
