"""Breaks and lunches inside every shift, placed by optimisation against coverage.

The rule in the scheduler's words: every shift gets the paid breaks and the
unpaid lunch its ``[[breaks]]`` rule sets (:class:`~wfm.schema.BreakRule`),
each starting on the 15-minute grid, none in the first ``min_offset_minutes``
of the shift or ending in its last ``min_before_end_minutes``, the lunch
inside its ``lunch_window``, with at least ``min_gap_minutes`` on the phone
between two of them; and they are placed where the queues miss the agent
least, so breaks of agents on the same shift are staggered when coverage is
tight.

Decomposition (stated honestly).  The month's shifts are solved first
(:mod:`wfm.roster.solve`) with each lunch at its planned place
(:func:`wfm.roster.shifts.lunch_window`) and without the paid breaks; then
the model here places every break and lunch of the month on the fixed
shifts, against the same per-interval requirement and the same convex
shortfall tiers and over-staffing cost as :mod:`wfm.roster.rules.coverage`
(its pricing is reused, not repeated).  This is how commercial WFM tools
schedule intraday activities.  The second stage is exact for its part: given
the shifts, CP-SAT minimises the coverage cost of the placement, and days not
linked by a shift running past midnight are independent models, solved one
after another (exact, because coverage couples agents only within an
interval).  What the decomposition gives up is the shifts reacting to where
breaks can go; the shift stage counts the lunch at its planned place, so the
on-phone time it plans with is close to the final one.

Model (one per group of linked days).  For every block of every working
agent-day, one Boolean per candidate start (exactly one is chosen).  Spacing
and non-overlap: each block's interval extended by ``min_gap_minutes`` must be
disjoint from the others of the same agent-day, which is one at-most-one
constraint per 15-minute slot of the shift; equal breaks are ordered to break
symmetry.  Coverage per queue and interval: the agents' shift minutes in the
interval less the minutes of their blocks in it, priced by
:class:`~wfm.roster.penalties.TieredShortfall`.  A greedy placement (each block
at its cheapest start given the blocks placed before it, then rounds of local
search re-placing each agent-day against all the others) is the solution hint,
and is kept when the time left for a model is too short for CP-SAT
(``MIN_SOLVE_SECONDS``) or CP-SAT improves nothing in it.  A day of the demo
(about 90 agents) presolves in about a second and is proved optimal in a few
on two cores; with the default share of the time limit most days keep a
CP-SAT-improved greedy placement without proof, and ``placement.bound``
says how far from optimal the result can be.

This module is also where the block geometry lives (the rule a shift follows,
the candidate starts, a default placement), so that the roster frames, the
benchmark and validation share it.  It imports ortools only inside
:func:`place_breaks`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import schema as S
from wfm.schema import BreakRule, PlacementInfo, Scenario, ShiftTemplate

log = logging.getLogger(__name__)

GRID_MINUTES = 15
"""Every break and lunch starts on this grid (wall clock)."""
GREEDY_ROUNDS = 4
"""Local-search rounds after the greedy placement (each re-places every agent-day once)."""
MIN_SOLVE_SECONDS = 0.3
"""Below this much time left for a model, its greedy placement is kept without CP-SAT."""
MINUTES_PER_DAY = 24 * 60
SEARCH_NODES = 50_000
"""Most partial placements tried for one agent-day before it is declared impossible."""


# ---------------------------------------------------------------------------
# Geometry: which rule, which starts
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """An off-phone block inside a shift: ``offset_minutes`` after the shift start, lasting ``minutes``.

    ``activity`` is BREAK (paid) or LUNCH (unpaid) from the ``[[breaks]]``
    rule, or TRAINING, MENTORING or WELLBEING (paid; ``detail`` says which
    course, coaching or session; see :mod:`wfm.roster.intraday`).
    """

    activity: str
    offset_minutes: int
    minutes: int
    detail: str = ""

    @property
    def paid(self) -> bool:
        return self.activity != "LUNCH"

    @property
    def end_offset(self) -> int:
        return self.offset_minutes + self.minutes


@dataclass(frozen=True)
class BlockSpec:
    """One block a shift needs, with every start it may take (minutes after the shift start).

    ``relief`` blocks (breaks, lunch) keep the rule's ``min_gap_minutes`` on the
    phone between each other; activities (training, coaching, sessions) only
    must not overlap anything.
    """

    activity: str
    minutes: int
    candidates: tuple[int, ...]
    relief: bool = True
    detail: str = ""


def rule_for(shift: ShiftTemplate, rules: Sequence[BreakRule]) -> BreakRule | None:
    """The ``[[breaks]]`` rule ``shift`` follows, or None.

    A rule applies when the shift's span (paid + unpaid minutes) is at least
    its ``min_shift_minutes`` and its ``shifts`` list is empty or names the
    shift.  A rule naming the shift wins over general rules; then the longest
    ``min_shift_minutes`` wins.

    >>> rules = [BreakRule(240, (15,)), BreakRule(480, (15, 15), 60)]
    >>> rule_for(ShiftTemplate("D", dt.time(9), 480, 60), rules).breaks
    (15, 15)
    >>> rule_for(ShiftTemplate("P", dt.time(9), 240), rules).breaks
    (15,)
    >>> rule_for(ShiftTemplate("Q", dt.time(9), 180), rules) is None
    True
    """
    applying = [
        r
        for r in rules
        if shift.length_minutes >= r.min_shift_minutes and (not r.shifts or shift.code in r.shifts)
    ]
    if not applying:
        return None
    return max(applying, key=_precedence)


def _precedence(rule: BreakRule) -> tuple[bool, int]:
    return bool(rule.shifts), rule.min_shift_minutes


def block_specs(shift: ShiftTemplate, rule: BreakRule) -> list[BlockSpec]:
    """The blocks ``rule`` puts in ``shift`` (breaks in the rule's order, then the lunch) and their candidate starts."""
    specs = []
    wanted = [("BREAK", m) for m in rule.breaks]
    if rule.lunch_minutes > 0:
        wanted.append(("LUNCH", rule.lunch_minutes))
    for activity, minutes in wanted:
        last = shift.length_minutes - rule.min_before_end_minutes - minutes
        first = -(-rule.min_offset_minutes // GRID_MINUTES) * GRID_MINUTES
        starts = []
        for offset in range(first, last + 1, GRID_MINUTES):
            if activity == "LUNCH" and rule.lunch_window is not None:
                w0, w1 = rule.lunch_window
                at = (shift.start_minute + offset) % MINUTES_PER_DAY
                if not (w0 <= at and at + minutes <= w1):
                    continue
            starts.append(offset)
        specs.append(BlockSpec(activity, minutes, tuple(starts)))
    return specs


def rule_specs(shift: ShiftTemplate, rule: BreakRule | None) -> list[BlockSpec]:
    """The relief blocks ``shift`` needs: its rule's (:func:`block_specs`) or, without a rule, its lunch at the fixed place."""
    if rule is not None:
        return block_specs(shift, rule)
    if shift.unpaid_minutes:
        from wfm.roster.shifts import lunch_window

        return [BlockSpec("LUNCH", shift.unpaid_minutes, (lunch_window(shift)[0],))]
    return []


def _equal_pairs(specs: Sequence[BlockSpec]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of consecutive identical blocks: i is placed before j (symmetry)."""
    pairs = []
    for j, b in enumerate(specs):
        for i in range(j - 1, -1, -1):
            if specs[i] == b:
                pairs.append((i, j))
                break
    return pairs


def feasible_blocks(shift: ShiftTemplate, rule: BreakRule) -> tuple[Block, ...] | None:
    """A placement keeping every part of ``rule`` in ``shift`` (each block as early as it can be), or None.

    For a fixed order of the blocks, placing each at its earliest allowed
    start leaves the most room for the next, so trying every order decides
    whether the rule can hold at all.
    """
    specs = block_specs(shift, rule)
    seen = set()
    for order in itertools.permutations(range(len(specs))):
        key = tuple((specs[i].activity, specs[i].minutes) for i in order)
        if key in seen:
            continue
        seen.add(key)
        placed, ready = [], -math.inf
        for i in order:
            start = next((c for c in specs[i].candidates if c >= ready), None)
            if start is None:
                break
            placed.append(Block(specs[i].activity, start, specs[i].minutes))
            ready = start + specs[i].minutes + rule.min_gap_minutes
        else:
            return tuple(sorted(placed, key=lambda b: b.offset_minutes))
    return None


def rule_problems(shift: ShiftTemplate, rule: BreakRule, blocks: Sequence[Block]) -> list[str]:
    """What ``blocks`` break of ``rule`` inside ``shift``, in words (empty: they keep it)."""
    specs = block_specs(shift, rule)
    problems = []
    want = sorted((s.activity, s.minutes) for s in specs)
    have = sorted((b.activity, b.minutes) for b in blocks)
    if want != have:
        problems.append(f"needs {_describe(want)}, has {_describe(have)}")
    allowed = {(s.activity, s.minutes): set(s.candidates) for s in specs}
    for b in blocks:
        if b.offset_minutes not in allowed.get((b.activity, b.minutes), set()):
            problems.append(f"{b.activity} at +{b.offset_minutes} min is not an allowed start")
    ordered = sorted(blocks, key=lambda b: b.offset_minutes)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.offset_minutes < a.end_offset + rule.min_gap_minutes:
            problems.append(f"{a.activity} and {b.activity} are less than {rule.min_gap_minutes} min apart")
    return problems


def _describe(blocks: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{a} {m} min" for a, m in blocks) or "no breaks"


def default_blocks(shift: ShiftTemplate, rule: BreakRule | None) -> tuple[Block, ...]:
    """Fixed-offset placement: the blocks evenly spread over the shift, the lunch in the middle.

    With ``n`` blocks, block ``k`` is centred at ``k / (n + 1)`` of the shift
    (start rounded down to the 15-minute grid): two breaks and a lunch in a
    9-hour shift sit at about start + 2 h, mid-shift and end - 2.5 h.  This is
    the naive baseline of ``benchmarks/intraday.py`` and what a roster gets
    before (or without) the placement stage; when it breaks the rule (a lunch
    window, say), the earliest placement keeping the rule is used instead.

    >>> rule = BreakRule(480, (15, 15), 60)
    >>> [(b.activity, b.offset_minutes) for b in default_blocks(ShiftTemplate("D", dt.time(9), 480, 60), rule)]
    [('BREAK', 120), ('LUNCH', 240), ('BREAK', 390)]
    """
    if rule is None:
        return ()
    specs = block_specs(shift, rule)
    breaks = [s for s in specs if s.activity == "BREAK"]
    lunch = [s for s in specs if s.activity == "LUNCH"]
    half = (len(breaks) + 1) // 2
    ordered = breaks[:half] + lunch + breaks[half:]
    n = len(ordered)
    blocks = []
    for k, spec in enumerate(ordered, start=1):
        centre = shift.length_minutes * k / (n + 1)
        start = int((centre - spec.minutes / 2) // GRID_MINUTES) * GRID_MINUTES
        blocks.append(Block(spec.activity, start, spec.minutes))
    if not rule_problems(shift, rule, blocks):
        return tuple(blocks)
    fallback = feasible_blocks(shift, rule)
    if fallback is None:
        raise S.InputError(f"shift {shift.code}: its [[breaks]] rule cannot be kept (see wfm validate)")
    return fallback


def phone_minutes(
    shift: ShiftTemplate, blocks: Sequence[Block], interval_minutes: int, fraction: float = 1.0
) -> dict[int, int]:
    """On-phone minutes of ``shift`` per interval offset from its day's midnight, less ``blocks``.

    An agent counting for ``fraction`` of an agent (ramp-up) counts
    ``ramp_minutes`` of the shift's minutes less ``ramp_minutes`` of each
    block's, per interval (:func:`wfm.activities.ramp_minutes`).

    >>> phone_minutes(ShiftTemplate("P", dt.time(9), 120), [Block("BREAK", 60, 15)], 30)
    {18: 30, 19: 30, 20: 15, 21: 30}
    """
    minutes = {
        t: _counted(m, fraction)
        for t, m in _span_minutes(shift.start_minute, shift.end_minute, interval_minutes).items()
    }
    for b in blocks:
        start = shift.start_minute + b.offset_minutes
        for t, m in _span_minutes(start, start + b.minutes, interval_minutes).items():
            minutes[t] -= _counted(m, fraction)
    return {t: m for t, m in sorted(minutes.items()) if m > 0}


def _span_minutes(start: int, end: int, interval_minutes: int) -> dict[int, int]:
    """Minutes of ``[start, end)`` per interval index."""
    out: dict[int, int] = {}
    t = start // interval_minutes
    while t * interval_minutes < end:
        overlap = min(end, (t + 1) * interval_minutes) - max(start, t * interval_minutes)
        if overlap > 0:
            out[t] = overlap
        t += 1
    return out


def check_rules(scenario_shifts: Sequence[ShiftTemplate], rules: Sequence[BreakRule]) -> list[str]:
    """Problems of a set of ``[[breaks]]`` rules against the shift templates (for validation), in words."""
    problems = []
    for i, a in enumerate(rules):
        for b in rules[i + 1 :]:
            if _precedence(a) == _precedence(b) and set(a.shifts) == set(b.shifts):
                problems.append(
                    f"[[breaks]]: two rules with min_shift_minutes = {a.min_shift_minutes}"
                    + (f" for shifts {', '.join(a.shifts)}" if a.shifts else "")
                    + "; which one applies would be ambiguous"
                )
    if problems:
        return problems
    for shift in scenario_shifts:
        rule = rule_for(shift, rules)
        where = f"[[shifts]] '{shift.code}' ({shift.length_minutes} min)"
        if rule is None:
            if shift.unpaid_minutes:
                problems.append(
                    f"{where}: has {shift.unpaid_minutes} unpaid minutes (its lunch) but no [[breaks]] rule applies; "
                    f"add a rule with min_shift_minutes <= {shift.length_minutes} and "
                    f"lunch_minutes = {shift.unpaid_minutes}"
                )
            continue
        rname = f"the [[breaks]] rule with min_shift_minutes = {rule.min_shift_minutes}"
        if rule.lunch_minutes != shift.unpaid_minutes:
            problems.append(
                f"{where}: {rname} has lunch_minutes = {rule.lunch_minutes}, but the shift has "
                f"unpaid_minutes = {shift.unpaid_minutes}; they must be equal"
            )
            continue
        if feasible_blocks(shift, rule) is None:
            window = ""
            if rule.lunch_window is not None and rule.lunch_minutes:
                w0, w1 = rule.lunch_window
                window = f", the lunch inside {_clock(w0)}-{_clock(w1)}"
            problems.append(
                f"{where}: {rname} cannot be kept: its breaks ({', '.join(map(str, rule.breaks)) or 'none'} min) "
                f"and lunch ({rule.lunch_minutes} min) do not fit between {rule.min_offset_minutes} min after the "
                f"start ({_clock(shift.start_minute)}) and {rule.min_before_end_minutes} min before the end "
                f"({_clock(shift.end_minute)}) with {rule.min_gap_minutes} min between them{window}; "
                "shorten the offsets or the gap, widen the window, or limit the rule to other shifts (shifts = [...])"
            )
    return problems


def _clock(minute: int) -> str:
    m = minute % MINUTES_PER_DAY
    return f"{m // 60:02d}:{m % 60:02d}"


# ---------------------------------------------------------------------------
# The placement model
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """The interval grid and the requirement (agent-minutes per queue and interval) the placement prices."""

    days: list[dt.date]
    interval_minutes: int
    intervals_per_day: int
    n_intervals: int
    interval_starts: pd.DatetimeIndex
    queues: tuple[str, ...]
    requirement: dict[str, np.ndarray] = field(repr=False)
    occupancy: dict[str, np.ndarray] | None = field(
        default=None, repr=False
    )  # planned, per queue and interval

    @classmethod
    def of_model(cls, rm) -> Grid:
        """The grid of a built :class:`~wfm.roster.model.RosterModel`."""
        return cls(
            rm.days,
            rm.interval_minutes,
            rm.intervals_per_day,
            rm.n_intervals,
            rm.interval_starts,
            rm.queues,
            rm.requirement,
            getattr(rm, "occupancy", None),
        )

    @classmethod
    def of_scenario(cls, scenario: Scenario, requirements: pd.DataFrame) -> Grid:
        """The grid of ``scenario`` with ``requirements`` (queue, ds, agents_required_gross)."""
        from types import SimpleNamespace

        from wfm.roster.model import _interval_starts, _requirement_minutes, planned_occupancy

        h = scenario.horizon
        days = h.days
        n = len(days) * h.intervals_per_day
        ns = SimpleNamespace(
            days=days,
            tz=h.timezone,
            interval_minutes=h.interval_minutes,
            n_intervals=n,
            queues=tuple(q.name for q in scenario.queues),
        )
        return cls(
            days,
            h.interval_minutes,
            h.intervals_per_day,
            n,
            _interval_starts(days[0], n, h.interval_minutes, h.timezone),
            ns.queues,
            _requirement_minutes(ns, requirements),
            planned_occupancy(ns, requirements),
        )


@dataclass(frozen=True)
class Work:
    """A worked agent-day the placement sees: who, which day (index), which shift, which queue."""

    employee_id: str
    day: int
    shift: ShiftTemplate
    queue: str
    fraction: float = 1.0  # share of an agent the worker counts for in coverage (ramp-up)
    extra: tuple[BlockSpec, ...] = ()  # onboarding, recovery and sessions (wfm.roster.intraday)


@dataclass(frozen=True)
class BreakPlacement:
    """The placed blocks and what they cost.

    ``blocks[(employee_id, date)]``: the blocks of each worked day with a rule.
    ``ledger``: the coverage rows of the penalty ledger with these blocks
    (``coverage_short`` / ``coverage_over``, as :mod:`wfm.roster.rules.coverage`
    prices them).  ``objective`` / ``bound``: coverage cost and a lower bound
    on it for these shifts (cost units).
    """

    blocks: dict[tuple[str, dt.date], tuple[Block, ...]] = field(repr=False)
    ledger: pd.DataFrame = field(repr=False)
    status: str
    objective: float
    bound: float
    wall_seconds: float
    models: int

    def info(self, other_costs: float = 0.0) -> PlacementInfo:
        """:class:`~wfm.schema.PlacementInfo` with ``other_costs`` (the non-coverage ledger) added."""
        objective, bound = self.objective + other_costs, self.bound + other_costs
        gap = max(0.0, (objective - bound) / max(1.0, abs(objective))) if math.isfinite(bound) else 1.0
        return PlacementInfo(
            status=self.status,
            objective=objective,
            bound=bound,
            gap=gap,
            wall_seconds=self.wall_seconds,
            models=self.models,
            blocks=sum(len(b) for b in self.blocks.values()),
        )


def works_of(scenario: Scenario, assignments: pd.DataFrame, queues: pd.DataFrame | None = None) -> list[Work]:
    """The worked agent-days of a roster: ``assignments`` (employee_id, date, shift_code) with a queue.

    The queue comes from ``assignments[queue]`` or, when ``queues`` is given,
    from its SHIFT rows (an HR_Import frame).
    """
    day_index = {d: i for i, d in enumerate(scenario.horizon.days)}
    templates = {s.code: s for s in scenario.shifts}
    frame = assignments
    if queues is not None:
        shifts = queues[queues[S.ACTIVITY] == "SHIFT"][[S.EMPLOYEE_ID, S.DATE, S.QUEUE]]
        frame = assignments.drop(columns=[S.QUEUE], errors="ignore").merge(shifts, on=[S.EMPLOYEE_ID, S.DATE])
    out = []
    for eid, day, code, q in zip(
        frame[S.EMPLOYEE_ID], frame[S.DATE], frame[S.SHIFT_CODE], frame[S.QUEUE], strict=True
    ):
        if code in templates and day in day_index:
            out.append(Work(str(eid), day_index[day], templates[code], str(q)))
    return out


def place_breaks(
    scenario: Scenario,
    grid: Grid,
    works: Sequence[Work],
    *,
    time_limit_seconds: float,
    workers: int = 1,
    seed: int = 0,
    deterministic: bool = False,
    optimise: bool = True,
) -> BreakPlacement:
    """Place every break and lunch of ``works`` (the solved shifts) against coverage.

    ``time_limit_seconds`` is shared by the independent models in proportion
    to their size (time left over by one goes to the next).  ``workers``,
    ``seed`` and ``deterministic`` are passed to CP-SAT as in
    :func:`wfm.roster.solve.solve_roster`.  With ``optimise=False`` no model
    is solved: every shift gets :func:`default_blocks` (the fixed-offset
    baseline), priced the same way.
    """
    from ortools.sat.python import cp_model

    from wfm.roster.penalties import SCALE, ledger_frame
    from wfm.roster.solve import _solver

    started = time.perf_counter()
    rules = scenario.break_rules
    by_shift = {s.code: rule_for(s, rules) for s in scenario.shifts}
    components = _linked_days(grid, works)
    stamps = list(grid.interval_starts)
    total_size = sum(len(c[1]) for c in components) or 1
    placed: dict[int, tuple[Block, ...]] = {}
    ledgers, statuses = [], []
    objective = bound = 0.0
    building, done = 0.0, 0  # seconds spent outside CP-SAT (models, greedy) and works processed
    for k, (days, members) in enumerate(components):
        built_from = time.perf_counter()
        unit = _Unit(scenario, grid, [works[i] for i in members], by_shift, days, stamps)
        if not optimise:
            chosen, status, comp_bound = unit.baseline(), "FIXED", None
        elif not unit.has_choices():
            chosen, status, comp_bound = unit.baseline(), "OPTIMAL", None
        else:
            chosen, status, comp_bound = unit.greedy(), "FEASIBLE", unit.simple_bound(SCALE)
            if deterministic:
                limit = time_limit_seconds * len(members) / total_size
            else:  # the time left, less the building still to come, shared in proportion to size
                now = time.perf_counter()
                building += now - built_from
                done += len(members)
                later = sum(len(c[1]) for c in components[k + 1 :])
                remaining = time_limit_seconds - (now - started) - building / done * later
                limit = remaining * len(members) / (len(members) + later)
            if deterministic or limit >= MIN_SOLVE_SECONDS:
                chosen, status, solved_bound = unit.solve(
                    chosen, limit, workers, seed, deterministic, cp_model, _solver, SCALE
                )
                comp_bound = max(comp_bound, solved_bound) if solved_bound is not None else comp_bound
        for i, blocks in zip(members, chosen, strict=True):
            placed[i] = blocks
        ledger = unit.ledger(chosen)
        cost = float(ledger["cost"].sum()) if len(ledger) else 0.0
        ledgers.append(ledger)
        statuses.append(status)
        objective += cost
        if status == "OPTIMAL":
            bound += cost
        else:
            bound += min(cost, comp_bound) if comp_bound is not None else 0.0
    status = _combined_status(statuses)
    if not optimise:
        bound = -math.inf
    ledger = (
        pd.concat([g for g in ledgers if len(g)], ignore_index=True)
        if any(len(g) for g in ledgers)
        else (ledger_frame([], lambda e: 0))
    )
    blocks = {(w.employee_id, grid.days[w.day]): placed[i] for i, w in enumerate(works) if placed.get(i)}
    wall = time.perf_counter() - started
    log.info(
        "breaks: %d blocks in %d models, %s, coverage cost %.2f bound %.2f in %.1f s",
        sum(len(b) for b in blocks.values()),
        len(components),
        status,
        objective,
        bound,
        wall,
    )
    return BreakPlacement(blocks, ledger, status, objective, bound, wall, len(components))


def _combined_status(statuses: Sequence[str]) -> str:
    if not statuses or all(s == "OPTIMAL" for s in statuses):
        return "OPTIMAL"
    if all(s == "FIXED" for s in statuses):
        return "FIXED"
    return "FEASIBLE"


def _linked_days(grid: Grid, works: Sequence[Work]) -> list[tuple[list[int], list[int]]]:
    """Groups of days linked by a shift running into the next day: ``(days, indexes of works)``, in day order."""
    parent = list(range(len(grid.days)))

    def find(d: int) -> int:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for w in works:
        if w.shift.end_minute > MINUTES_PER_DAY and w.day + 1 < len(grid.days):
            last = min(len(grid.days) - 1, w.day + (w.shift.end_minute - 1) // MINUTES_PER_DAY)
            for d in range(w.day, last):
                parent[find(d + 1)] = find(d)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for d in range(len(grid.days)):
        groups.setdefault(find(d), ([], []))[0].append(d)
    for i, w in enumerate(works):
        groups[find(w.day)][1].append(i)
    return sorted(groups.values(), key=lambda g: g[0][0])


_TIERED: list[type] = []  # penalties.TieredShortfall, imported lazily (this module loads without ortools)


class _Unit:
    """The placement model of one group of linked days."""

    def __init__(self, scenario: Scenario, grid: Grid, works: list[Work], by_shift, days: list[int], stamps):
        from wfm.roster.penalties import TieredShortfall
        from wfm.roster.rules.coverage import tiers_and_over

        _TIERED[:] = [TieredShortfall]
        self.grid = grid
        self.stamps = stamps  # interval start timestamps, as a list (indexing a DatetimeIndex is slow)
        self.works = works
        self.days = set(days)
        self.rules = [by_shift.get(w.shift.code) for w in works]
        self.specs = [rule_specs(w.shift, r) + list(w.extra) for w, r in zip(works, self.rules, strict=True)]
        self.gaps = [r.min_gap_minutes if r is not None else 0 for r in self.rules]
        self.max_run = scenario.wellbeing.max_continuous_phone_minutes
        self.tiers, self.over_coeff = tiers_and_over(scenario.weights, grid.interval_minutes)
        iv, ipd = grid.interval_minutes, grid.intervals_per_day
        # base[q, t]: shift minutes in interval t (everyone on the phone); each block takes its minutes off
        self.base: dict[tuple[str, int], int] = defaultdict(int)
        for w in works:
            for k, m in _span_minutes(w.shift.start_minute, w.shift.end_minute, iv).items():
                t = w.day * ipd + k
                if t < grid.n_intervals:
                    self.base[w.queue, t] += _counted(m, w.fraction)
        # cuts[i][b][c]: {t: minutes} the block b of work i takes from interval t at candidate c
        self.cuts: list[list[list[dict[int, int]]]] = []
        for w, specs in zip(works, self.specs, strict=True):
            per_block = []
            for spec in specs:
                per_cand = []
                for c in spec.candidates:
                    start = w.shift.start_minute + c
                    cut = {
                        w.day * ipd + k: _counted(m, w.fraction)
                        for k, m in _span_minutes(start, start + spec.minutes, iv).items()
                        if w.day * ipd + k < grid.n_intervals
                    }
                    per_cand.append(cut)
                per_block.append(per_cand)
            self.cuts.append(per_block)
        self._intervals: list[tuple[str, int]] | None = None
        self._pricing = dict(zip(self.intervals(), self._penalties(None, {}), strict=True))
        self._prices: dict[tuple[str, int, int], int] = {}

    def has_choices(self) -> bool:
        return any(len(spec.candidates) > 1 for specs in self.specs for spec in specs)

    def intervals(self) -> list[tuple[str, int]]:
        """The (queue, interval) pairs priced: someone required or someone working."""
        if self._intervals is None:
            ipd = self.grid.intervals_per_day
            keys = []
            for q in self.grid.queues:
                req = self.grid.requirement[q]
                for d in sorted(self.days):
                    for t in range(d * ipd, min((d + 1) * ipd, self.grid.n_intervals)):
                        if req[t] > 0 or self.base.get((q, t), 0) > 0:
                            keys.append((q, t))
            self._intervals = keys
        return self._intervals

    # -- pricing -----------------------------------------------------------------------
    def _penalties(self, model, drivers: dict[tuple[str, int], object]) -> list:
        """Coverage penalties as :mod:`wfm.roster.rules.coverage` builds them.

        ``drivers[q, t]`` is a linear expression (``model`` given) or a
        constant; intervals without an entry have their base minutes.
        """
        from wfm.roster.penalties import Label, LinearPenalty, TieredShortfall
        from wfm.roster.rules.coverage import OVER, SHORT

        iv = self.grid.interval_minutes
        out = []
        for q, t in self.intervals():
            target = int(self.grid.requirement[q][t])
            driver = drivers.get((q, t), self.base.get((q, t), 0))
            constant = isinstance(driver, (int, np.integer))
            ds = self.stamps[t]
            short_label, over_label = (
                Label(SHORT, "agents", queue=q, ds=ds),
                Label(OVER, "agents", queue=q, ds=ds),
            )
            if target == 0:
                out.append(
                    LinearPenalty(
                        over_label, int(driver) if constant else driver, self.over_coeff, base_per_unit=iv
                    )
                )
            else:
                out.append(
                    TieredShortfall(
                        short_label,
                        over_label,
                        driver,
                        target,
                        self.tiers,
                        self.over_coeff,
                        base_per_unit=iv,
                        model=model,
                        constant_driver=int(driver) if constant else None,
                        key=(q, t),
                    )
                )
        return out

    def _price(self, key: tuple[str, int], value: int) -> int:
        """Scaled cost of interval ``key`` at driver ``value``, by the coverage penalty's own pricing (memoised)."""
        memo = (key[0], key[1], value)
        cost = self._prices.get(memo)
        if cost is None:
            p = self._pricing.get(key)
            if p is None:
                cost = 0
            elif isinstance(p, _TIERED[0]):
                cost = p._cost(value)
            else:  # LinearPenalty: over-staffing where nobody is required
                cost = p.coeff * value
            self._prices[memo] = cost
        return cost

    def values(self, chosen: Sequence[tuple[Block, ...]]) -> dict[tuple[str, int], int]:
        """On-phone minutes per (queue, interval) with the blocks ``chosen``."""
        values = dict(self.base)
        iv, ipd = self.grid.interval_minutes, self.grid.intervals_per_day
        for w, blocks in zip(self.works, chosen, strict=True):
            for b in blocks:
                start = w.shift.start_minute + b.offset_minutes
                for k, m in _span_minutes(start, start + b.minutes, iv).items():
                    t = w.day * ipd + k
                    if t < self.grid.n_intervals:
                        values[w.queue, t] -= _counted(m, w.fraction)
        return values

    def ledger(self, chosen: Sequence[tuple[Block, ...]]) -> pd.DataFrame:
        """The coverage rows of the ledger with the blocks ``chosen``."""
        from wfm.roster.penalties import ledger_frame

        values = self.values(chosen)
        penalties = self._penalties(None, {k: int(values.get(k, 0)) for k in self.intervals()})
        return ledger_frame(penalties, lambda expr: expr)

    # -- the fixed-offset baseline and the greedy ----------------------------------------
    def baseline(self) -> list[tuple[Block, ...]]:
        """The fixed-offset placement: the rule's blocks at :func:`default_blocks`, activities at their earliest place."""
        out = []
        for i, (w, r) in enumerate(zip(self.works, self.rules, strict=True)):
            if r is not None:
                default = default_blocks(w.shift, r)
            else:  # the lunch at its fixed place
                default = tuple(
                    Block(sp.activity, sp.candidates[0], sp.minutes) for sp in rule_specs(w.shift, None)
                )
            if not w.extra:
                out.append(default)
                continue
            want = {(b.activity, b.minutes): b.offset_minutes for b in default}

            def near(b: int, c: int, i: int = i, want=want) -> tuple:
                spec = self.specs[i][b]
                return (abs(spec.candidates[c] - want.get((spec.activity, spec.minutes), 0)), c)

            out.append(self._blocks(i, self._search(i, near)))
        return out

    def greedy(self, rounds: int = GREEDY_ROUNDS) -> list[tuple[Block, ...]]:
        """Each block at its cheapest allowed start given those placed before, then rounds of local search.

        A round re-places each agent-day against all the others and keeps the
        new placement only when it costs less; rounds stop when one improves nothing.
        """
        current = dict(self.base)
        chosen: list[list[int]] = [[] for _ in self.works]
        order = sorted(
            range(len(self.works)),
            key=lambda i: (self.works[i].day, self.works[i].shift.start_minute, self.works[i].employee_id),
        )

        def apply(i: int, picks: list[int], sign: int) -> None:
            q = self.works[i].queue
            for b, c in enumerate(picks):
                for t, m in self.cuts[i][b][c].items():
                    current[q, t] -= sign * m

        for i in order:
            chosen[i] = self._greedy_one(i, current)
            apply(i, chosen[i], +1)
        for _ in range(rounds):
            improved = False
            for i in order:
                if not chosen[i]:
                    continue
                apply(i, chosen[i], -1)
                new = self._greedy_one(i, current)
                if new != chosen[i] and self._delta(i, new, current) < self._delta(i, chosen[i], current):
                    chosen[i], improved = new, True
                apply(i, chosen[i], +1)
            if not improved:
                break
        return [self._blocks(i, picks) for i, picks in enumerate(chosen)]

    def simple_bound(self, scale: int) -> float:
        """A lower bound on the coverage cost (cost units): each interval at its best reachable on-phone minutes.

        Every agent may be away from an interval for at most the sum, over
        their blocks, of the most minutes a block can take from it; the cost is
        convex in the on-phone minutes, so each interval costs at least its
        price at the reachable value nearest the requirement.
        """
        most_cut: dict[tuple[str, int], int] = defaultdict(int)
        for w, per_block in zip(self.works, self.cuts, strict=True):
            for per_cand in per_block:
                worst: dict[int, int] = {}
                for cut in per_cand:
                    for t, m in cut.items():
                        worst[t] = max(worst.get(t, 0), m)
                for t, m in worst.items():
                    most_cut[w.queue, t] += m
        total = 0
        for key in self.intervals():
            hi = self.base.get(key, 0)
            lo = hi - most_cut.get(key, 0)
            target = int(self.grid.requirement[key[0]][key[1]])
            total += self._price(key, min(hi, max(lo, target)))
        return total / scale

    def _delta(self, i: int, picks: Sequence[int], current: dict) -> int:
        """Scaled cost the blocks ``picks`` of agent-day ``i`` add, given everyone else (``current``)."""
        q = self.works[i].queue
        cut: dict[int, int] = defaultdict(int)
        for b, c in enumerate(picks):
            for t, m in self.cuts[i][b][c].items():
                cut[t] += m
        total = 0
        for t, m in cut.items():
            v = current.get((q, t), 0)
            total += self._price((q, t), v - m) - self._price((q, t), v)
        return total

    def _greedy_one(self, i: int, current: dict) -> list[int]:
        """Each block of agent-day ``i`` at its cheapest start given everyone else, keeping every rule."""
        if not self.specs[i]:
            return []
        q = self.works[i].queue

        def cost(b: int, c: int) -> tuple:
            delta = 0
            for t, m in self.cuts[i][b][c].items():
                v = current.get((q, t), 0)
                delta += self._price((q, t), v - m) - self._price((q, t), v)
            return (delta, c)

        return self._search(i, cost)

    def _search(self, i: int, key) -> list[int]:
        """:func:`search_blocks` for agent-day ``i``; an agent-day that cannot keep its rules is an error."""
        w = self.works[i]
        picks = search_blocks(self.specs[i], self.gaps[i], w.shift.length_minutes, self.max_run, key)
        if picks is None:
            raise S.InfeasibleRosterError(
                f"{w.employee_id} on {self.grid.days[w.day]} ({w.shift.code}): the breaks, lunch and activities "
                f"({_describe([(sp.detail or sp.activity, sp.minutes) for sp in self.specs[i]])}) cannot all fit "
                "in the shift under its [[breaks]] rule"
                + (f" and the {self.max_run}-minute limit on continuous phone time" if self.max_run else "")
            )
        return picks

    def _picks(self, i: int, blocks: Sequence[Block]) -> list[int]:
        specs = self.specs[i]
        free = sorted(blocks, key=lambda b: b.offset_minutes)
        picks = []
        for spec in specs:
            blk = next(
                b
                for b in free
                if (b.activity, b.minutes, b.detail) == (spec.activity, spec.minutes, spec.detail)
                and b.offset_minutes in spec.candidates
            )
            free.remove(blk)
            picks.append(spec.candidates.index(blk.offset_minutes))
        return picks

    def _blocks(self, i: int, picks: Sequence[int]) -> tuple[Block, ...]:
        out = [
            Block(s.activity, s.candidates[c], s.minutes, s.detail)
            for s, c in zip(self.specs[i], picks, strict=True)
        ]
        return tuple(sorted(out, key=lambda b: b.offset_minutes))

    # -- CP-SAT ----------------------------------------------------------------------------
    def solve(self, greedy, limit, workers, seed, deterministic, cp_model, make_solver, scale):
        m = cp_model.CpModel()
        x: list[list[list]] = []
        terms: dict[tuple[str, int], list[tuple[object, int]]] = defaultdict(list)
        for i, (w, specs) in enumerate(zip(self.works, self.specs, strict=True)):
            per_block = []
            for b, spec in enumerate(specs):
                lits = [
                    m.new_bool_var(f"block[{w.employee_id},{self.grid.days[w.day]},{b},{c}]")
                    for c in spec.candidates
                ]
                m.add_exactly_one(lits)
                per_block.append(lits)
                for lit, cut in zip(lits, self.cuts[i][b], strict=True):
                    for t, minutes in cut.items():
                        terms[w.queue, t].append((lit, -minutes))
            x.append(per_block)
            if not specs:
                continue
            # one block at a time, and min_gap_minutes on the phone between two breaks or lunches
            gap = self.gaps[i]
            horizon = w.shift.length_minutes + gap
            families = [(0, False), (gap, True)] if gap else [(0, False)]
            step = math.gcd(GRID_MINUTES, gap, *(spec.minutes for spec in specs))
            for pad, relief_only in families:
                by_slot: dict[int, list] = defaultdict(list)
                for b, spec in enumerate(specs):
                    if relief_only and not spec.relief:
                        continue
                    for c, start in enumerate(spec.candidates):
                        for slot in range(
                            start - start % step, min(start + spec.minutes + pad, horizon), step
                        ):
                            by_slot[slot].append(per_block[b][c])
                for slot in sorted(by_slot):
                    if len(by_slot[slot]) > 1:
                        m.add_at_most_one(by_slot[slot])
            if self.max_run:
                # no stretch on the phone longer than max_run: from the shift start and from the end of
                # every block, some block starts within max_run (or the shift ends)
                length = w.shift.length_minutes
                starts = [
                    (spec.candidates[c], per_block[b][c])
                    for b, spec in enumerate(specs)
                    for c in range(len(spec.candidates))
                ]
                ends = [(0, None)] + [
                    (spec.candidates[c] + spec.minutes, per_block[b][c])
                    for b, spec in enumerate(specs)
                    for c in range(len(spec.candidates))
                ]
                for end, lit in ends:
                    if length - end <= self.max_run:
                        continue
                    nxt = [v for st, v in starts if end <= st <= end + self.max_run and v is not lit]
                    ct = m.add_bool_or(nxt) if nxt else m.add_bool_or([m.new_constant(0)])
                    if lit is not None:
                        ct.only_enforce_if(lit)
            for a, b in _equal_pairs(specs):
                start_a = cp_model.LinearExpr.weighted_sum(per_block[a], list(specs[a].candidates))
                start_b = cp_model.LinearExpr.weighted_sum(per_block[b], list(specs[b].candidates))
                m.add(start_a < start_b)
        drivers = {}
        for key, ts in terms.items():
            drivers[key] = cp_model.LinearExpr.weighted_sum(
                [v for v, _ in ts], [c for _, c in ts]
            ) + self.base.get(key, 0)
        from wfm.roster.penalties import objective_terms

        penalties = self._penalties(m, drivers)
        exprs, coeffs, offset = objective_terms(penalties)
        m.minimize(cp_model.LinearExpr.weighted_sum(exprs, coeffs) + offset)

        picks = [self._picks(i, blocks) for i, blocks in enumerate(greedy)]
        covered = dict(self.base)
        for i, (w, ps) in enumerate(zip(self.works, picks, strict=True)):
            for b, c in enumerate(ps):
                for t, minutes in self.cuts[i][b][c].items():
                    covered[w.queue, t] -= minutes
        for i, ps in enumerate(picks):
            for b, c in enumerate(ps):
                for k, lit in enumerate(x[i][b]):
                    m.add_hint(lit, k == c)
        for p in penalties:
            if isinstance(p, _TIERED[0]) and p.constant_driver is None:
                for var, value in p.hint(covered.get(p.key, 0)):
                    m.add_hint(var, value)

        solver = make_solver(limit, workers, seed, deterministic)
        # small models with a complete hint: deep presolve (probing, symmetry) costs more than it saves here
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        status = solver.solve(m)
        name = solver.status_name(status)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = [
                self._blocks(
                    i, [next(k for k, lit in enumerate(lits) if solver.boolean_value(lit)) for lits in per]
                )
                for i, per in enumerate(x)
            ]
            return chosen, name, solver.best_objective_bound / scale
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"wfm built an invalid break-placement model (a bug): {m.validate()}")
        if status == cp_model.INFEASIBLE:  # cannot happen: every agent-day alone is feasible (validated)
            raise S.InfeasibleRosterError(
                "The breaks and lunches cannot be placed inside the shifts under the [[breaks]] rules."
            )
        log.info("breaks: CP-SAT found no better placement in %.1f s; keeping the greedy one", limit)
        return greedy, "FEASIBLE", None


def _groups(pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Chains of identical blocks from :func:`_equal_pairs`."""
    nxt = dict(pairs)
    heads = set(nxt) - set(nxt.values())
    out = []
    for h in sorted(heads):
        chain = [h]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        out.append(chain)
    return out


def _counted(minutes: int, fraction: float) -> int:
    """Minutes an agent counting for ``fraction`` of an agent adds to coverage (see wfm.activities.ramp_minutes)."""
    if fraction >= 1.0:
        return minutes
    from wfm.activities import ramp_minutes

    return ramp_minutes(minutes, fraction)


def longest_phone_run(length_minutes: int, blocks: Sequence[tuple[int, int]]) -> int:
    """Longest stretch on the phone in a shift of ``length_minutes`` with off-phone ``blocks`` (offset, minutes).

    >>> longest_phone_run(540, [(120, 15), (240, 60), (420, 15)])
    120
    """
    ready, longest = 0, 0
    for start, minutes in sorted(blocks):
        longest = max(longest, start - ready)
        ready = max(ready, start + minutes)
    return max(longest, length_minutes - ready)


def search_blocks(
    specs: Sequence[BlockSpec], gap: int, length_minutes: int, max_run: int | None, key=None
) -> list[int] | None:
    """Candidate index per spec of a placement keeping every rule of one agent-day, or None when none exists.

    Depth-first over the blocks (the most constrained first), trying
    candidates in ``key(block, candidate)`` order (default: earliest first);
    the first complete placement is returned.  Overlaps and the relief
    ``gap`` are pruned as blocks are placed, the longest on-phone stretch
    (``max_run``) is checked when all are.  Identical blocks end in index
    order (the model's symmetry breaking).  Gives up (None) after
    :data:`SEARCH_NODES` partial placements.
    """
    if not specs:
        return []
    key = key or (lambda b, c: c)
    order = sorted(range(len(specs)), key=lambda b: (len(specs[b].candidates), -specs[b].minutes, b))
    ranked = {b: sorted(range(len(specs[b].candidates)), key=lambda c, b=b: key(b, c)) for b in order}
    picks: dict[int, int] = {}
    budget = [SEARCH_NODES]

    def clash(b: int, start: int) -> bool:
        spec = specs[b]
        for o, c in picks.items():
            other, s2 = specs[o], specs[o].candidates[c]
            pad = gap if spec.relief and other.relief else 0
            if start < s2 + other.minutes + pad and s2 < start + spec.minutes + pad:
                return True
        return False

    def dfs(k: int) -> bool:
        if k == len(order):
            spans = [(specs[b].candidates[c], specs[b].minutes) for b, c in picks.items()]
            return max_run is None or longest_phone_run(length_minutes, spans) <= max_run
        budget[0] -= 1
        if budget[0] < 0:
            return False
        b = order[k]
        for c in ranked[b]:
            if clash(b, specs[b].candidates[c]):
                continue
            picks[b] = c
            if dfs(k + 1):
                return True
            del picks[b]
        return False

    if not dfs(0):
        return None
    for group in _groups(_equal_pairs(specs)):
        starts = sorted(specs[b].candidates[picks[b]] for b in group)
        for b, st in zip(group, starts, strict=True):
            picks[b] = specs[b].candidates.index(st)
    return [picks[b] for b in range(len(specs))]
