"""Days off in a row: runs of days off last at least ``min_consecutive_days_off``; optionally a pair every week.

Per agent (``[rules]``, overridden by the agent's contract).  A day off is a
day without a shift (off, leave or unavailable).

* ``min_consecutive_days_off`` > 1: a run of days off that starts after a
  worked day and ends before a worked day lasts at least that many days.
  Runs touching the first or last day of the horizon are exempt (they may
  continue outside it).  Encoding, for a run starting on day ``d`` and each
  ``j`` below the minimum with ``d + j`` inside the horizon:
  ``works[d-1] + works[d+j] - works[d] <= 1``.
* ``days_off_pair_per_week``: every ISO week wholly inside the horizon holds
  two consecutive days off (within the week).  Partial weeks at the edges
  are exempt, as days outside the horizon are assumed off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "min_consecutive_days_off"
PAIR = "days_off_pair"


def add(rm: RosterModel) -> list[Penalty]:
    m = rm.model
    for a, agent in enumerate(rm.agents):
        rules = rm.agent_rules[a]
        least = rules.min_consecutive_days_off
        if least > 1:
            phrase = f"at least {least} days off in a row"
            for d in range(1, rm.n_days):
                for j in range(1, least):
                    if d + j >= rm.n_days:
                        break
                    ct = m.add(rm.works[a, d - 1] + rm.works[a, d + j] - rm.works[a, d] <= 1)
                    rm.hard(ct, RULE, agent, phrase)
        if not rules.days_off_pair_per_week:
            continue
        for week in rm.iso_weeks():
            if len(week) < 7:
                continue
            pairs = []
            for d in week[:-1]:
                both_off = m.new_bool_var(f"off_pair[{agent.employee_id},{rm.days[d]}]")
                m.add(both_off + rm.works[a, d] <= 1)
                m.add(both_off + rm.works[a, d + 1] <= 1)
                pair = (rm.works[a, d], rm.works[a, d + 1])
                rm.derive(both_off, lambda value, pair=pair: int(value(pair[0]) == 0 and value(pair[1]) == 0))
                pairs.append(both_off)
            ct = m.add(sum(pairs) >= 1)
            rm.hard(ct, PAIR, agent, "two consecutive days off every week")
    return []
