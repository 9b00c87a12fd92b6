"""Working weekends: an agent works at most ``max_working_weekends`` weekends in the horizon.

Per agent (``[rules]``, overridden by the agent's contract); no limit when
unset.  A weekend is the Saturday and Sunday of one ISO week; it counts as
worked when the agent has a shift on either day.  A weekend cut by the
horizon's edge counts by its days inside the horizon.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "working_weekends"


def add(rm: RosterModel) -> list[Penalty]:
    weekends = rm.weekends()
    for a, agent in enumerate(rm.agents):
        most = rm.agent_rules[a].max_working_weekends
        if most is None or most >= len(weekends):
            continue
        worked = [rm.weekend_worked(a, k) for k in range(len(weekends))]
        ct = rm.model.add(sum(worked) <= most)
        rm.hard(ct, RULE, agent, f"at most {most} working weekends")
    return []
