"""The run's account of what changed since the published registry: a file and an artifact."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from tasks.registry.diff import RegistryDiff, compare_registries

CHANGES_FILE = "changes.md"


@task(name="compare-with-published", cache_policy=NO_CACHE)
def record_changes(
    published: Path | None,
    published_name: str | None,
    building: Path,
    protocol: Protocol,
    run_folder: Path,
) -> RegistryDiff:
    """Compares the registry about to be published with the published one (None: none yet);
    writes `changes.md` into the run folder and the `registry-changes` artifact."""
    diff = compare_registries(
        published, building, protocol, (published_name or "nothing published", "this run")
    )
    markdown = diff.markdown(protocol.min_cell_count)
    (run_folder / CHANGES_FILE).write_text(markdown, encoding="utf-8")
    create_markdown_artifact(
        key="registry-changes",
        markdown=markdown,
        description="What changed since the published registry: rows per center and mart, "
        "extracts, new and resolved data-quality findings, headline estimates",
    )
    return diff
