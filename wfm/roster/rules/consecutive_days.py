"""Consecutive days: runs of working days are at most ``max_consecutive_days`` and at least ``min_consecutive_days`` long.

Both limits are per agent (``[rules]``, overridden by the agent's contract).

* Maximum: every window of ``max + 1`` consecutive days inside the horizon
  holds at least one day not worked (off, leave or unavailable).  Days before
  the horizon are unknown and assumed off, so a run may start on day one.
* Minimum (``min_consecutive_days`` > 1): a run of working days that starts
  after a day off and ends before a day off lasts at least ``min`` days.
  Runs touching the first or the last day of the horizon are exempt: they
  may continue outside it.  Encoding, for a run starting on day ``d`` and each
  ``j < min`` with ``d + j`` inside the horizon:
  ``works[d-1] - works[d] + works[d+j] >= 0`` (an off day followed by a
  worked day forces the next ``min - 1`` days to be worked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "consecutive_days"
MIN_RULE = "min_consecutive_days"


def add(rm: RosterModel) -> list[Penalty]:
    for a, agent in enumerate(rm.agents):
        rules = rm.agent_rules[a]
        most = rules.max_consecutive_days
        phrase = f"at most {most} consecutive working days"
        for first in range(rm.n_days - most):
            window = [rm.works[a, d] for d in range(first, first + most + 1)]
            rm.hard(rm.model.add(sum(window) <= most), RULE, agent, phrase)
        least = rules.min_consecutive_days
        if least <= 1:
            continue
        phrase = f"at least {least} consecutive working days in a row once started"
        for d in range(1, rm.n_days):
            for j in range(1, least):
                if d + j >= rm.n_days:
                    break
                ct = rm.model.add(rm.works[a, d - 1] - rm.works[a, d] + rm.works[a, d + j] >= 0)
                rm.hard(ct, MIN_RULE, agent, phrase)
    return []
