"""Approved leave and unavailable days: the agent does not work that day.

Time-off rows of kind ``leave`` (paid: a leave day is credited against the
contract and appears in the roster as ``LEAVE``) and ``unavailable`` (unpaid:
the agent simply cannot work, e.g. a part-timer's study day; the roster shows
``OFF``) are binding.  Day-off and shift requests are wishes (see
:mod:`wfm.roster.rules.requests`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.model import describe_dates
from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "leave"
UNAVAILABLE = "unavailable"


def add(rm: RosterModel) -> list[Penalty]:
    for a, days in sorted(rm.leave_days.items()):
        phrase = f"approved leave on {describe_dates([rm.days[d] for d in days])}"
        for d in days:
            rm.hard(rm.model.add(rm.works[a, d] == 0), RULE, rm.agents[a], phrase)
    for a, days in sorted(rm.unavailable_days.items()):
        phrase = f"unavailable on {describe_dates([rm.days[d] for d in days])}"
        for d in days:
            rm.hard(rm.model.add(rm.works[a, d] == 0), UNAVAILABLE, rm.agents[a], phrase)
    return []
