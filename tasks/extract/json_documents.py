"""The small JSON documents that travel with an extract: extract.json, a bulk export's manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jakreg.config import Center
from jakreg.errors import CenterDataError


def read_json_object(center: Center, path: Path, hint: str) -> dict[str, Any]:
    """The document, which must be one JSON object (a UTF-8 BOM is tolerated); a missing,
    unreadable or other document is a CenterDataError naming the file, `hint` saying what it
    should hold."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CenterDataError(
            center.id, f"{path.name} is missing", file=str(path), hint=hint
        ) from None
    except UnicodeDecodeError:
        raise CenterDataError(
            center.id, f"{path.name} is not UTF-8 text", file=str(path), hint=hint
        ) from None
    except json.JSONDecodeError as err:
        raise CenterDataError(
            center.id,
            f"{path.name} is not valid JSON ({err.msg})",
            file=str(path),
            row=err.lineno,
            hint=hint,
        ) from None
    if not isinstance(document, dict):
        raise CenterDataError(
            center.id, f"{path.name} is not a JSON object", file=str(path), hint=hint
        )
    return document
