"""Consecutive days: an agent works at most ``max_consecutive_days`` days in a row.

Every window of ``max_consecutive_days + 1`` consecutive days inside the
horizon holds at least one day not worked (off or leave).  Edge convention:
days before the horizon are unknown and assumed off, so a run of work may
start on the first day of the horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "consecutive_days"


def add(rm: RosterModel) -> list[Penalty]:
    most = rm.scenario.rules.max_consecutive_days
    phrase = f"at most {most} consecutive working days"
    for a, agent in enumerate(rm.agents):
        for first in range(rm.n_days - most):
            window = [rm.works[a, d] for d in range(first, first + most + 1)]
            rm.hard(rm.model.add(sum(window) <= most), RULE, agent, phrase)
    return []
