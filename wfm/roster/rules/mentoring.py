"""Mentoring: a mentee works the same shift as their mentor on at least ``same_shift_share`` of their working days.

Pairs come from :func:`wfm.activities.pair_mentors` (``[mentoring]``): every
new hire and every agent flagged for coaching has one mentor.  Counted over the
horizon: of the days the mentee works, at least ``same_shift_share`` (default
80 %) are days on which the mentor works the very same shift code.  Days the
mentor cannot work (leave, unavailable) still count as the mentee's working
days when the mentee works them; the rule's wording says so when it applies,
because that is the usual reason the rule cannot hold.

Hard, per mentee.  Encoding, per pair and day the mentee can work, a Boolean
``same[d]`` with ``same[d] <= works[mentee, d]`` and, for every shift ``s``,
``same[d] <= 1 - y[mentee, d, s] + y[mentor, d, s]`` (so ``same[d]`` can only
be 1 when both work ``s``); then
``100 * sum(same) >= round(100 * share) * sum(works[mentee])``.  The weekly
coaching sessions are :mod:`wfm.roster.rules.sessions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.activities import pair_mentors
from wfm.roster.model import describe_dates
from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "mentoring"


def required_percent(share: float) -> int:
    """The share as a whole percentage, as the rule and the checker apply it.

    >>> required_percent(0.8)
    80
    """
    return round(100 * share)


def add(rm: RosterModel) -> list[Penalty]:
    cfg = rm.scenario.mentoring
    if cfg is None or cfg.same_shift_share <= 0:
        return []
    percent = required_percent(cfg.same_shift_share)
    rm.mentor_same = {}  # (mentee index, day) -> same[d], read by tests and diagnostics
    for pair in pair_mentors(rm.scenario):
        me, mo = rm.agent_index[pair.mentee], rm.agent_index[pair.mentor]
        days = [d for d in range(rm.n_days) if not rm.cannot_work(me, d)]
        if not days:
            continue
        away = [d for d in days if rm.cannot_work(mo, d)]
        phrase = (
            f"works the same shift as mentor {pair.mentor} on at least {percent}% of "
            f"{pair.mentee}'s working days"
        )
        if away:
            phrase += (
                f" (days {pair.mentor} cannot work still count: {describe_dates([rm.days[d] for d in away])})"
            )
        same = []
        for d in days:
            if d in away:
                continue
            var = rm.model.new_bool_var(f"same[{pair.mentee},{rm.days[d]}]")
            rm.model.add(var <= rm.works[me, d])
            for s in range(len(rm.shifts)):
                rm.model.add(var <= 1 - rm.y[me, d, s] + rm.y[mo, d, s])
            pairs = [(rm.y[me, d, s], rm.y[mo, d, s]) for s in range(len(rm.shifts))]
            rm.derive(var, lambda value, pairs=pairs: int(any(value(a) and value(b) for a, b in pairs)))
            rm.mentor_same[me, d] = var
            same.append(var)
        ct = rm.model.add(100 * sum(same) >= percent * sum(rm.works[me, d] for d in days))
        rm.hard(ct, RULE, rm.agents[me], phrase)
    return []
