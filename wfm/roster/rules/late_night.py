"""Late and night shifts: at most ``max_late_shifts_per_week`` late and ``max_night_shifts_per_week`` night shifts per ISO week.

Per agent (``[rules]``, overridden by the agent's contract); no limit when
unset.  A shift's family (early, day, late, night) is given in scenario.toml
or derived from its times (:func:`wfm.roster.shifts.shift_family`).  Partial
weeks at the horizon's edges get the full limit (days outside are assumed off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

LATE = "late_shifts_per_week"
NIGHT = "night_shifts_per_week"


def add(rm: RosterModel) -> list[Penalty]:
    for family, rule, key in (
        ("late", LATE, "max_late_shifts_per_week"),
        ("night", NIGHT, "max_night_shifts_per_week"),
    ):
        shifts = rm.shifts_of_family(family)
        if not shifts:
            continue
        for a, agent in enumerate(rm.agents):
            most = getattr(rm.agent_rules[a], key)
            if most is None:
                continue
            for week in rm.iso_weeks():
                if most >= len(week):
                    continue
                ct = rm.model.add(sum(rm.y[a, d, s] for d in week for s in shifts) <= most)
                rm.hard(ct, rule, agent, f"at most {most} {family} shifts a week")
    return []
