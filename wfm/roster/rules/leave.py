"""Approved leave: an agent on approved leave does not work that day.

Only time-off rows of kind ``leave`` are binding; day-off and shift requests
are wishes (see :mod:`wfm.roster.rules.requests`).  A leave day appears in the
roster as ``LEAVE``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.model import describe_dates
from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "leave"


def add(rm: RosterModel) -> list[Penalty]:
    for a, days in sorted(rm.leave_days.items()):
        phrase = f"approved leave on {describe_dates([rm.days[d] for d in days])}"
        for d in days:
            rm.hard(rm.model.add(rm.works[a, d] == 0), RULE, rm.agents[a], phrase)
    return []
