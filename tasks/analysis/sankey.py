"""A Sankey diagram of treatment sequences as inline SVG (no script, no network).

Drawn from the shared sequences table only, so every node and band is a prefix already passing
the small-cell rules (tasks/analysis/sequences.py). Column d holds the step d after the first
JAK-inhibitor failure; a node's height is proportional to its patients, and the bands leaving it
to the patients going on to each shown next step; what is left of a node ended there or went on
in smaller groups.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from tasks.analysis.charts import FIXED_COLOURS, INK
from tasks.analysis.sequences import ARROW

WIDTH = 960
HEIGHT = 420
NODE_WIDTH = 14
GAP = 10
TOP = 30
LEFT = 10
RIGHT_LABEL_ROOM = 150
COMBINATION_COLOUR = "#6a4c93"
OTHER_COLOUR = "#8d99ae"


def sankey_svg(rows: list[dict], title: str) -> Markup:
    """The diagram of one scope's rows (`path`, `depth`, `n` of the sequences table)."""
    if not rows:
        return Markup("")
    depth = max(row["depth"] for row in rows)
    column_step = (WIDTH - LEFT - RIGHT_LABEL_ROOM - NODE_WIDTH) / max(depth, 1)
    per_column: dict[int, int] = {}
    for row in rows:
        per_column[row["depth"]] = per_column.get(row["depth"], 0) + 1
    busiest = max(per_column.values())
    root_n = next(row["n"] for row in rows if row["depth"] == 0)
    scale = (HEIGHT - TOP - GAP * busiest) / root_n
    cursor = {d: float(TOP) for d in range(depth + 1)}
    boxes: dict[str, tuple[float, float, float]] = {}
    leaving: dict[str, float] = {}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    bands, nodes = [], []
    for row in rows:
        x = LEFT + row["depth"] * column_step
        height = max(row["n"] * scale, 1.0)
        y = cursor[row["depth"]]
        cursor[row["depth"]] += height + GAP
        boxes[row["path"]] = (x, y, height)
        leaving[row["path"]] = y
        colour = _colour(row["path"].rsplit(ARROW, 1)[-1])
        label = escape(f"{row['path'].rsplit(ARROW, 1)[-1]} ({row['n']})")
        nodes.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_WIDTH}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(row["path"])}: {row["n"]} patients</title></rect>'
        )
        if height >= 9:
            nodes.append(
                f'<text x="{x + NODE_WIDTH + 4:.1f}" y="{y + min(height / 2, 12) + 4:.1f}" '
                f'fill="{INK}">{label}</text>'
            )
        if row["depth"] > 0:
            parent = row["path"].rsplit(ARROW, 1)[0]
            px, _, _ = boxes[parent]
            start = leaving[parent]
            leaving[parent] += height
            bands.append(_band(px + NODE_WIDTH, start, x, y, height, colour, row))
    parts += bands + nodes + ["</svg>"]
    return Markup("".join(parts))


def _band(x0: float, y0: float, x1: float, y1: float, h: float, colour: str, row: dict) -> str:
    middle = (x0 + x1) / 2
    path = (
        f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f} "
        f"L{x1:.1f},{y1 + h:.1f} C{middle:.1f},{y1 + h:.1f} {middle:.1f},{y0 + h:.1f} "
        f"{x0:.1f},{y0 + h:.1f} Z"
    )
    return (
        f'<path d="{path}" fill="{colour}" fill-opacity="0.28">'
        f"<title>{escape(row['path'])}: {row['n']} patients</title></path>"
    )


def _colour(step: str) -> str:
    if " + " in step:
        return COMBINATION_COLOUR
    return FIXED_COLOURS.get(step, OTHER_COLOUR)
