"""One shift a day: an agent works at most one shift per calendar day.

A shift belongs to the day it starts on, so a night shift that runs past
midnight still counts as that day's shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "one_shift_per_day"


def add(rm: RosterModel) -> list[Penalty]:
    for a, agent in enumerate(rm.agents):
        for d in range(rm.n_days):
            rm.hard(rm.model.add(rm.works[a, d] <= 1), RULE, agent, "at most one shift a day")
    return []
