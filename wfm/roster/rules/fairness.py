"""Fairness: comparable agents share weekends, late shifts and hours evenly (soft).

Agents are compared within groups of the same weekly contract and contract
name who are present all horizon (:func:`wfm.roster.shifts.comparison_groups`).
In each group the spread (most minus least) costs:

* ``weights.weekend_spread`` per weekend worked (a weekend with a shift on
  Saturday or Sunday);
* ``weights.late_spread`` per late or night shift;
* ``weights.shortfall_spread_hour`` per paid hour (members share one target,
  so this is the spread of their contract shortfall).

The ledger reports each group's spread with the group's name in the
``queue`` column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient
from wfm.roster.shifts import comparison_groups

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from wfm.roster.model import RosterModel

WEEKENDS = "weekend_spread"
LATE = "late_spread"
HOURS = "shortfall_spread"


def _spread(rm: RosterModel, name: str, values: list[cp_model.LinearExprT], top: int) -> cp_model.LinearExprT:
    m = rm.model
    hi = m.new_int_var(0, top, f"max[{name}]")
    lo = m.new_int_var(0, top, f"min[{name}]")
    # equalities, not bounds: tight in every solution, so the ledger shows the roster's real spread
    m.add_max_equality(hi, values)
    m.add_min_equality(lo, values)
    rm.derive(hi, lambda value: max(value(v) for v in values))
    rm.derive(lo, lambda value: min(value(v) for v in values))
    return hi - lo


def add(rm: RosterModel) -> list[Penalty]:
    w = rm.scenario.weights
    groups = comparison_groups(rm.scenario)
    late = rm.shifts_of_family("late") + rm.shifts_of_family("night")
    weekends = rm.weekends()
    penalties: list[Penalty] = []
    for group, eids in groups.items():
        agents = [rm.agent_index[e] for e in eids]
        if w.weekend_spread > 0 and weekends:
            counts = [sum(rm.weekend_worked(a, k) for k in range(len(weekends))) for a in agents]
            spread = _spread(rm, f"weekends {group}", counts, len(weekends))
            label = Label(WEEKENDS, "weekends", queue=group)
            penalties.append(LinearPenalty(label, spread, scaled_coefficient(w.weekend_spread, 1, WEEKENDS)))
        if w.late_spread > 0 and late:
            counts = [sum(rm.y[a, d, s] for d in range(rm.n_days) for s in late) for a in agents]
            spread = _spread(rm, f"late {group}", counts, rm.n_days)
            label = Label(LATE, "shifts", queue=group)
            penalties.append(LinearPenalty(label, spread, scaled_coefficient(w.late_spread, 1, LATE)))
        if w.shortfall_spread_hour > 0:
            paid = [rm.paid_minutes(a, range(rm.n_days)) for a in agents]
            top = rm.n_days * max(s.paid_minutes for s in rm.shifts)
            spread = _spread(rm, f"hours {group}", paid, top)
            label = Label(HOURS, "hours", queue=group)
            coeff = scaled_coefficient(w.shortfall_spread_hour, 60, HOURS)
            penalties.append(LinearPenalty(label, spread, coeff, base_per_unit=60))
    return penalties
