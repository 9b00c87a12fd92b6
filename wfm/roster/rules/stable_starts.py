"""Stable start times: an agent starts at the same time on the days they work in a week (soft).

Each distinct start time beyond the first in an agent's ISO week costs
``weights.start_time_variety``: a week of 09:00, 09:00, 10:00, 09:00, 13:00
has two extra start times.  Encoding: ``starts[a, week, t]`` is 1 exactly
when the agent works a shift starting at ``t`` that week; the penalty counts
``sum(starts) - 1`` in weeks with work.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "start_time_variety"


def add(rm: RosterModel) -> list[Penalty]:
    weight = rm.scenario.weights.start_time_variety
    by_start: dict[int, list[int]] = defaultdict(list)
    for s, shift in enumerate(rm.shifts):
        by_start[shift.start_minute].append(s)
    if weight <= 0 or len(by_start) < 2:
        return []
    coeff = scaled_coefficient(weight, 1, RULE)
    m = rm.model
    penalties: list[Penalty] = []
    for a, agent in enumerate(rm.agents):
        for week in rm.iso_weeks():
            if len(week) < 2 or all(rm.cannot_work(a, d) for d in week):
                continue
            starts = []
            for minute, shifts in sorted(by_start.items()):
                uses = [rm.y[a, d, s] for d in week for s in shifts]
                b = m.new_bool_var(f"starts[{agent.employee_id},{rm.days[week[0]]},{minute}]")
                for y in uses:
                    m.add_implication(y, b)
                m.add_bool_or(uses).only_enforce_if(b)  # clauses, not linear rows: cheaper to presolve
                rm.derive(b, lambda value, uses=uses: max(value(y) for y in uses))
                starts.append(b)
            works = m.new_bool_var(f"works_week[{agent.employee_id},{rm.days[week[0]]}]")
            m.add_bool_or(starts).only_enforce_if(works)
            for b in starts:
                m.add_implication(b, works)
            rm.derive(works, lambda value, starts=starts: max(value(b) for b in starts))
            label = Label(RULE, "start times", employee_id=agent.employee_id, date=rm.days[week[0]])
            penalties.append(LinearPenalty(label, sum(starts) - works, coeff))
    return penalties
