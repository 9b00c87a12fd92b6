"""Rest: at least ``min_rest_hours`` between the end of one shift and the start of the next.

Rest is measured from the end of a shift (which may be after midnight, on
the next calendar day) to the start of the agent's next shift.  Shift pairs
that leave less rest are never both worked.  Days before the horizon are
unknown and assumed off, so the first day of the horizon is unconstrained.

Encoding: for each agent, day ``d`` and shift ``s1``, and each later day
``d + j`` holding shifts that start too soon after ``s1`` ends,
``y[d, s1] + sum(y[d + j, s2] for conflicting s2) <= 1`` (the ``s2`` of one day
already exclude each other, so this one clique row replaces the pairs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty
from wfm.roster.shifts import MINUTES_PER_DAY
from wfm.schema import ShiftTemplate

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "rest"


def conflicts(shifts: Sequence[ShiftTemplate], min_rest_minutes: int) -> dict[int, dict[int, list[int]]]:
    """For each shift index: ``{days_later: [shift indexes starting too soon after it ends]}``."""
    out: dict[int, dict[int, list[int]]] = {}
    earliest_start = min(s.start_minute for s in shifts)
    for i, first in enumerate(shifts):
        by_day: dict[int, list[int]] = {}
        j = 1
        while j * MINUTES_PER_DAY + earliest_start - first.end_minute < min_rest_minutes:
            clash = [
                k
                for k, later in enumerate(shifts)
                if j * MINUTES_PER_DAY + later.start_minute - first.end_minute < min_rest_minutes
            ]
            if clash:
                by_day[j] = clash
            j += 1
        out[i] = by_day
    return out


def add(rm: RosterModel) -> list[Penalty]:
    rest_minutes = round(rm.scenario.rules.min_rest_hours * 60)
    clash = conflicts(rm.shifts, rest_minutes)
    phrase = f"at least {rm.scenario.rules.min_rest_hours:g} h rest between shifts"
    for a, agent in enumerate(rm.agents):
        for d in range(rm.n_days):
            for s1, by_day in clash.items():
                for j, later in by_day.items():
                    if d + j >= rm.n_days:
                        continue
                    ct = rm.model.add(rm.y[a, d, s1] + sum(rm.y[a, d + j, s2] for s2 in later) <= 1)
                    rm.hard(ct, RULE, agent, phrase)
    return []
