"""Weekly minutes: paid minutes worked in each ISO week (Mon-Sun) stay under the weekly cap.

The cap is ``min(max_weekly_minutes, contract_minutes_per_week - leave credit)``
where each approved leave day in the week is credited a fifth of the weekly
contract (so a week with two leave days leaves room for three days of work on
a five-day contract).  The cap never goes below zero.

The floor ``min_weekly_minutes`` (default 0: none) less the same leave credit
applies to every ISO week wholly inside the horizon in which the agent is
employed throughout.  Both limits are per agent (``[rules]``, overridden by
the agent's contract).

Partial weeks at the horizon's edges get the full cap and no floor: days
outside the horizon are assumed off, as in the other rules.  (Prorating the cap by days,
e.g. ``2400 * 1/7 = 343`` minutes for a month starting on a Sunday, would ban
every 8-hour shift on that day; the month as a whole is held to the
prorated contract by :mod:`wfm.roster.rules.contract` instead.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.model import describe_dates
from wfm.roster.penalties import Penalty
from wfm.roster.shifts import leave_credit_minutes

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "weekly_minutes"
MIN_RULE = "min_weekly_minutes"


def weekly_cap(max_weekly_minutes: int, contract_minutes_per_week: int, leave_credit: int) -> int:
    """Paid minutes an agent may work in a week whose leave days are worth ``leave_credit`` minutes."""
    return max(0, min(max_weekly_minutes, contract_minutes_per_week - leave_credit))


def agent_week_cap(rm: RosterModel, a: int, week: list[int]) -> int:
    """Paid minutes agent ``a`` may work in ``week`` (day indexes of one ISO week)."""
    agent = rm.agents[a]
    leave = sum(rm.on_leave(a, d) for d in week)
    return weekly_cap(
        rm.agent_rules[a].max_weekly_minutes,
        agent.contract_minutes_per_week,
        leave * leave_credit_minutes(agent),
    )


def add(rm: RosterModel) -> list[Penalty]:
    longest = max(s.paid_minutes for s in rm.shifts)
    for a, agent in enumerate(rm.agents):
        legal = rm.agent_rules[a].max_weekly_minutes
        floor = rm.agent_rules[a].min_weekly_minutes
        credit = leave_credit_minutes(agent)
        phrase = (
            f"at most {min(legal, agent.contract_minutes_per_week) / 60:g} paid hours a week "
            f"({credit / 60:g} h credited per leave day)"
        )
        for week in rm.iso_weeks():
            cap = agent_week_cap(rm, a, week)
            if cap < longest * len(week):
                ct = rm.model.add(rm.paid_minutes(a, week) <= cap)
                leave = [rm.days[d] for d in week if rm.on_leave(a, d)]
                if leave:  # its own gate, so a conflict names the leave that lowered this week's cap
                    iso = rm.days[week[0]].isocalendar()
                    rm.hard(
                        ct,
                        f"{RULE}:{iso.year}-W{iso.week:02d}",
                        agent,
                        f"at most {cap / 60:g} paid hours in week {iso.year}-W{iso.week:02d} "
                        f"(approved leave on {describe_dates(leave)} credits {credit / 60:g} h a day)",
                    )
                else:
                    rm.hard(ct, RULE, agent, phrase)
            if floor > 0 and len(week) == 7 and all(rm.employed(a, d) for d in week):
                need = max(0, floor - credit * sum(rm.on_leave(a, d) for d in week))
                if need > 0:
                    ct = rm.model.add(rm.paid_minutes(a, week) >= need)
                    rm.hard(ct, MIN_RULE, agent, f"at least {floor / 60:g} paid hours a week")
    return []
