"""Time intervals of a bundle's life tables, merged until no interval is a small cell.

Candidate cut points are whole months (`month_days`) and the protocol's retention months. The
follow-up up to the last retention month is split into blocks between consecutive retention
months (0–3, 3–6, 6–9, 9–12 by default); inside a block, months are merged left to right until
every group being tabulated has at least `min_cell_count` events and `min_cell_count` courses at
risk in the interval, and a block's last short piece joins the interval before it. A block that
cannot be closed at all joins the next one (its retention cut point is then not in the table), and
the last retention month is always a cut point. After it, months are merged the same way into an
open last interval; a tail that cannot reach `min_cell_count` events is withheld (the life table
ends at the last retention month). Events and censorings on day `t` fall in the interval
`[start, end)` that holds `t`, so an interval ending at 9 months (day 273.9375) holds day 273, as
the Kaplan–Meier estimate at 9 months does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OPEN = math.inf


@dataclass(frozen=True)
class Durations:
    """One group's follow-up: days on the next treatment and whether it stopped (1) or not (0)."""

    days: np.ndarray
    events: np.ndarray

    def at_risk(self, start: float) -> int:
        return int((self.days >= start).sum())

    def events_in(self, start: float, end: float) -> int:
        inside = (self.days >= start) & (self.days < end)
        return int(self.events[inside].sum())

    def person_days(self, start: float, end: float) -> float:
        return float(np.clip(np.minimum(self.days, end) - start, 0, None).sum())


def merged_cuts(
    groups: Sequence[Durations], months: Sequence[int], month_days: float, min_cell_count: int
) -> list[float]:
    """Cut points from 0 to the end of the last interval (`OPEN` when the tail is kept).

    Returns `[0.0]` when even the whole follow-up up to the last retention month holds too few
    events or courses in some group: nothing of these groups can be shown."""

    def enough(start: float, end: float) -> bool:
        return all(
            g.events_in(start, end) >= min_cell_count and g.at_risk(start) >= min_cell_count
            for g in groups
        )

    horizon = max(months) * month_days
    cuts = [0.0]
    block_start = 0
    for month in sorted(months):
        block_end = month * month_days
        if not enough(cuts[-1], block_end):
            continue  # this block joins the next one
        for cut in (m * month_days for m in range(block_start + 1, month)):
            if enough(cuts[-1], cut) and enough(cut, block_end):
                cuts.append(cut)
        cuts.append(block_end)
        block_start = month
    if cuts[-1] != horizon:
        return [0.0]
    longest = max(float(g.days.max()) for g in groups)
    tail = [m * month_days for m in range(max(months) + 1, math.ceil(longest / month_days) + 1)]
    if not enough(horizon, OPEN):
        return cuts
    for cut in tail:
        if enough(cuts[-1], cut) and enough(cut, OPEN):
            cuts.append(cut)
    return [*cuts, OPEN]
