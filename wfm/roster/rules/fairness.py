"""Fairness: comparable agents share weekends, public holidays, late shifts and hours evenly (soft).

Agents are compared within groups of the same weekly contract and contract
name who are present all horizon (:func:`wfm.roster.shifts.comparison_groups`).
In each group the spread (most minus least) costs:

* ``weights.weekend_spread`` per weekend worked (a weekend with a shift on
  Saturday or Sunday);
* ``weights.weekend_spread`` per public holiday worked (a shift on a public
  holiday of the scenario's country), when the month has one: a holiday
  weighs like a weekend;
* ``weights.late_spread`` per late or night shift;
* ``weights.shortfall_spread_hour`` per paid hour (members share one target,
  so this is the spread of their contract shortfall).

Burden carries over from month to month: when the scenario carries
``fairness_history`` (the weekends, holidays and late shifts each agent
worked in the published rosters of the previous ``[rules]
fairness_history_months`` months, read from the plan store by
:func:`wfm.pipeline.with_store`), the weekend, holiday and late counts
compared are the *rolling* totals, those months plus this one.  So an agent
who worked every weekend last month is given fewer weekends this month than
a colleague who worked none, until their totals even out.  An agent missing
from the history carries nothing.

The ledger reports each group's spread with the group's name in the
``queue`` column.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from wfm import schema as S
from wfm.roster.shifts import comparison_groups, shift_family

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from wfm.roster.model import RosterModel
    from wfm.roster.penalties import Penalty

WEEKENDS = "weekend_spread"
HOLIDAYS = "holiday_spread"
LATE = "late_spread"
HOURS = "shortfall_spread"

BURDENS = ("weekends", "holidays", "late_shifts")  # the counts carried across months
LATE_FAMILIES = ("late", "night")  # the shift families late_spread counts


def public_holidays(scenario: S.Scenario) -> list[dt.date]:
    """The horizon's days that are public holidays of ``scenario.country`` (the ``holidays`` package), in order."""
    days = scenario.horizon.days
    if not scenario.country or not days:
        return []
    import holidays as hol

    try:
        known = hol.country_holidays(scenario.country, years=sorted({d.year for d in days}))
    except NotImplementedError:
        return []
    return [d for d in days if d in known]


def carried(scenario: S.Scenario) -> dict[str, dict[str, int]]:
    """Per employee id, the weekends, holidays and late shifts carried in ``scenario.fairness_history``.

    Empty without a history.  Raises :class:`~wfm.schema.InputError` naming
    the row and column for a missing column, a repeated employee id or a count
    that is not a whole number of at least 0.
    """
    frame = scenario.fairness_history
    if frame is None or frame.empty:
        return {}
    missing = [c for c in (S.EMPLOYEE_ID, *BURDENS) if c not in frame.columns]
    if missing:
        raise S.InputError(f"fairness_history: missing column(s) {', '.join(missing)}")
    out: dict[str, dict[str, int]] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        r = row._asdict()
        eid = str(r[S.EMPLOYEE_ID])
        if eid in out:
            raise S.InputError(f"fairness_history row {i + 1}: employee_id '{eid}' appears twice")
        counts = {}
        for c in BURDENS:
            value = r[c]
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok or value < 0 or value != int(value):
                raise S.InputError(
                    f"fairness_history row {i + 1} ({eid}): {c} '{value}' is not a whole number of at least 0"
                )
            counts[c] = int(value)
        out[eid] = counts
    return out


def rolling_totals(scenario: S.Scenario, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per agent: weekends, holidays and late shifts carried, worked this month, and their rolling totals.

    Columns ``employee_id``, ``carried_<b>``, ``month_<b>``, ``rolling_<b>``
    for ``b`` in weekends, holidays, late_shifts (late and night shifts), as
    the fairness terms count them; ``assignments`` is the roster's long form
    (employee_id, date, shift_code).
    """
    family = {s.code: shift_family(s) for s in scenario.shifts}
    holidays = set(public_holidays(scenario))
    history = carried(scenario)
    worked = assignments[assignments[S.SHIFT_CODE].isin(family.keys())]
    by_agent = {str(e): g for e, g in worked.groupby(S.EMPLOYEE_ID)}
    rows = []
    for agent in scenario.agents:
        g = by_agent.get(agent.employee_id)
        days = list(g[S.DATE]) if g is not None else []
        codes = list(g[S.SHIFT_CODE]) if g is not None else []
        month = {
            "weekends": len({d.isocalendar()[:2] for d in days if d.weekday() >= 5}),
            "holidays": sum(d in holidays for d in days),
            "late_shifts": sum(family[c] in LATE_FAMILIES for c in codes),
        }
        before = history.get(agent.employee_id, dict.fromkeys(BURDENS, 0))
        row: dict[str, object] = {S.EMPLOYEE_ID: agent.employee_id}
        for b in BURDENS:
            row[f"carried_{b}"] = before[b]
            row[f"month_{b}"] = month[b]
            row[f"rolling_{b}"] = before[b] + month[b]
        rows.append(row)
    columns = [S.EMPLOYEE_ID] + [f"{k}_{b}" for b in BURDENS for k in ("carried", "month", "rolling")]
    return pd.DataFrame(rows, columns=columns)


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


def _offsets(history: Mapping[str, Mapping[str, int]], eids: list[str], burden: str) -> list[int]:
    """Each agent's carried count, less the group's smallest: the spread is the same, the domains smaller."""
    raw = [history.get(e, {}).get(burden, 0) for e in eids]
    low = min(raw)
    return [v - low for v in raw]


def add(rm: RosterModel) -> list[Penalty]:
    # imported here: the checker reads this module's carried counts without loading the solver
    from wfm.roster.penalties import Label, LinearPenalty, scaled_coefficient

    w = rm.scenario.weights
    groups = comparison_groups(rm.scenario)
    late = [s for fam in LATE_FAMILIES for s in rm.shifts_of_family(fam)]
    weekends = rm.weekends()
    holidays = [rm.day_index[d] for d in public_holidays(rm.scenario)]
    history = carried(rm.scenario)
    penalties: list[Penalty] = []
    for group, eids in groups.items():
        agents = [rm.agent_index[e] for e in eids]
        if w.weekend_spread > 0 and weekends:
            # this month's weekends plus those carried from earlier months
            off = _offsets(history, eids, "weekends")
            counts = [
                sum(rm.weekend_worked(a, k) for k in range(len(weekends))) + c
                for a, c in zip(agents, off, strict=True)
            ]
            spread = _spread(rm, f"weekends {group}", counts, len(weekends) + max(off))
            label = Label(WEEKENDS, "weekends", queue=group)
            penalties.append(LinearPenalty(label, spread, scaled_coefficient(w.weekend_spread, 1, WEEKENDS)))
        if w.weekend_spread > 0 and holidays:
            # this month's public holidays worked plus those carried
            off = _offsets(history, eids, "holidays")
            counts = [sum(rm.works[a, d] for d in holidays) + c for a, c in zip(agents, off, strict=True)]
            spread = _spread(rm, f"holidays {group}", counts, len(holidays) + max(off))
            label = Label(HOLIDAYS, "holidays", queue=group)
            penalties.append(LinearPenalty(label, spread, scaled_coefficient(w.weekend_spread, 1, HOLIDAYS)))
        if w.late_spread > 0 and late:
            # this month's late and night shifts plus those carried
            off = _offsets(history, eids, "late_shifts")
            counts = [
                sum(rm.y[a, d, s] for d in range(rm.n_days) for s in late) + c
                for a, c in zip(agents, off, strict=True)
            ]
            spread = _spread(rm, f"late {group}", counts, rm.n_days + max(off))
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
