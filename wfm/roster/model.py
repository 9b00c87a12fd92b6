"""The roster model's variables container and the plumbing every rule unit uses.

Decision variables:

* ``y[a, d, s]`` (Boolean) -- agent ``a`` works shift template ``s`` on day ``d``.
* ``works[a, d]`` -- integer ``sum_s y``; the ``one_shift_per_day`` rule caps it
  at 1, every other rule reads it as "works that day".
* ``crew[q, d, s]`` (integer) -- how many of the agents working shift ``s`` on
  day ``d`` serve queue ``q``, for the whole shift.

The per-agent choice "agent ``a`` serves queue ``q`` on that shift" is not a
variable: :mod:`wfm.roster.rules.skills` constrains the crews with Hall's
condition, which holds exactly when the working agents can be matched to the
crews by skill, one queue each, and the matching is recovered after the solve.
This is the same model as one Boolean per (agent, day, shift, queue) without
the queue-swap symmetry and with about half the variables.  Each working
agent serves exactly one queue, so a multi-skilled agent counts once per
interval and is never double counted.

Days are indexed ``0 .. n_days-1`` from the horizon start, intervals
``0 .. n_intervals-1`` (``t = d * intervals_per_day + k``) in wall-clock time.

Hard rules go through :meth:`RosterModel.hard`.  In normal solves that only
adds the constraint.  In *explain* mode (used after an INFEASIBLE solve) every
hard constraint is enforced by a gate literal per (rule, agent), the gates are
passed to CP-SAT as assumptions, and the conflicting gates are read back as
sentences in the scheduler's words.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from wfm import schema as S
from wfm.activities import ramp_fraction, ramp_skills, ramping
from wfm.roster.penalties import SCALE, Penalty
from wfm.roster.rules import skills
from wfm.roster.shifts import shift_family
from wfm.schema import Agent, InputError, Scenario


@dataclass(frozen=True)
class Gate:
    """An assumption literal switching one hard rule on for one agent (or for everyone)."""

    literal: cp_model.IntVar
    rule: str
    employee_id: str | None
    phrase: str


RuleUnit = Callable[["RosterModel"], Sequence[Penalty]]


def describe_dates(dates: Sequence[dt.date]) -> str:
    """Compact list of dates: consecutive runs become ``first to last``.

    >>> describe_dates([dt.date(2026, 12, 12), dt.date(2026, 12, 13), dt.date(2026, 12, 20)])
    '2026-12-12 to 2026-12-13, 2026-12-20'
    """
    runs: list[list[dt.date]] = []
    for day in sorted(dates):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(r[0].isoformat() if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


class RosterModel:
    """Variables, indexes and collected penalties of one roster model."""

    def __init__(self, scenario: Scenario, requirements: pd.DataFrame, *, explain: bool = False):
        self.scenario = scenario
        self.model = cp_model.CpModel()
        self.explain = explain
        self.gates: dict[tuple[str, str | None], Gate] = {}
        self.penalties: list[Penalty] = []  # filled by build_model
        self.offset = 0  # constant part of the objective, scaled
        self.hint_values: dict[int, int] = {}  # variable index -> hinted value (see solve.add_hint)
        self.pins = None  # rules.pins.Pins: the previous roster of a repair (set by solve.build_model)
        self.pin_plan = None  # rules.pins.Plan: what the pins unit pinned (read by solve._chosen_shifts)
        # auxiliary variables and how to compute them from the others (see derive)
        self.derived: list[
            tuple[cp_model.IntVar, Callable[[Callable[[cp_model.LinearExprT], int]], int]]
        ] = []

        horizon = scenario.horizon
        self.tz = horizon.timezone
        self.days: list[dt.date] = horizon.days
        self.n_days = len(self.days)
        self.interval_minutes = horizon.interval_minutes
        self.intervals_per_day = horizon.intervals_per_day
        self.n_intervals = self.n_days * self.intervals_per_day
        self.agents: tuple[Agent, ...] = scenario.agents
        self.shifts = scenario.shifts
        self.queues: tuple[str, ...] = tuple(q.name for q in scenario.queues)
        self.interval_starts = _interval_starts(
            self.days[0], self.n_intervals, self.interval_minutes, self.tz
        )
        self.requirement = _requirement_minutes(self, requirements)
        self.occupancy = planned_occupancy(self, requirements)

        eids = [a.employee_id for a in self.agents]
        if len(set(eids)) != len(eids):
            raise InputError("agents: employee_id values must be unique")
        self.agent_index = {eid: i for i, eid in enumerate(eids)}
        self.shift_index = {s.code: i for i, s in enumerate(self.shifts)}
        self.day_index = {d: i for i, d in enumerate(self.days)}
        self.agent_rules = [scenario.agent_rules(agent) for agent in self.agents]
        self.agent_contracts = [scenario.agent_contract(agent) for agent in self.agents]
        self.families = [shift_family(shift) for shift in self.shifts]
        self._index_time_off()
        self._create_variables()
        self._weekend_vars: dict[tuple[int, int], cp_model.IntVar] = {}

    # -- time off --------------------------------------------------------------------
    def _index_time_off(self) -> None:
        self.leave_days: dict[int, list[int]] = defaultdict(list)
        self.unavailable_days: dict[int, list[int]] = defaultdict(list)
        self.day_off_requests: dict[int, list[int]] = defaultdict(list)
        self.shift_requests: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.shift_off_requests: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.request_weight: dict[tuple[str, int, int, int | None], float] = {}  # (kind, a, d, s) -> weight
        for t in self.scenario.time_off:
            if t.employee_id not in self.agent_index:
                raise InputError(f"time_off: employee_id '{t.employee_id}' is not in agents.csv")
            if t.date not in self.day_index:
                continue  # outside the horizon: nothing to plan
            a, d = self.agent_index[t.employee_id], self.day_index[t.date]
            if t.kind == "leave":
                self.leave_days[a].append(d)
            elif t.kind == "unavailable":
                self.unavailable_days[a].append(d)
            elif t.kind == "day_off_request":
                self.day_off_requests[a].append(d)
                if t.weight is not None:
                    self.request_weight[t.kind, a, d, None] = t.weight
            elif t.kind in ("shift_request", "shift_off_request"):
                if t.shift_code not in self.shift_index:
                    raise InputError(
                        f"time_off: {t.kind} of {t.employee_id} on {t.date} names shift "
                        f"'{t.shift_code}', which is not a shift template"
                    )
                s = self.shift_index[t.shift_code]
                target = self.shift_requests if t.kind == "shift_request" else self.shift_off_requests
                target[a].append((d, s))
                if t.weight is not None:
                    self.request_weight[t.kind, a, d, s] = t.weight
            else:
                raise InputError(f"time_off: kind '{t.kind}' is not one of {', '.join(S.TIME_OFF_KINDS)}")
        for lists in (
            self.leave_days,
            self.unavailable_days,
            self.day_off_requests,
            self.shift_requests,
            self.shift_off_requests,
        ):
            for a in lists:
                lists[a] = sorted(set(lists[a]))

    def on_leave(self, a: int, d: int) -> bool:
        return d in self.leave_days.get(a, ())

    def unavailable(self, a: int, d: int) -> bool:
        return d in self.unavailable_days.get(a, ())

    def cannot_work(self, a: int, d: int) -> bool:
        """On leave, marked unavailable, or not yet employed that day: requests are moot."""
        return self.on_leave(a, d) or self.unavailable(a, d) or not self.employed(a, d)

    def employed(self, a: int, d: int) -> bool:
        return self.days[d] >= self.agents[a].start_date

    # -- variables -------------------------------------------------------------------
    def _create_variables(self) -> None:
        m = self.model
        self.agent_queues: list[tuple[str, ...]] = [
            skills.allowed_queues(agent, self.queues) for agent in self.agents
        ]
        self.y: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}
        for a, agent in enumerate(self.agents):
            for d, day in enumerate(self.days):
                day_vars = []
                for s, shift in enumerate(self.shifts):
                    y = m.new_bool_var(f"y[{agent.employee_id},{day},{shift.code}]")
                    self.y[a, d, s] = y
                    day_vars.append(y)
                w = m.new_int_var(0, len(self.shifts), f"works[{agent.employee_id},{day}]")
                m.add(sum(day_vars) == w)
                self.works[a, d] = w
        # ramp-up (wfm.activities): a new hire serves only their first skill and counts as a fraction
        self.ramp: dict[tuple[int, int], float] = {}
        for a, agent in enumerate(self.agents):
            for d, day in enumerate(self.days):
                if ramping(self.scenario, agent, day):
                    self.ramp[a, d] = ramp_fraction(self.scenario, agent, day)
        self.crew: dict[tuple[str, int, int], cp_model.IntVar] = {}
        for q in self.queues:
            skilled = sum(q in qs for qs in self.agent_queues)
            if skilled == 0:
                continue
            for d, day in enumerate(self.days):
                for s, shift in enumerate(self.shifts):
                    self.crew[q, d, s] = m.new_int_var(0, skilled, f"crew[{q},{day},{shift.code}]")

    def queues_on(self, d: int) -> list[tuple[str, ...]]:
        """The queues each agent may serve on day ``d`` (only the first skill while ramping up)."""
        day = self.days[d]
        return [
            ramp_skills(self.scenario, self.agents[a], day) if (a, d) in self.ramp else qs
            for a, qs in enumerate(self.agent_queues)
        ]

    def paid_minutes(self, a: int, days: Sequence[int]) -> cp_model.LinearExprT:
        """Paid minutes agent ``a`` works on ``days`` (a linear expression)."""
        terms = [(self.y[a, d, s], shift.paid_minutes) for d in days for s, shift in enumerate(self.shifts)]
        return cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])

    def derive(
        self, var: cp_model.IntVar, compute: Callable[[Callable[[cp_model.LinearExprT], int]], int]
    ) -> None:
        """Register how an auxiliary variable follows from the others.

        ``compute(value)`` returns the variable's value given ``value(expr)``,
        the value of any expression over earlier variables.  Hints (and the
        warm-start roster's ledger) fill auxiliaries in registration order, so
        a rule unit's own variables may depend on those registered before.
        """
        self.derived.append((var, compute))

    # -- hard rules -----------------------------------------------------------------
    def hard(self, ct: cp_model.Constraint, rule: str, agent: Agent | None, phrase: str) -> None:
        """Register a hard constraint of ``rule`` (for ``agent``, or global when None).

        ``phrase`` says the rule in the scheduler's words ("at least 11 h rest
        between shifts"); the first phrase given for a (rule, agent) is kept.
        """
        if not self.explain:
            return
        key = (rule, agent.employee_id if agent else None)
        gate = self.gates.get(key)
        if gate is None:
            who = agent.employee_id if agent else "all"
            gate = Gate(self.model.new_bool_var(f"gate[{rule},{who}]"), rule, key[1], phrase)
            self.gates[key] = gate
        ct.only_enforce_if(gate.literal)

    # -- helpers ---------------------------------------------------------------------
    def iso_weeks(self) -> list[list[int]]:
        """Day indexes grouped by ISO calendar week (Mon-Sun), in order; edge weeks may be partial."""
        weeks: dict[tuple[int, int], list[int]] = {}
        for d, day in enumerate(self.days):
            iso = day.isocalendar()
            weeks.setdefault((iso.year, iso.week), []).append(d)
        return list(weeks.values())

    def weekends(self) -> list[list[int]]:
        """Day indexes of each weekend (Saturday and Sunday of one ISO week) touching the horizon, in order."""
        out: dict[tuple[int, int], list[int]] = {}
        for d, day in enumerate(self.days):
            if day.weekday() >= 5:
                iso = day.isocalendar()
                out.setdefault((iso.year, iso.week), []).append(d)
        return list(out.values())

    def weekend_worked(self, a: int, k: int) -> cp_model.IntVar:
        """A Boolean: agent ``a`` works on weekend ``k`` of :meth:`weekends` (shared by every rule using it)."""
        var = self._weekend_vars.get((a, k))
        if var is None:
            days = self.weekends()[k]
            var = self.model.new_bool_var(f"weekend[{self.agents[a].employee_id},{self.days[days[0]]}]")
            for d in days:
                self.model.add(var >= self.works[a, d])
            self.model.add(var <= sum(self.works[a, d] for d in days))
            self._weekend_vars[a, k] = var
            works = [self.works[a, d] for d in days]
            self.derive(var, lambda value, works=works: max(value(w) for w in works))
        return var

    def shifts_of_family(self, family: str) -> list[int]:
        return [s for s, f in enumerate(self.families) if f == family]

    def agent_label(self, a: int) -> str:
        agent = self.agents[a]
        return f"{agent.employee_id} {agent.name}".strip()


def _interval_starts(first_day: dt.date, n: int, interval_minutes: int, tz: str) -> pd.DatetimeIndex:
    naive = pd.date_range(pd.Timestamp(first_day), periods=n, freq=f"{interval_minutes}min")
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=np.zeros(n, dtype=bool))


def wall_clock_offsets(ds: pd.Series, first_day: dt.date, tz: str) -> np.ndarray:
    """Minutes after midnight of ``first_day`` (wall clock) of each timestamp in ``ds``."""
    stamps = pd.to_datetime(ds)
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    delta = stamps - pd.Timestamp(first_day)
    return (delta / pd.Timedelta(minutes=1)).to_numpy(dtype=float)


def _requirement_minutes(rm: RosterModel, requirements: pd.DataFrame) -> dict[str, np.ndarray]:
    """Gross requirement per queue and interval, in agent-minutes (``agents * interval_minutes``).

    Rows outside the horizon are ignored; missing intervals require nobody.
    Fractional requirements are kept to the minute.
    """
    missing = [c for c in (S.QUEUE, S.DS, S.AGENTS_REQUIRED_GROSS) if c not in requirements.columns]
    if missing:
        raise InputError(f"requirements: missing column(s) {', '.join(missing)}")
    grid = {q: np.zeros(rm.n_intervals, dtype=np.int64) for q in rm.queues}
    if requirements.empty:
        return grid
    unknown = sorted(set(requirements[S.QUEUE]) - set(rm.queues))
    if unknown:
        raise InputError(
            f"requirements: queue(s) {', '.join(map(str, unknown))} are not queues in scenario.toml "
            f"(queues: {', '.join(rm.queues)})"
        )
    offsets = wall_clock_offsets(requirements[S.DS], rm.days[0], rm.tz)
    if np.any(np.mod(offsets, rm.interval_minutes) != 0):
        raise InputError(
            f"requirements: some ds values are not on the {rm.interval_minutes}-minute interval grid"
        )
    t = (offsets // rm.interval_minutes).astype(np.int64)
    inside = (t >= 0) & (t < rm.n_intervals)
    values = requirements[S.AGENTS_REQUIRED_GROSS].to_numpy(dtype=float)
    if np.any(np.isnan(values[inside])) or np.any(values[inside] < 0):
        raise InputError("requirements: agents_required_gross must be a non-negative number in every row")
    frame = pd.DataFrame({"q": requirements[S.QUEUE].to_numpy()[inside], "t": t[inside], "v": values[inside]})
    if frame.duplicated(["q", "t"]).any():
        raise InputError("requirements: more than one row for the same queue and ds")
    for q, part in frame.groupby("q", sort=True):
        grid[q][part["t"].to_numpy()] = np.round(part["v"].to_numpy() * rm.interval_minutes).astype(np.int64)
    return grid


def planned_occupancy(rm, requirements: pd.DataFrame) -> dict[str, np.ndarray] | None:
    """Planned occupancy per queue and interval (0 where nothing is planned), or None without the column."""
    if S.OCCUPANCY not in requirements.columns or requirements.empty:
        return None
    grid = {q: np.zeros(rm.n_intervals, dtype=float) for q in rm.queues}
    offsets = wall_clock_offsets(requirements[S.DS], rm.days[0], rm.tz)
    t = (offsets // rm.interval_minutes).astype(np.int64)
    values = pd.to_numeric(requirements[S.OCCUPANCY], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    inside = (t >= 0) & (t < rm.n_intervals)
    for q, tt, v in zip(requirements[S.QUEUE].to_numpy()[inside], t[inside], values[inside], strict=True):
        if q in grid:
            grid[q][tt] = v
    return grid


__all__ = ["SCALE", "Gate", "RosterModel", "RuleUnit", "describe_dates", "wall_clock_offsets"]
