"""Wellbeing between shifts: no early shift right after a late one, and a cap on late shifts in a row.

Both rules are switched on in ``[wellbeing]`` and bind every agent:

* ``no_late_then_early`` -- a late or night shift is never followed the next
  day by an early shift (families: :func:`wfm.roster.shifts.shift_family`);
* ``max_consecutive_late = N`` -- at most ``N`` late or night shifts on
  consecutive days.  Days before the horizon are unknown and assumed not late
  (as :mod:`~wfm.roster.rules.consecutive_days` assumes them off), so a run may
  start on day one.

Encoding, per agent: ``sum(y[d, late]) + sum(y[d+1, early]) <= 1`` for each
day, and every window of ``N + 1`` consecutive days holds at most ``N`` late
or night shifts.  The stage-2 limits of ``[wellbeing]`` (continuous phone
time, recovery breaks, the team session's time) live in
:mod:`wfm.roster.breaks` and :mod:`wfm.roster.rules.sessions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "wellbeing"
LATE_THEN_EARLY = "late_then_early"
CONSECUTIVE_LATE = "consecutive_late"
LATE_FAMILIES = ("late", "night")


def late_shifts(rm: RosterModel) -> list[int]:
    """Indexes of the shifts that count as late for the wellbeing rules (late or night family)."""
    return [s for s, f in enumerate(rm.families) if f in LATE_FAMILIES]


def add(rm: RosterModel) -> list[Penalty]:
    cfg = rm.scenario.wellbeing
    late = late_shifts(rm)
    early = rm.shifts_of_family("early")
    if cfg.no_late_then_early and late and early:
        phrase = "no early shift the day after a late or night shift"
        for a, agent in enumerate(rm.agents):
            for d in range(rm.n_days - 1):
                if rm.cannot_work(a, d) or rm.cannot_work(a, d + 1):
                    continue
                ct = rm.model.add(
                    sum(rm.y[a, d, s] for s in late) + sum(rm.y[a, d + 1, s] for s in early) <= 1
                )
                rm.hard(ct, LATE_THEN_EARLY, agent, phrase)
    most = cfg.max_consecutive_late
    if most is not None and late and most < rm.n_days:
        phrase = f"at most {most} late or night shifts in a row"
        for a, agent in enumerate(rm.agents):
            for first in range(rm.n_days - most):
                window = range(first, first + most + 1)
                if any(rm.cannot_work(a, d) for d in window):
                    continue  # a day the agent cannot work breaks the run
                ct = rm.model.add(sum(rm.y[a, d, s] for d in window for s in late) <= most)
                rm.hard(ct, CONSECUTIVE_LATE, agent, phrase)
    return []
