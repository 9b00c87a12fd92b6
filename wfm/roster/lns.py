"""Large-neighbourhood search on the roster model: free a part of the roster, fix the rest, re-solve.

Why: CP-SAT's own LNS frees random variables or constraints of the flat
model; it does not know that a roster is made of agents and days, so most of
its neighbourhoods cut an agent's week in pieces that the sequence rules
(consecutive days, days off in a row, successions, weekends) then pin back in
place.  On the Curtois & Qu instances it was still improving every few
seconds when the time limit stopped it.  A neighbourhood that frees whole
agents or whole days for every rule at once is a small CP-SAT model the
solver explores exhaustively in a fraction of a second, and re-solving many of
them in a row is the ejection-chain idea of the benchmark's best reported
methods, with CP-SAT doing the repair.

How: one copy of the model (``model.clone()``).  Each round frees the
shift variables ``y[a, d, s]`` of a set of (agent, day) cells and fixes every
other ``y`` to the incumbent by narrowing its domain in the copy (only the
domains that change from one round to the next are written).  Everything
else -- crews, slacks, auxiliaries -- stays free and follows from the ``y``.
The incumbent is the copy's complete solution hint, so CP-SAT starts from it
and returns it or something at least as good.  A round's result is kept when
its objective is not worse (equal moves let the search walk along plateaus).

Neighbourhoods, drawn in turn:

* *agents*: a few agents, whole horizon -- repairs one agent's sequence rules
  together with the cover they give;
* *days*: a window of consecutive days for a random subset of the agents (all
  of them when the size allows) -- moves shifts between agents on the same
  days;
* *costly days*: the same, the window placed on a day drawn by its share of
  the dated penalties (cover and coverage shortfall and excess, requests):
  the search goes where the cost is;
* *idle on a costly day*: a few agents who do not work on such a day, whole
  horizon, and that day for everyone -- a shortfall one more shift would
  close often needs an agent to take it and give up a day elsewhere (their
  minutes and runs are bounded), which a window cannot do;
* *a costly day and another week*: a few agents on :data:`TWIN_WINDOW_DAYS`
  days around a costly day and on the same weekdays of another week drawn at
  random -- moves work between weeks for the rules counted over the horizon
  (weekends worked, total minutes, shifts of a type) without freeing whole
  horizons.  Why: on a Curtois 15 roster 42 of 45 agents work every weekend
  their contract allows, the first weekend is short and later ones are
  over-covered; from 10 agents on, CP-SAT cannot solve their whole horizons
  in a round (the sub-model's relaxation is too weak).  Deterministic
  search from a fixed roster, 2 streams, 8 runs on 15 and 6 on 13 and 18
  (90 s at seeds 0-1, 0-3 on 15, and 60 s at seeds 2-5), without and with
  this kind: 15 from 4,608 to a mean of 4,592 and 4,491 (best 4,511 and
  4,403); 13 from 2,239 to 2,120 and 2,101; 18 from 5,189 to 5,085 and
  5,118 (within the spread of its runs, 4,983-5,188 in both).

Sizes adapt as in CP-SAT's own LNS: a neighbourhood solved to optimality
within its time grows the next one of its kind by 10 %, one stopped by the
time limit shrinks it by 10 %.

Stalls: after :data:`STALL_ROUNDS` rounds in a row without a better roster
a round's time doubles, up to :data:`MOST_DOUBLINGS` times, and drops back at
the next improvement; as more rounds then end optimal, the sizes grow with
them.  Why: a long stall means that no neighbourhood the short limit can
solve improves the roster any more; Curtois 5 and 9 at 60 s sat one cover
unit or a few request points above the best reported for most of the run.
Seeds 0-2 at 60 s, without and with: 5 at 1,235, 1,235, 1,158 and 1,145,
1,245, 1,144; 9 at 450, 445, 457 and 456, 442, 445.

Kicks: after :data:`KICK_AFTER` rounds in a row without a better roster,
every :data:`KICK_EVERY`-th round is a kick: its neighbourhood must change
at least :data:`KICK_CHANGES` shift variables of the incumbent, and the best
roster it finds that does replaces the incumbent when it is within
:data:`KICK_SLACK` of the best roster so far, even when it is worse than the
incumbent.  The rounds between kicks improve the roster the kick left, and
the search returns the best roster it met.  Why: a roster no neighbourhood
can improve is a local optimum of every neighbourhood at once; the other way
down may first go up.  Curtois 5 settles at 12 cover shortfalls
(1,233-1,245) in about a third of the draws, and the best rosters have 11, with
different requests granted, on 14 of the 16 agents (see
benchmarks/README.md, session 10): no round can solve that many agents, but
a walk of equal or slightly worse rosters gets there.  Searches of 45 s on
the wall clock, 2 streams, from a 1,337 roster on its way into the basin:
without kicks 0 of 6 left it (1,234-1,237); with kicks of one change, 10 of
24 within 1 % of the best and 9 of 12 within 3 % ended at 1,145-1,162.  From
a 1,234 roster deep in it (within 3 %): 0 of 6 with kicks of one change (the
next round undoes them), 3 of 6 with 8 changes (1,145-1,148), 1 of 6 with
16.

Held cells: the (agent, day) cells a kept kick changed stay fixed in every
round, with those of the last :data:`TABU_KICKS` kept kicks (at most
:data:`TABU_SHARE` of the roster; the oldest kick's cells go first), until
the best roster improves.  Why: the round after a kick, free to change the
kick's cells back, often did, and the walk came back to where it started
(the tabu list of tabu search, on cells instead of moves).  From the 1,234
roster, same searches, seeds 0-11: without held cells 3 of 12 left the basin
(1,145-1,148), with them 12 of 12 (1,144-1,173; 8 within 1 % of the best).
Without the cap, the cells of three wide kicks could hold nearly every cell,
and one search then ran 1,287 rounds that could change nothing.

Streams: with ``streams=k`` (the solve's worker count) k neighbourhoods are
solved at once, each on its own thread, copy of the model and CP-SAT worker
(CP-SAT releases the GIL while it solves).  On the wall clock each stream
draws its next neighbourhood around the shared incumbent as soon as its last
one is solved, and its result replaces the incumbent when it is not worse
than the incumbent at that moment.  Deterministic runs go in steps instead:
one neighbourhood per stream, solved at once, offered in stream order, the
step costing its slowest round.  Two streams instead of one sub-solve with two
workers: Curtois 9 at 60 s ran 152 rounds instead of 88 (458 instead of 470),
and 6, 7, 9, 10, 11 all came closer to the best reported.

Time: every sub-solve gets at most :data:`ROUND_SECONDS` (or four times
what CP-SAT needs to read the copy, when that is more; doubled during a
stall, see *Stalls*) and the rounds stop at
the time limit.  With ``deterministic=True`` sub-solves count CP-SAT's
deterministic time and so does the loop, both converted from seconds with
:data:`DETERMINISTIC_UNITS_PER_SECOND`, so same inputs, incumbent and seed give the
same roster in about the wall time a wall-clock run takes.  The random
choices come from the seed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model, cp_model_helper

from wfm.roster.model import RosterModel
from wfm.roster.penalties import SCALE, LinearPenalty

log = logging.getLogger(__name__)

ROUND_SECONDS = 1.0
"""Most seconds one neighbourhood is solved for (unless reading the copy takes longer, see CALIBRATION)."""
DETERMINISTIC_UNITS_PER_SECOND = 0.3
"""CP-SAT deterministic time per second of one idle core, for every deterministic solve of wfm.

A deterministic solve is given ``seconds x`` this much deterministic time, so it takes about as long as a
wall-clock solve of the same limit.  Measured on the 2-core machines wfm is developed on: 0.23-0.25 in the
neighbourhood rounds on Curtois 10-12, 0.38 for the demo's month model and 0.32 for its day placement models.
"""
START_CELLS = 3.0
"""Starting size of a neighbourhood, in agents' horizons (times the days: cells)."""
GROW = 1.1
WINDOW_DAYS = 7
TWIN_WINDOW_DAYS = 4
"""Days of each of the two windows of the *a costly day and another week* kind."""
LINEARIZATION = 2
CALIBRATION = 4.0
KINDS = ("agents", "days", "costly days", "idle on a costly day", "a costly day and another week")
STALL_ROUNDS = 50
"""Rounds in a row without improvement after which a round's time doubles (see *Stalls* in the module docstring)."""
MOST_DOUBLINGS = 3
KICK_AFTER = 20
"""Rounds in a row without a better roster after which kicks start (see *Kicks* in the module docstring)."""
KICK_EVERY = 2
"""During a stall, every this-many-th round is a kick."""
KICK_SLACK = 0.03
"""How much worse than the best roster so far a kick's roster may be (a share of its objective)."""
KICK_CHANGES = 8
"""Shift variables a kick must change at least (a shift swapped for another on the same day changes two)."""
TABU_KICKS = 3
"""The cells the last this-many kept kicks changed stay fixed in every round until the best roster improves."""
TABU_SHARE = 0.25
"""Most of the roster's (agent, day) cells several kicks may hold fixed: past it the oldest kick's cells are let go
first (the last kick's cells are always held)."""
OPEN = 2**40
"""A bound no sum of shift variables reaches: the *differ* constraint's domain when no kick is on."""


@dataclass(frozen=True)
class LnsResult:
    """The best roster found: the value of every model variable (proto order) and its objective."""

    values: list[int]
    objective: int  # scaled, as CP-SAT's objective_value
    rounds: int
    improvements: int
    seconds: float
    kicks: int = 0  # kicks whose roster replaced the incumbent (see *Kicks*)


class _Copy:
    """The model's copy whose ``y`` domains are narrowed to fix the cells outside the neighbourhood."""

    def __init__(self, rm: RosterModel, like: _Copy | None = None):
        self.model = rm.model.clone()
        self.proto = self.model.proto
        if like is not None:
            # another copy of the same model: same indexes and domains (reading them is slow)
            self.y, self.own = like.y, like.own
        else:
            n_agents, n_shifts = len(rm.agents), len(rm.shifts)
            # y variable index per (agent, day, shift), and each y's own domain (rules may have narrowed it)
            self.y = np.zeros((n_agents, rm.n_days, n_shifts), dtype=np.int64)
            for (a, d, s), var in rm.y.items():
                self.y[a, d, s] = var.index
            variables = self.proto.variables
            self.own = {int(i): tuple(variables[int(i)].domain) for i in self.y.ravel()}
        self.fixed_to = np.full(self.y.shape, -1, dtype=np.int64)  # -1: own domain, else the fixed value
        # "at least KICK_CHANGES shift variables differ from the incumbent" (see *Kicks*): the sum over every y
        # of (1 - y) where the incumbent has the shift and y where it has not.  It is written once; a kick sets
        # its coefficients (+1 or -1 per y) and its lower bound, and every other round opens its domain.
        self.differ = self.proto.constraints.add().linear
        self.differ.vars.extend(int(i) for i in self.y.ravel())
        self.differ.coeffs.extend([0] * self.y.size)
        self.differ.domain.extend((-OPEN, OPEN))
        self.differs_from: int | None = None  # incumbent version the coefficients were written for
        self.differ_least = -OPEN  # the constraint's lower bound during a kick

    def set(self, free: np.ndarray, values: Sequence[int]) -> None:
        """Fix every ``y`` outside ``free`` (an (agent, day) Boolean mask) to ``values``, free the rest."""
        want = np.where(free[:, :, None], -1, np.asarray(values, dtype=np.int64)[self.y])
        variables = self.proto.variables
        for cell in zip(*np.nonzero(want != self.fixed_to), strict=True):
            i, value = int(self.y[cell]), int(want[cell])
            domain = variables[i].domain
            domain.clear()
            domain.extend(self.own[i] if value < 0 else (value, value))
        self.fixed_to = want

    def differ_from(self, values: Sequence[int] | None, version: int) -> None:
        """Require at least :data:`KICK_CHANGES` shift variables to differ from ``values`` (the incumbent of
        ``version``), or, with ``None``, nothing."""
        if values is None:
            self.differ.domain[0] = -OPEN
            return
        if self.differs_from != version:
            has = np.asarray(values, dtype=np.int64)[self.y.ravel()]
            self.differ.coeffs.clear()
            self.differ.coeffs.extend(np.where(has == 1, -1, 1).tolist())
            self.differs_from, self.differ_least = version, KICK_CHANGES - int(has.sum())
        self.differ.domain[0] = self.differ_least

    def hint(self, values: Sequence[int], only: Sequence[int] | None = None) -> None:
        """Hint ``values`` (proto order): every variable, or only the variable indexes ``only``."""
        hint = self.proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        if only is None:
            hint.vars.extend(range(len(values)))
            hint.values.extend(values)
        else:
            hint.vars.extend(int(i) for i in only)
            hint.values.extend(int(values[int(i)]) for i in only)


class _DayCost:
    """Cost of the incumbent per day, from every penalty whose label names a day or an interval."""

    def __init__(self, rm: RosterModel):
        index, coeff, day = [], [], []
        self.constant = np.zeros(rm.n_days)
        for p in rm.penalties:
            label = p.label if isinstance(p, LinearPenalty) else p.short_label
            when = (
                label.date if label.date is not None else (label.ds.date() if label.ds is not None else None)
            )
            d = rm.day_index.get(when) if when is not None else None
            if d is None:
                continue
            exprs, coeffs, offset = p.objective()
            self.constant[d] += offset
            for expr, c in zip(exprs, coeffs, strict=True):
                if isinstance(expr, int):
                    self.constant[d] += c * expr
                    continue
                flat = cp_model_helper.FlatIntExpr(expr)
                self.constant[d] += c * flat.offset
                for var, k in zip(flat.vars, flat.coeffs, strict=True):
                    index.append(var.index)
                    coeff.append(c * k)
                    day.append(d)
        self.index = np.array(index, dtype=np.int64)
        self.coeff = np.array(coeff, dtype=float)
        self.day = np.array(day, dtype=np.int64)
        self.n_days = rm.n_days

    def weights(self, values: Sequence[int]) -> np.ndarray | None:
        """Each day's share of the dated cost (None when nothing is dated or nothing costs)."""
        if not len(self.index):
            return None
        cost = np.bincount(
            self.day, weights=self.coeff * np.asarray(values)[self.index], minlength=self.n_days
        )
        cost = np.maximum(cost + self.constant, 0.0)
        total = cost.sum()
        return None if total <= 0 else cost / total


def _neighbourhood(
    kind: str,
    cells: float,
    rm: RosterModel,
    rng: np.random.Generator,
    day_weights: np.ndarray | None,
    works: np.ndarray | None = None,
) -> np.ndarray:
    """An (agent, day) Boolean mask of about ``cells`` free cells of the given kind.

    ``works`` is the incumbent's (agent, day) mask of worked days, for the
    *idle on a costly day* kind.
    """
    n_agents, n_days = len(rm.agents), rm.n_days
    free = np.zeros((n_agents, n_days), dtype=bool)
    if kind == "idle on a costly day":
        if day_weights is not None and works is not None:
            centre = int(rng.choice(n_days, p=day_weights))
            idle = np.flatnonzero(~works[:, centre])
            k = int(min(len(idle), max(1, round(cells / n_days))))
            if k:
                free[rng.choice(idle, size=k, replace=False), :] = True
                free[:, centre] = True
                return free
        kind = "agents"  # nothing costs, or everyone works that day
    if kind == "a costly day and another week":
        if day_weights is not None:
            width = min(TWIN_WINDOW_DAYS, n_days)
            first = _around_a_costly_day(width, rng, day_weights)
            weeks = [
                k
                for k in range(-(n_days // 7), n_days // 7 + 1)
                if k and 0 <= first + 7 * k <= n_days - width
            ]
            if weeks:
                other = first + 7 * int(rng.choice(weeks))
                chosen = rng.choice(
                    n_agents, size=int(min(n_agents, max(1, round(cells / (2 * width))))), replace=False
                )
                free[np.ix_(chosen, range(first, first + width))] = True
                free[np.ix_(chosen, range(other, other + width))] = True
                return free
        kind = "costly days"  # nothing costs, or the horizon has no other week
    if kind == "agents":
        k = int(min(n_agents, max(1, round(cells / n_days))))
        free[rng.choice(n_agents, size=k, replace=False), :] = True
        return free
    width = min(n_days, WINDOW_DAYS)
    agents = int(min(n_agents, max(1, round(cells / width))))
    if agents == n_agents:  # every agent fits: widen the window instead
        width = int(min(n_days, max(width, round(cells / n_agents))))
    if kind == "costly days" and day_weights is not None:
        first = _around_a_costly_day(width, rng, day_weights)
    else:
        first = int(rng.integers(0, n_days - width + 1))
    chosen = rng.choice(n_agents, size=agents, replace=False)
    free[np.ix_(chosen, range(first, first + width))] = True
    return free


def _around_a_costly_day(width: int, rng: np.random.Generator, day_weights: np.ndarray) -> int:
    """First day of a ``width``-day window centred, as far as the horizon allows, on a day drawn by its share
    of the dated cost."""
    n_days = len(day_weights)
    centre = int(rng.choice(n_days, p=day_weights))
    return int(min(max(0, centre - width // 2), n_days - width))


class _Clock:
    """The search's budget: wall-clock seconds, or deterministic time (converted from seconds) when deterministic."""

    def __init__(self, seconds: float, deterministic: bool):
        self.started = time.perf_counter()
        self.deterministic = deterministic
        self.limit = seconds * DETERMINISTIC_UNITS_PER_SECOND if deterministic else seconds
        self.spent = 0.0  # deterministic time of the rounds counted so far

    def spend(self, deterministic_time: float) -> None:
        self.spent += deterministic_time

    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def left(self) -> float:
        return self.limit - (self.spent if self.deterministic else self.seconds())

    def as_seconds(self, amount: float) -> float:
        """An amount of this clock's budget in seconds (deterministic time converted back)."""
        return amount / DETERMINISTIC_UNITS_PER_SECOND if self.deterministic else amount


class _Search:
    """The incumbent the streams share, the neighbourhood sizes, and the counts (guarded by ``lock``)."""

    def __init__(
        self,
        rm: RosterModel,
        values: Sequence[int],
        objective: int,
        on_improve: Callable[[int], None] | None,
        y: np.ndarray,
    ):
        self.rm = rm
        self.best = list(values)  # the best roster so far and its objective
        self.objective = objective
        self.current = self.best  # the incumbent the rounds start from: the best but after a kick
        self.current_objective = objective
        self.version = 0  # one more each time a roster replaces the incumbent: the streams' hints follow it
        self.day_cost = _DayCost(rm)
        self.day_weights = self.day_cost.weights(self.best)
        self.y = y  # y variable index per (agent, day, shift), as in _Copy
        self.works: tuple[int, np.ndarray] | None = None  # (version, worked-day mask) of the incumbent
        self.size = {kind: START_CELLS * rm.n_days for kind in KINDS}
        self.most_cells = len(rm.agents) * rm.n_days
        self.rounds = 0
        self.improvements = 0
        self.stalled = 0  # rounds offered since the last improvement
        self.kicks = 0  # kicks whose roster replaced the incumbent
        self.tabu: list[np.ndarray] = []  # (agent, day) masks of the cells the last kept kicks changed
        self.on_improve = on_improve
        self.lock = threading.Lock()

    def draw(self, rng: np.random.Generator) -> tuple[int, str, np.ndarray, bool]:
        """The next round: its number, its kind, its free cells and whether it is a kick."""
        self.rounds += 1
        kind = KINDS[(self.rounds - 1) % len(KINDS)]
        if self.works is None or self.works[0] != self.version:
            self.works = self.version, np.asarray(self.current, dtype=np.int64)[self.y].any(axis=2)
        free = _neighbourhood(kind, self.size[kind], self.rm, rng, self.day_weights, self.works[1])
        kick = self.stalled >= KICK_AFTER and self.rounds % KICK_EVERY == 0
        if self.tabu:
            free &= ~np.logical_or.reduce(self.tabu)
        return self.rounds, kind, free, kick

    def settle(
        self, drawn: tuple[int, str, np.ndarray, bool], solver: cp_model.CpSolver, status: int
    ) -> None:
        """Offer the roster of a round (as :meth:`draw` gave it) and adapt its kind's size."""
        number, kind, free, kick = drawn
        self.offer(
            solver, status, f"round {number} ({kind}{', a kick' if kick else ''})", int(free.sum()), kick
        )
        self.adapt(kind, status, kick)

    def offer(
        self, solver: cp_model.CpSolver, status: int, label: str, cells: int, kick: bool = False
    ) -> None:
        """Keep a round's roster when it is not worse than the incumbent (equal moves walk along plateaus), or,
        for a kick, when it is within :data:`KICK_SLACK` of the best roster so far."""
        self.stalled += 1
        if self.stalled % STALL_ROUNDS == 0 and self.stalled <= MOST_DOUBLINGS * STALL_ROUNDS:
            log.info("roster LNS: no improvement in %d rounds; a round's time doubles", self.stalled)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return
        value = round(solver.objective_value)
        # CP-SAT may drop a hint it cannot use, and another stream may have moved on: compare with the incumbent
        if kick:
            if value > self.objective + KICK_SLACK * abs(self.objective):
                return
            self.kicks += 1
        elif value > self.current_objective:
            return
        roster = list(solver.response_proto.solution)
        if kick:
            self._hold(roster)
        self.current = roster
        self.version += 1
        if value != self.current_objective:
            self.current_objective = value
            self.day_weights = self.day_cost.weights(self.current)
        if value >= self.objective:
            return
        self.best, self.objective = self.current, value
        self.tabu = []
        self.improvements += 1
        self.stalled = 0
        log.info("roster LNS: %.2f after %s (%d cells)", value / SCALE, label, cells)
        if self.on_improve is not None:
            self.on_improve(value)

    def _hold(self, kicked: Sequence[int]) -> None:
        """Hold the cells where ``kicked`` differs from the incumbent fixed (see *Held cells*), with those of the
        kicks before it, up to :data:`TABU_KICKS` kicks and, but for the last one, :data:`TABU_SHARE` of the roster."""
        changed = (
            np.asarray(kicked, dtype=np.int64)[self.y] != np.asarray(self.current, dtype=np.int64)[self.y]
        )
        self.tabu = [*self.tabu, changed.any(axis=2)][-TABU_KICKS:]
        while len(self.tabu) > 1 and np.logical_or.reduce(self.tabu).mean() > TABU_SHARE:
            self.tabu.pop(0)

    def round_limit(self, base: float) -> float:
        """A round's time: ``base``, doubled every :data:`STALL_ROUNDS` rounds without improvement (at most
        :data:`MOST_DOUBLINGS` times)."""
        return base * 2 ** min(MOST_DOUBLINGS, self.stalled // STALL_ROUNDS)

    def adapt(self, kind: str, status: int, kick: bool = False) -> None:
        """Grow the kind's next neighbourhood after an optimal round, shrink it after a stopped one (a kick's
        constraint changes how hard the round is, so it changes nothing)."""
        if kick:
            return
        if status == cp_model.OPTIMAL:
            self.size[kind] = min(self.most_cells, self.size[kind] * GROW)
        else:
            self.size[kind] = max(1.0, self.size[kind] / GROW)


class _Stream:
    """One thread's copy of the model and the incumbent version its hint holds."""

    def __init__(self, rm: RosterModel, like: _Stream | None = None):
        self.copy = _Copy(rm, None if like is None else like.copy)
        self.version = -1

    def solve(
        self,
        free: np.ndarray,
        start: Sequence[int],
        version: int,
        params: Callable[[cp_model.CpSolver, float, int], None],
        limit: float,
        seed: int,
        kick: bool = False,
    ) -> tuple[cp_model.CpSolver, int]:
        if version != self.version:
            self.copy.hint(start)
            self.version = version
        self.copy.set(free, start)
        self.copy.differ_from(start if kick else None, version)
        solver = cp_model.CpSolver()
        params(solver, limit, seed)
        return solver, solver.solve(self.copy.model)


def sub_solve_parameters(
    solver: cp_model.CpSolver,
    limit: float,
    seed: int,
    workers: int,
    deterministic: bool,
    linearization: int = LINEARIZATION,
) -> None:
    """Parameters of a sub-solve on a copy of the roster model (``limit`` in deterministic time when deterministic)."""
    p = solver.parameters
    p.num_workers = workers
    p.random_seed = seed
    # the LP of every rule constraint: proves a small neighbourhood optimal 10-50x sooner (Curtois 9), and lets
    # one agent's 56- or 84-day horizon be re-rostered at all (Curtois 16-19, wfm.roster.minimums)
    p.linearization_level = linearization
    if deterministic:
        p.max_deterministic_time = limit
        p.max_time_in_seconds = 4 * limit + 10
        p.interleave_search = workers > 1
    else:
        p.max_time_in_seconds = limit


def improve(
    rm: RosterModel,
    values: Sequence[int],
    objective: int,
    *,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
    workers: int = 1,
    streams: int = 1,
    on_improve: Callable[[int], None] | None = None,
    round_seconds: float = ROUND_SECONDS,
) -> LnsResult:
    """Improve a feasible roster by large-neighbourhood search for up to ``time_limit`` seconds.

    ``values`` is a feasible assignment of every variable of ``rm.model``
    (proto order, e.g. CP-SAT's ``response_proto.solution``) and
    ``objective`` its scaled objective.  Returns the best roster found, never
    worse than the start.  ``on_improve`` receives each better objective
    (scaled).  ``time_limit`` is in seconds; with ``deterministic=True`` it
    is counted in CP-SAT's deterministic time (see the module docstring) and
    the result depends only on the inputs, ``seed`` and ``streams``.
    ``streams`` neighbourhoods are solved at once, each on its own thread and
    copy of the model, with ``workers`` CP-SAT workers each (see *Streams*
    in the module docstring).
    """
    clock = _Clock(time_limit, deterministic)
    if deterministic:
        round_seconds *= DETERMINISTIC_UNITS_PER_SECOND

    def params(solver: cp_model.CpSolver, limit: float, random_seed: int) -> None:
        sub_solve_parameters(solver, limit, random_seed, workers, deterministic)

    # Calibration: with every cell fixed, a round costs what CP-SAT needs to read and presolve the copy
    # (0.01 s on Curtois 9, 1.7 s on the 120-agent demo); a round gets at least CALIBRATION times that.
    # It also checks that the start keeps every rule, and makes slacks that a time-limited solve left
    # loose tight (the first "improvement", same shifts).
    first = _Stream(rm)
    search = _Search(rm, values, objective, on_improve, first.copy.y)
    none_free = np.zeros((len(rm.agents), rm.n_days), dtype=bool)
    solver, status = first.solve(none_free, search.best, search.version, params, max(0.0, clock.left()), seed)
    clock.spend(solver.deterministic_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.INFEASIBLE:  # a caller's bug: the start must keep every rule
            log.warning("roster LNS: the start roster breaks a rule; not searching")
        else:
            log.info("roster LNS: no time to read the model (%s)", solver.status_name(status))
        return LnsResult(search.best, search.objective, 0, 0, clock.seconds())
    search.offer(solver, status, "reading the start", 0)
    overhead = solver.deterministic_time if deterministic else solver.wall_time
    round_limit = max(round_seconds, CALIBRATION * overhead)
    pool = [first] + [_Stream(rm, first) for _ in range(max(1, streams) - 1)]

    def one_round(stream: _Stream, rng: np.random.Generator) -> None:
        """Draw a neighbourhood of the incumbent, solve it, offer the result (the lock is held but for the solve)."""
        with search.lock:
            drawn = search.draw(rng)
            number, _, free, kick = drawn
            start, version = search.current, search.version
            limit = min(clock.left(), search.round_limit(round_limit))
        solver, status = stream.solve(free, start, version, params, limit, seed + number, kick)
        with search.lock:
            clock.spend(solver.deterministic_time)
            search.settle(drawn, solver, status)

    if len(pool) == 1:
        rng = np.random.default_rng(seed)
        while clock.left() >= 0.05 * round_limit:
            one_round(first, rng)
    elif deterministic:
        _rounds_in_step(pool, search, params, seed, round_limit, clock)
    else:

        def walk(stream: _Stream, index: int) -> None:
            rng = np.random.default_rng([seed, index])
            while clock.left() >= 0.05 * round_limit:
                one_round(stream, rng)

        with ThreadPoolExecutor(len(pool)) as threads:
            for done in [threads.submit(walk, stream, i) for i, stream in enumerate(pool)]:
                done.result()
    seconds = clock.seconds()
    log.info(
        "roster LNS: %d rounds on %d streams, %d improvements, %d kicks kept, objective %.2f in %.1f s "
        "(deterministic %.1f)",
        search.rounds,
        len(pool),
        search.improvements,
        search.kicks,
        search.objective / SCALE,
        seconds,
        clock.spent,
    )
    return LnsResult(search.best, search.objective, search.rounds, search.improvements, seconds, search.kicks)


def _rounds_in_step(
    pool: list[_Stream],
    search: _Search,
    params: Callable[[cp_model.CpSolver, float, int], None],
    seed: int,
    round_limit: float,
    clock: _Clock,
) -> None:
    """Deterministic streams: each step draws one neighbourhood per stream, solves them at once, then offers
    the results in stream order; a step costs its slowest round's deterministic time."""
    rng = np.random.default_rng(seed)
    with ThreadPoolExecutor(len(pool)) as threads:
        while clock.left() >= 0.05 * round_limit:
            draws = [search.draw(rng) for _ in pool]
            start, version = search.current, search.version
            limit = min(clock.left(), search.round_limit(round_limit))
            futures = [
                threads.submit(stream.solve, free, start, version, params, limit, seed + number, kick)
                for stream, (number, _, free, kick) in zip(pool, draws, strict=True)
            ]
            results = [future.result() for future in futures]
            for drawn, (solver, status) in zip(draws, results, strict=True):
                search.settle(drawn, solver, status)
            clock.spend(max(solver.deterministic_time for solver, _ in results))


def value_of(values: Sequence[int] | Mapping[int, int]) -> Callable[[cp_model.LinearExprT], int]:
    """Evaluate linear expressions of the model at ``values`` (by proto index: a list, or a dict of every variable)."""

    def value(expr: cp_model.LinearExprT) -> int:
        if isinstance(expr, int):
            return expr
        flat = cp_model_helper.FlatIntExpr(expr)
        return flat.offset + sum(c * values[v.index] for v, c in zip(flat.vars, flat.coeffs, strict=True))

    return value


__all__ = ["LnsResult", "improve", "value_of"]
