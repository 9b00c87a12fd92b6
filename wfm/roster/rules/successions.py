"""Forbidden successions: a shift listed as ``[first, second]`` in ``forbidden_successions`` is never followed by ``second`` the next day.

For example ``[["L15", "D08"]]`` bans a 15:00 late shift followed by an 08:00
start, whatever the rest rule allows.  Days before the horizon are unknown and
assumed off.  Encoding: per agent, day and ``first``,
``y[d, first] + sum(y[d+1, s] for every banned s) <= 1``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "forbidden_succession"


def add(rm: RosterModel) -> list[Penalty]:
    banned: dict[int, list[int]] = defaultdict(list)
    for first, second in rm.scenario.rules.forbidden_successions:
        banned[rm.shift_index[first]].append(rm.shift_index[second])
    for s1, later in sorted(banned.items()):
        phrase = f"no {', '.join(rm.shifts[s].code for s in later)} the day after {rm.shifts[s1].code}"
        for a, agent in enumerate(rm.agents):
            for d in range(rm.n_days - 1):
                ct = rm.model.add(rm.y[a, d, s1] + sum(rm.y[a, d + 1, s] for s in later) <= 1)
                rm.hard(ct, RULE, agent, phrase)
    return []
