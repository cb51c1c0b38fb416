"""Merging months into intervals until no interval is a small cell (tasks/federated/intervals)."""

from __future__ import annotations

import numpy as np

from tasks.federated.intervals import OPEN, Durations, merged_cuts

MONTH = 10.0  # a short month keeps the hand-written days readable


def group(stops: list[float], still_on: list[float] = ()) -> Durations:
    days = np.array([*stops, *still_on], dtype=float)
    events = np.array([1] * len(stops) + [0] * len(still_on))
    return Durations(days, events)


def test_months_with_enough_events_stay_separate_and_retention_months_are_cuts():
    # 2 stops in each of months 1-4, 2 more after month 4, 2 courses still on; minimum 2.
    g = group([5, 6, 15, 16, 25, 26, 35, 36, 45, 55], still_on=[60, 70])
    assert merged_cuts([g], (2, 4), MONTH, 2) == [0, 10, 20, 30, 40, OPEN]


def test_months_merge_until_each_group_has_the_minimum_of_events():
    # Month 1 has one stop: it joins month 2; the tail after month 4 has two stops.
    g = group([5, 15, 16, 25, 26, 35, 36, 45, 55], still_on=[60, 70])
    assert merged_cuts([g], (2, 4), MONTH, 2) == [0, 20, 30, 40, OPEN]


def test_a_block_that_cannot_close_joins_the_next_and_loses_its_cut():
    # One stop before month 2: the block 0-2 joins 2-4, which can be split at month 3 only.
    g = group([5, 25, 26, 35, 36, 45, 46], still_on=[50])
    assert merged_cuts([g], (2, 4), MONTH, 2) == [0, 30, 40, OPEN]


def test_a_tail_with_fewer_events_than_the_minimum_is_withheld():
    g = group([5, 6, 15, 16, 45], still_on=[50, 60])
    assert merged_cuts([g], (1, 2), MONTH, 2) == [0, 10, 20]


def test_groups_share_cuts_that_every_group_can_afford():
    busy = group([5, 6, 15, 16, 25, 26, 35, 36], still_on=[50, 60])
    sparse = group([5, 6, 25, 26, 35, 36], still_on=[50, 60])
    # Nobody stops after month 4, so there is no open interval either.
    assert merged_cuts([busy, sparse], (2, 4), MONTH, 2) == [0, 20, 30, 40]


def test_follow_up_that_cannot_reach_the_last_retention_month_gives_no_intervals():
    # Three stops in month 1, then a single course and no stop: month 2 cannot be shown.
    g = group([1, 2, 3], still_on=[100])
    assert merged_cuts([g], (1, 2), MONTH, 2) == [0.0]
