"""Re-keying a kept extract: when the registry's pseudonymisation key is rotated, a center whose
newest extract fails that night keeps its last accepted extract, which was pseudonymised with the
old key. It is staged again from its landing folder with the new key, so the one publish of the
rotation holds every center, all under one key.
"""

from __future__ import annotations

from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.settings import DuckDBSettings
from tasks.extract import dialects
from tasks.extract.landing import check_regular_files
from tasks.extract.manifest import fingerprint_extract
from tasks.extract.stage_center import StagedExtract, stage_extract


def restage_with_current_key(
    center: Center, kept: StagedExtract, keep_with_it: tuple[str, ...]
) -> StagedExtract | None:
    """`kept` staged again from the same landing files with the key in use, the files named in
    `keep_with_it` (the gate's record) carried over; None when the landing folder no longer holds
    exactly the files it was staged from, or they no longer stage."""
    folder = center.landing / kept.extract_date
    if not folder.is_dir():
        return None
    try:
        check_regular_files(center.id, folder, dialects.file_names(center))
        fingerprint = fingerprint_extract(center, folder)
        if fingerprint.digest != kept.extract_digest:
            return None
        records = {name: (kept.folder / name).read_bytes() for name in keep_with_it}
        work_dir = kept.folder.parents[2]  # <work>/staged/<center>/<extract>
        staged = stage_extract(center, work_dir, DuckDBSettings.from_environment(), fingerprint)
    except CenterDataError:
        return None
    for name, content in records.items():
        (staged.folder / name).write_bytes(content)
    return staged
