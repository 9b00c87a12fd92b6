"""Days off per week: at least ``min_days_off_per_week`` days not worked in each ISO week (Mon-Sun).

Per agent: ``[rules]``, overridden by the agent's contract.

A day on leave is a day not worked and counts.  For a partial week of ``k``
days at either edge of the horizon, only ``max(0, min_days_off_per_week -
(7 - k))`` days off are required: the ``7 - k`` days outside the horizon are
assumed to supply the rest (the same "outside the horizon is off"
convention as the rest and consecutive-days rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "days_off_per_week"


def required_days_off(min_days_off: int, days_in_week: int) -> int:
    """Days off required in a week of which ``days_in_week`` lie inside the horizon."""
    return max(0, min_days_off - (7 - days_in_week))


def add(rm: RosterModel) -> list[Penalty]:
    for a, agent in enumerate(rm.agents):
        min_off = rm.agent_rules[a].min_days_off_per_week
        phrase = f"at least {min_off} days off per week"
        for week in rm.iso_weeks():
            need = required_days_off(min_off, len(week))
            if need == 0:
                continue
            ct = rm.model.add(sum(rm.works[a, d] for d in week) <= len(week) - need)
            rm.hard(ct, RULE, agent, phrase)
    return []
