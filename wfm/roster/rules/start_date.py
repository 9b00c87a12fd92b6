"""Start date: an agent is not rostered before their start date.

Days before ``start_date`` appear in the roster as ``OFF``, and the agent's
monthly contract target counts only the days from the start date on (see
:mod:`wfm.roster.rules.contract`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "start_date"


def add(rm: RosterModel) -> list[Penalty]:
    for a, agent in enumerate(rm.agents):
        phrase = f"starts on {agent.start_date}"
        for d in range(rm.n_days):
            if not rm.employed(a, d):
                rm.hard(rm.model.add(rm.works[a, d] == 0), RULE, agent, phrase)
    return []
