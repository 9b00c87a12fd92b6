"""Build the roster model from its rule units, solve it with CP-SAT, and map the outcome.

A solve runs in four steps, all inside the time limit:

1. build the model (every unit in :mod:`wfm.roster.rules`) and a starting
   roster (:mod:`wfm.roster.warmstart`: greedy, local search, then
   ruin-and-rebuild rounds for up to ``WARM_START_SHARE`` of the limit, or
   ``COVER_ONLY_WARM_START_SHARE`` when no queue has an interval requirement),
   hinted to CP-SAT down to every slack variable.  The warm start keeps the
   minimum rules as far as its moves can; the agents it leaves breaking one
   are re-rostered one at a time under all their rules
   (:mod:`wfm.roster.minimums`, up to ``REPAIR_SHARE`` of the time left) and
   the result, checked on the model, becomes the hint and a roster the
   neighbourhood search can start from; if that fails, CP-SAT repairs the
   warm start;
2. a quick lower bound (:mod:`wfm.roster.bound`, the LP of the pooled
   workforce), because CP-SAT's own bound on a month-sized model moves slowly;
3. CP-SAT for ``1 - LNS_SHARE`` of the rest of the limit, at most
   ``CP_SAT_MOST_SECONDS`` when the search follows.  It verifies the
   hint against every rule unit, improves it, and proves optimality on small
   models;
4. unless CP-SAT proved its roster optimal, a large-neighbourhood search
   (:mod:`wfm.roster.lns`) for the remaining time: free a few agents or a few
   days, fix the rest, re-solve with CP-SAT, keep what is better; one
   neighbourhood per worker at once.  It starts
   from CP-SAT's roster, or from the warm start when CP-SAT found none and
   the warm start keeps every rule (or was made to keep the minimums).

With ``[[breaks]]`` rules a fifth step follows on the solved shifts: the
placement of every break and lunch (:mod:`wfm.roster.breaks`), which gets
``solver.breaks_time_share`` of the time limit (the four steps above share
the rest).  ``info`` keeps the shift solve's figures; ``placement`` reports the
fifth step, whose objective is the placed roster's cost (the ledger total).

A repair (``pins``, see :mod:`wfm.roster.rules.pins`) replaces step 1: the
hint is the previous roster, made feasible first by a small CP-SAT solve in
which only the agents the previous roster no longer fits are planned again
(:func:`_nearest_feasible`).

``info.bound`` is the larger of CP-SAT's bound and the pooled bound; ``gap`` is
``(objective - bound) / max(1, |objective|)``.  Progress events report seconds
since the solve started.

Status mapping:

* OPTIMAL / FEASIBLE -> :class:`~wfm.schema.RosterSolution`.  ``info.objective`` is
  the exact cost of the returned roster (the ledger total, recomputed from the
  shift choices); CP-SAT's own incumbent value can only be higher, when a
  time-limited run stops with slack variables that are not tight, and is logged.
* INFEASIBLE -> :class:`~wfm.schema.InfeasibleRosterError` naming the conflicting
  rules per agent.  The model is rebuilt with one assumption literal per (hard
  rule, agent), solved again, and CP-SAT's sufficient set of assumptions is
  shrunk by deletion to a small conflict, then put in words.
* UNKNOWN (CP-SAT stopped before reading even the hint, e.g. a very short
  limit): the warm-start roster (improved by the neighbourhood search), which
  keeps every built-in rule by construction, with status FEASIBLE; when extra
  rule units are present its feasibility is unknown and InfeasibleRosterError says no roster was found in
  time and suggests a longer limit.
* MODEL_INVALID is a bug in wfm, not in the inputs -> RuntimeError.

Determinism.  CP-SAT's default parallel search is not reproducible: workers
race and share solutions, and a wall-clock limit cuts the search at a
machine- and load-dependent point.  With ``deterministic=True`` the search runs
with ``interleave_search`` (subsolvers interleaved in fixed batches, documented
as deterministic independently of ``num_workers``) and stops on
``max_deterministic_time`` (a work count: the time limit times
:data:`wfm.roster.lns.DETERMINISTIC_UNITS_PER_SECOND`, so it takes about as
long as a wall-clock solve on an idle core) instead of the wall clock; a wall-clock safety net of four times the limit remains, and if it
fires the run is no longer reproducible (a warning is logged).  With one
worker the search is sequential and needs no interleaving.  The warm start
then runs without a deadline (it stops on its own) and the CP-SAT time limit
is not reduced by the time spent before it.  Same inputs, seed, workers and
``deterministic=True`` then give the same roster on the same machine and
build.  Interleaved search is markedly slower per wall-clock second than the
default portfolio, so it is meant for reproducible experiments, not for
production runs.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd
from ortools.sat.python import cp_model

from wfm import schema as S
from wfm.roster import lns, minimums
from wfm.roster.bound import pooled_lower_bound
from wfm.roster.model import Gate, RosterModel, RuleUnit
from wfm.roster.output import roster_frames
from wfm.roster.penalties import SCALE, TieredShortfall, Value, ledger_frame, objective_terms
from wfm.roster.rules import coverage, rule_units, skills
from wfm.roster.rules.pins import Pins, restricted_queues
from wfm.roster.shifts import on_phone_minutes
from wfm.roster.warmstart import deterministic_rounds, has_minimums, keeps_every_rule, starting_roster
from wfm.schema import InfeasibleRosterError, RosterSolution, Scenario, SolveInfo

log = logging.getLogger(__name__)

Progress = Callable[[dict], None]
WARM_START_SHARE = 0.6
COVER_ONLY_WARM_START_SHARE = 0.02
"""The warm start's share when no queue has an interval requirement (only cover by day and shift, as in the
Curtois instances): the warm start's greedy and ruin-and-rebuild are built around interval coverage, and there
the neighbourhood search uses the time better.  Curtois 12 at 0.6: its ruin-and-rebuild took 24-32 s of 60,
leaving the search 21-33 s and the result 5,551-6,464.  With two search streams, 0.02 against 0.1 (one run each,
60 s): Curtois 10 4,764 against 4,858, 12 4,745 against 5,129.  Since the warm start keeps the minimum rules,
Curtois 13 at 60 s: 4,065 at 0.02, 5,580 at 0.2, 6,223 at 0.6.  The 120-agent demo with minimum rules at its
96 s: 952,347 at 0.02, 751,616 at 0.6."""
LNS_SHARE = 0.8
"""Share of CP-SAT's time given to the neighbourhood search (:mod:`wfm.roster.lns`) after its first roster.

Measured on Curtois 1-19 (60 s, 2 workers, idle machine; benchmarks/README.md): 1-5 within 1 % of the best
reported objective, 7 and 10-11 within 4 %, every instance with a roster (13-15 and 17-19 had none in 60 s on one
worker before); on the 120-agent demo 3.8 % off the shift solve's objective.  CP-SAT keeps a fifth
(at most ``CP_SAT_MOST_SECONDS``): enough for a first roster and, on small models (Curtois 1-3), the optimality
proof.  The price is CP-SAT's bound on the larger Curtois instances (10-12), which needs most of the limit to
rise.
"""
WARM_REPAIR_SHARE = 0.1
"""The warm start's own repair of the minimum rules may run until this share of the limit even when its
deadline is earlier (``COVER_ONLY_WARM_START_SHARE``): on Curtois 13 it leaves 4 of 120 agents breaking one in
2.4 s, where CP-SAT re-rostering all 120 takes 24 s; on 84-day horizons it is slow (Curtois 19: 11 s, leaving 15
of 40, which CP-SAT re-rosters in 2 s), so it stops there."""
REPAIR_SHARE = 0.5
"""Most of the time left after the warm start that the repair of the minimum rules (:mod:`wfm.roster.minimums`)
may use; past it, CP-SAT repairs the warm start as before."""
CP_SAT_MOST_SECONDS = 15.0
"""Most seconds CP-SAT searches the whole model before the neighbourhood search takes over (wall clock; the
same amount of deterministic time when deterministic).  Past its first rosters CP-SAT improves a month-sized
model slowly and the search quickly: Curtois 19 (40 agents x 84 days) at 300 s spent 58 s in CP-SAT, which
took it only to 6,902.  Curtois at 300 s, seed 0, one run each, without and with the handover at 15 s: 8 1,318 /
1,320, 12 4,074 / 4,061, 14 1,286 / 1,282, 15 4,481 / 4,486, 16 3,327 / 3,232, 17 5,967 / 5,774, 18 4,854 /
4,779, 19 3,454 / 3,376.  The price is CP-SAT's bound where it needs the time to rise (12: 3,782 without, 9
with; 17: 5,723 and 5,478).  Below 75 s of search the share decides (12 s at 60 s), so 60-s solves are
unchanged."""
LARGE_MODEL_LNS_SHARE = 0.95
"""The search's share instead of ``LNS_SHARE`` on a model CP-SAT solves without presolve (see
``PRESOLVE_OFF_ABOVE_VARIABLES``) when the start roster keeps every rule: there CP-SAT only improves that
roster, slowly, and its bound stays near 0.  Curtois 13 at 300 s, from a 9,340 start: CP-SAT's 54 s took it to
7,604, the search's next 23 s to 4,395."""
LNS_WORKERS = 1
"""CP-SAT workers per neighbourhood sub-solve.  The search uses the solve's other workers by solving that many
neighbourhoods at once (``lns.improve(streams=workers)``): a small sub-model gains little from a second CP-SAT
worker, and a second neighbourhood explores another part of the roster."""


def build_model(
    scenario: Scenario,
    requirements: pd.DataFrame,
    *,
    explain: bool = False,
    extra_rules: Sequence[RuleUnit] = (),
    hint: dict | None = None,
    pins: Pins | None = None,
) -> RosterModel:
    """A :class:`RosterModel` with every rule unit added and the summed penalties as objective.

    ``extra_rules`` are further units (``add(rm) -> penalties``) appended after
    the built-in ones.  ``hint`` (``{(agent, day): (shift, queue)}``) is handed
    to CP-SAT as a complete solution hint.  ``pins`` (repair: the previous
    roster and what of it to keep) is set as ``rm.pins`` for the
    :mod:`~wfm.roster.rules.pins` unit.  In explain mode hard rules are gated
    and there is no objective.
    """
    rm = RosterModel(scenario, requirements, explain=explain)
    rm.pins = pins  # read by the pins rule unit (None: no previous roster)
    penalties = []
    for unit in [*rule_units(), *extra_rules]:
        penalties.extend(unit(rm))
    rm.penalties = penalties
    if not explain:
        exprs, coeffs, offset = objective_terms(penalties)
        rm.offset = offset
        rm.model.minimize(cp_model.LinearExpr.weighted_sum(exprs, coeffs) + offset)
        if hint is not None:
            add_hint(rm, hint)
    return rm


def add_hint(rm: RosterModel, placed: dict[tuple[int, int], tuple[int, str]]) -> None:
    """Hint the roster ``placed`` to CP-SAT, complete down to every slack variable.

    The hinted values are kept in ``rm.hint_values`` (variable index -> value).
    """
    rm.hint_values = {}  # filled below, read by _hint_value as the auxiliaries are computed
    phone = [on_phone_minutes(s, rm.interval_minutes) for s in rm.shifts]
    covered: dict[tuple[str, int], int] = {}
    crews: dict[tuple[str, int, int], int] = {}
    for (_, d), (s, q) in placed.items():
        crews[q, d, s] = crews.get((q, d, s), 0) + 1
        for offset, minutes in phone[s].items():
            t = d * rm.intervals_per_day + offset
            covered[q, t] = covered.get((q, t), 0) + minutes
    values = rm.hint_values
    for (a, d, s), var in rm.y.items():
        values[var.index] = int(placed.get((a, d), (None,))[0] == s)
    for (a, d), var in rm.works.items():
        values[var.index] = int((a, d) in placed)
    for key, var in rm.crew.items():
        values[var.index] = crews.get(key, 0)
    evaluate = _hint_value(rm)
    for p in rm.penalties:
        if isinstance(p, TieredShortfall) and p.constant_driver is None:
            driver = covered.get(p.key, 0) if p.key is not None else evaluate(p.driver)
            for var, value in p.hint(driver):
                values[var.index] = value
    for var, compute in rm.derived:  # auxiliaries of the rule units, in registration order
        values[var.index] = compute(evaluate)
    _hint_values(rm, values)


def _hint_values(rm: RosterModel, values: dict[int, int]) -> None:
    """Make ``values`` (variable index -> value) CP-SAT's hint and ``rm.hint_values``."""
    rm.model.clear_hints()
    rm.hint_values = values
    for index, value in values.items():
        rm.model.add_hint(rm.model.get_int_var_from_proto_index(index), value)


def _objective_at(rm: RosterModel, value: Value) -> float:
    """The objective (cost units) of the roster whose variables ``value`` evaluates."""
    exprs, coeffs, offset = objective_terms(rm.penalties)
    return (offset + sum(c * value(e) for e, c in zip(exprs, coeffs, strict=True))) / SCALE


def _hint_objective(rm: RosterModel) -> float:
    """The objective (cost units) of the hinted roster."""
    return _objective_at(rm, _hint_value(rm))


def _hint_value(rm: RosterModel) -> Callable[[cp_model.LinearExprT], int]:
    """Evaluate linear expressions at the hinted values."""
    return lns.value_of(rm.hint_values)


class _ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports every improving solution in cost units."""

    def __init__(self, progress: Progress | None, bound_floor: float | None, started_seconds: float):
        super().__init__()
        self._progress = progress
        self._floor = -math.inf if bound_floor is None else bound_floor
        self._offset = started_seconds  # time spent before CP-SAT started (model, warm start, bound)
        self.solutions = 0
        self.stop_on_solution = False  # set by _hand_over: stop at the next roster

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self.stop_on_solution:
            self.stop_search()
        objective = self.objective_value / SCALE
        bound = max(self.best_objective_bound / SCALE, self._floor)
        event = {
            "objective": objective,
            "bound": bound,
            "gap": _gap(objective, bound),
            "seconds": self._offset + self.wall_time,
        }
        log.info(
            "roster: objective %.2f bound %.2f gap %.2f%% at %.1f s",
            objective,
            bound,
            100 * event["gap"],
            event["seconds"],
        )
        if self._progress is not None:
            self._progress(event)


def _gap(objective: float, bound: float) -> float:
    return max(0.0, (objective - bound) / max(1.0, abs(objective)))


PRESOLVE_OFF_ABOVE_VARIABLES = 50_000
"""On month-sized models CP-SAT's presolve (mostly probing) outlasts its share of the time limit before it
even accepts the complete warm-start hint (about 90 s on the 120-agent demo); without it the hint is taken
in 1-3 s.  Measured in the CP-SAT study of session 2 (see benchmarks/README.md)."""


def _solver(
    time_limit: float, workers: int, seed: int, deterministic: bool, variables: int = 0
) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.random_seed = seed
    if workers <= 2 and not deterministic:
        # Two threads give one full-search worker.  default_lp linearizes only linear constraints (CP-SAT's
        # bound stays near 0 on Curtois); max_lp also relaxes the Boolean rule constraints: Curtois 5/7/9/11
        # bounds 814-1046 / 179-345 / 3434 instead of 1-36, instance 7 at 60 s 1,065 instead of about 1,600.
        p.subsolvers.append("max_lp")
    if variables > PRESOLVE_OFF_ABOVE_VARIABLES:
        p.cp_model_presolve = False
    if deterministic:
        # one worker searches sequentially; several need interleaving to be reproducible
        p.interleave_search = workers > 1
        p.max_deterministic_time = time_limit * lns.DETERMINISTIC_UNITS_PER_SECOND
        p.max_time_in_seconds = 4 * time_limit + 10
    else:
        p.max_time_in_seconds = time_limit
    if log.isEnabledFor(logging.DEBUG):
        p.log_search_progress = True
        p.log_to_stdout = False
        solver.log_callback = log.debug
    return solver


def solve_roster(
    scenario: Scenario,
    requirements: pd.DataFrame,
    *,
    progress: Progress | None = None,
    time_limit_seconds: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    extra_rules: Sequence[RuleUnit] = (),
    pins: Pins | None = None,
) -> RosterSolution:
    """Roster every agent for every day of the horizon.

    ``requirements`` has columns ``queue``, ``ds`` (timezone-aware interval
    starts) and ``agents_required_gross``.  Time limit (seconds), workers and
    seed default to ``scenario.solver``.  ``progress`` receives
    ``{"objective", "bound", "gap", "seconds"}`` (cost units, seconds) on every
    improving solution.  See the module docstring for ``deterministic`` and the
    status mapping; ``extra_rules`` are added after the built-in rule units.

    Repair: with ``pins`` the previous roster is kept where pinned and changes
    elsewhere cost ``changed_shift`` each (:mod:`wfm.roster.rules.pins`); the
    previous roster, less the days it can no longer hold, is the hint instead
    of the warm start, so CP-SAT starts from it.

    Raises :class:`~wfm.schema.InfeasibleRosterError` when the hard rules cannot
    all hold or no roster is found in time.
    """
    settings = scenario.solver
    time_limit = float(settings.time_limit_seconds if time_limit_seconds is None else time_limit_seconds)
    workers = int(settings.workers if workers is None else workers)
    seed = int(settings.seed if seed is None else seed)
    breaks_limit = 0.0
    if scenario.break_rules:
        # the second stage (breaks and lunches) gets its share of the limit
        breaks_limit = time_limit * settings.breaks_time_share
        time_limit -= breaks_limit

    started = time.perf_counter()
    rm = build_model(scenario, requirements, extra_rules=extra_rules, pins=pins)
    log.info(
        "roster model: %d agents x %d days x %d shifts, %d variables, %d constraints, built in %.1f s",
        len(rm.agents),
        rm.n_days,
        len(rm.shifts),
        len(rm.model.proto.variables),
        len(rm.model.proto.constraints),
        time.perf_counter() - started,
    )
    floor = pooled_lower_bound(rm, time_limit_seconds=max(1.0, min(30.0, time_limit / 4)))

    def warm_progress(objective: float) -> None:
        if progress is not None:
            bound = -math.inf if floor is None else floor
            progress(
                {
                    "objective": objective,
                    "bound": bound,
                    "gap": _gap(objective, bound),
                    "seconds": time.perf_counter() - started,
                }
            )

    cover_only = not any(rm.requirement[q].any() for q in rm.queues)
    warm_share = COVER_ONLY_WARM_START_SHARE if pins is None and cover_only else WARM_START_SHARE
    kept: minimums.KeptRoster | None = None
    if pins is not None:
        previous = _previous_placements(rm)
        limit = max(1.0, min(30.0, time_limit / 4))
        nearby = _nearest_feasible(rm, previous, limit, workers, seed, deterministic)
        if nearby is not None:
            warm_progress(nearby[1])
        add_hint(rm, previous if nearby is None else nearby[0])
    else:

        def first_roster(placed: dict) -> None:
            # a feasible roster early: its full cost (the warm start prices neither fairness nor start times);
            # asked here, because whether sessions and mentor pairs are kept is known only once they are placed
            if progress is not None and keeps_every_rule(rm):
                add_hint(rm, placed)
                warm_progress(_hint_objective(rm))

        # the warm start may use part of the limit (no deadline when deterministic: it stops on its own)
        warm_deadline = None if deterministic else started + warm_share * time_limit
        repair_deadline = None if deterministic else started + WARM_REPAIR_SHARE * time_limit
        rounds = deterministic_rounds(warm_share * time_limit, len(rm.agents))
        placed = starting_roster(
            rm,
            deadline=warm_deadline,
            seed=seed,
            on_first=first_roster,
            max_rounds=rounds,
            repair_deadline=repair_deadline,
        )
        add_hint(rm, placed)
        keeps = keeps_every_rule(rm)
        if keeps:
            warm_progress(_hint_objective(rm))
        elif has_minimums(rm):
            # the repair's share of what the warm start left
            left = (
                time_limit * (1 - warm_share)
                if deterministic
                else time_limit - (time.perf_counter() - started)
            )
            kept = _keep_minimums(
                rm, scenario, requirements, extra_rules, placed, max(0.0, left), seed, deterministic, workers
            )
            if kept is not None:
                warm_progress(kept.objective / SCALE)
    built = time.perf_counter() - started

    # the time limit covers building and the warm start too; a deterministic run counts work, not seconds,
    # and gives CP-SAT the share a wall-clock run leaves it after its warm start, so both take about as long
    if deterministic:
        spent = time_limit * warm_share + (0.0 if kept is None else kept.spent)
        search_limit = max(time_limit - spent, time_limit / 4)
    else:
        search_limit = max(time_limit - built, time_limit / 4)
    # the repair checked its roster on the model itself, extra rules included
    warm_roster_ok = kept is not None or (not extra_rules and pins is None and keeps_every_rule(rm))
    share = LNS_SHARE
    if warm_roster_ok and len(rm.model.proto.variables) > PRESOLVE_OFF_ABOVE_VARIABLES:
        share = max(share, LARGE_MODEL_LNS_SHARE)
    lns_limit = max(share * search_limit, search_limit - CP_SAT_MOST_SECONDS) if share > 0 else 0.0
    callback = _ProgressCallback(progress, floor, built)
    if deterministic or lns_limit == 0:
        solver = _solver(
            search_limit - lns_limit, workers, seed, deterministic, len(rm.model.proto.variables)
        )
        status = solver.solve(rm.model, callback)
    else:
        # CP-SAT gets the whole limit, and hands over to the neighbourhood search after its share once it
        # has a roster (or the warm start keeps every rule): a first roster may take longer than the share
        # (Curtois 13 and 18), and a second solve would start that search again
        solver = _solver(search_limit, workers, seed, deterministic, len(rm.model.proto.variables))
        timer = threading.Timer(search_limit - lns_limit, _hand_over, (solver, callback, warm_roster_ok))
        timer.start()
        try:
            status = solver.solve(rm.model, callback)
        finally:
            timer.cancel()
    if status == cp_model.UNKNOWN and lns_limit > 0 and deterministic and not warm_roster_ok:
        # no roster to start the neighbourhood search from: CP-SAT keeps the search's time
        solver = _solver(lns_limit, workers, seed, deterministic, len(rm.model.proto.variables))
        status = solver.solve(rm.model, _ProgressCallback(progress, floor, time.perf_counter() - started))
        lns_limit = 0.0
    name = solver.status_name(status)
    log.info(
        "roster: CP-SAT %s in %.1f s (deterministic time %.1f)",
        name,
        solver.wall_time,
        solver.deterministic_time,
    )
    if deterministic and solver.wall_time >= solver.parameters.max_time_in_seconds * 0.99:
        log.warning(
            "roster: the wall-clock safety limit stopped a deterministic solve; it may not be reproducible"
        )

    value: Value = solver.value
    fallback = status == cp_model.UNKNOWN and warm_roster_ok
    start = _search_start(rm, solver, status, fallback) if lns_limit > 0 else None
    if start is not None:
        if not deterministic:  # the wall-clock limit covers everything before too
            lns_limit = max(0.0, time_limit - (time.perf_counter() - started))
        bound = solver.best_objective_bound / SCALE if status == cp_model.FEASIBLE else -math.inf
        value = _neighbourhood_search(
            rm,
            start,
            lns_limit,
            seed,
            deterministic,
            workers,
            progress,
            max(bound, floor or -math.inf),
            started,
        )
    elif fallback:
        value = _hint_value(rm)
    wall = time.perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound / SCALE
        solution = _solution(rm, value, name, bound, seed, workers, time_limit, floor, wall)
        raw = _objective_at(rm, value)
        if not math.isclose(solution.info.objective, raw, rel_tol=1e-9, abs_tol=1e-6):
            log.info(
                "roster: CP-SAT incumbent %.2f, exact cost of the roster %.2f (slacks not tight)",
                raw,
                solution.info.objective,
            )
        return _with_breaks(rm, value, solution, breaks_limit, workers, seed, deterministic)
    if fallback:
        # CP-SAT ran out of time before reading the hint; the warm start keeps every built-in rule
        log.warning(
            "roster: CP-SAT found nothing in %.1f s; returning the warm-start roster%s",
            search_limit - lns_limit if start is None else solver.wall_time,
            "" if start is None else " improved by neighbourhood search",
        )
        solution = _solution(rm, value, "FEASIBLE", -math.inf, seed, workers, time_limit, floor, wall)
        return _with_breaks(rm, value, solution, breaks_limit, workers, seed, deterministic)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleRosterError(
            explain_infeasibility(
                scenario,
                requirements,
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                extra_rules=extra_rules,
                pins=pins,
            )
        )
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"wfm built an invalid CP-SAT model (a bug): {rm.model.validate()}")
    raise InfeasibleRosterError(
        f"No roster was found within the time limit of {time_limit:g} s. "
        "Try a longer time limit (solver.time_limit_seconds in scenario.toml, or --time-limit)."
    )


def _keep_minimums(
    rm: RosterModel,
    scenario: Scenario,
    requirements: pd.DataFrame,
    extra_rules: Sequence[RuleUnit],
    placed: dict[tuple[int, int], tuple[int, str]],
    time_left: float,
    seed: int,
    deterministic: bool,
    workers: int,
) -> minimums.KeptRoster | None:
    """The warm start re-rostered until it keeps the minimum rules (:mod:`wfm.roster.minimums`), made the hint.

    None (the hint stays the warm start, for CP-SAT to repair) when the repair cannot within
    ``REPAIR_SHARE`` of ``time_left``.
    """
    erm = build_model(scenario, requirements, explain=True, extra_rules=extra_rules)
    add_hint(erm, placed)
    kept = minimums.keep_minimums(
        rm,
        erm,
        minimums.erm_values(erm),
        time_limit=REPAIR_SHARE * time_left,
        seed=seed,
        deterministic=deterministic,
        streams=max(1, workers // LNS_WORKERS),
    )
    if kept is not None:
        _hint_values(rm, dict(enumerate(kept.values)))
    return kept


def _hand_over(solver: cp_model.CpSolver, callback: _ProgressCallback, warm_roster_ok: bool) -> None:
    """CP-SAT's share is over (a timer thread): stop it now if there is a roster to improve, else at its first."""
    if callback.solutions or warm_roster_ok:
        solver.stop_search()
    else:
        callback.stop_on_solution = True


def _search_start(
    rm: RosterModel, solver: cp_model.CpSolver, status: int, fallback: bool
) -> tuple[list[int], int] | None:
    """Where the neighbourhood search starts: CP-SAT's roster, else the warm start when it keeps every rule.

    Returns every variable's value (proto order) and the scaled objective, or
    None when there is nothing to improve (optimal, infeasible) or no
    complete feasible roster to start from.
    """
    if status == cp_model.FEASIBLE:
        return list(solver.response_proto.solution), round(solver.objective_value)
    n = len(rm.model.proto.variables)
    if not fallback or len(rm.hint_values) < n:
        return None
    values = [rm.hint_values[i] for i in range(n)]
    return values, round(_hint_objective(rm) * SCALE)


def _neighbourhood_search(
    rm: RosterModel,
    start: tuple[list[int], int],
    time_limit: float,
    seed: int,
    deterministic: bool,
    workers: int,
    progress: Progress | None,
    bound: float,
    started: float,
) -> Value:
    """The roster ``start`` improved by :func:`wfm.roster.lns.improve`: the values of the best roster found."""

    def report(objective: int) -> None:
        if progress is not None:
            cost = objective / SCALE
            event = {"objective": cost, "bound": bound, "gap": _gap(cost, bound)}
            progress({**event, "seconds": time.perf_counter() - started})

    result = lns.improve(
        rm,
        start[0],
        start[1],
        time_limit=time_limit,
        seed=seed,
        deterministic=deterministic,
        workers=LNS_WORKERS,
        streams=max(1, workers // LNS_WORKERS),
        on_improve=report,
    )
    return lns.value_of(result.values)


def _previous_placements(rm: RosterModel) -> dict[tuple[int, int], tuple[int, str]]:
    """The previous roster (repair) as ``{(agent, day): (shift, queue)}``, less the days it can no longer hold."""
    plan = rm.pin_plan
    return {
        (rm.agent_index[eid], rm.day_index[day]): (rm.shift_index[code], queue)
        for (eid, day), (code, queue) in plan.hint.items()
    }


def _nearest_feasible(
    rm: RosterModel,
    previous: dict[tuple[int, int], tuple[int, str]],
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool = False,
) -> tuple[dict[tuple[int, int], tuple[int, str]], float] | None:
    """A roster that keeps every hard rule and the previous roster of every agent it can (repair).

    Why: after new leave the previous roster usually breaks a rule for a few
    agents (their contract cap drops with the leave, a shift is gone), and
    CP-SAT, handed an infeasible hint for a month-sized model, may find
    nothing in the time limit.  So first solve a small problem: every agent
    keeps their previous days, except the agents with a day the previous
    roster can no longer hold and the agents whose previous roster the
    independent checker rejects, who are planned again.  Returns the
    placements and their cost, or None when that small problem has no roster
    in ``time_limit`` seconds (the full solve then starts from the previous
    roster as it is).
    """
    from wfm.check import check_roster

    plan = rm.pin_plan
    _, activities, _ = roster_frames(rm, previous)
    free = {eid for eid, _ in plan.forced}
    free |= {v.employee_id for v in check_roster(rm.scenario, activities).violations if v.employee_id}
    add_hint(rm, previous)  # the clone starts from the previous roster too
    small = rm.model.clone()
    for (eid, day), code in plan.soft.items():
        if eid in free:
            continue
        a, d = rm.agent_index[eid], rm.day_index[day]
        if code in (S.WORK_CODE_OFF, S.WORK_CODE_LEAVE):
            small.add(small.get_int_var_from_proto_index(rm.works[a, d].index) == 0)
        else:
            small.add(small.get_int_var_from_proto_index(rm.y[a, d, rm.shift_index[code]].index) == 1)
    solver = _solver(time_limit, workers, seed, deterministic)
    status = solver.solve(small)
    log.info(
        "roster repair: %d agents planned again; nearest roster %s", len(free), solver.status_name(status)
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None

    def value(var: cp_model.IntVar) -> int:
        return solver.value(small.get_int_var_from_proto_index(var.index))

    return _chosen_shifts(rm, value), solver.objective_value / SCALE


def _chosen_shifts(rm: RosterModel, value: Value) -> dict[tuple[int, int], tuple[int, str]]:
    """``{(agent, day): (shift, queue)}`` of the solved roster, queues matched to the solved crews.

    Pinned agents (repair) are matched to their pinned queue only; the pins
    unit constrains the crews so that this matching exists.
    """
    fixed = rm.pin_plan.fixed if getattr(rm, "pin_plan", None) is not None else {}
    working: dict[tuple[int, int], list[int]] = {}
    for (a, d, s), var in rm.y.items():
        if value(var):
            working.setdefault((d, s), []).append(a)
    chosen: dict[tuple[int, int], tuple[int, str]] = {}
    for (d, s), agents in sorted(working.items()):
        crews = {q: value(rm.crew[q, d, s]) for q in rm.queues if (q, d, s) in rm.crew}
        allowed = restricted_queues(rm, fixed, d, s) if fixed else rm.queues_on(d)
        for a, q in skills.assign_queues(agents, allowed, crews).items():
            chosen[a, d] = (s, q)
    return chosen


def _solution(
    rm: RosterModel,
    value: Value,
    status: str,
    bound: float,
    seed: int,
    workers: int,
    time_limit: float,
    floor: float | None,
    wall_seconds: float,
) -> RosterSolution:
    chosen = _chosen_shifts(rm, value)
    assignments, activities, queue_minutes = roster_frames(rm, chosen)
    penalties = ledger_frame(rm.penalties, value)
    objective = float(penalties["cost"].sum()) if len(penalties) else 0.0
    if floor is not None and floor > bound:
        if floor > objective + 1e-6:  # cannot happen for a valid bound
            log.warning("roster: pooled bound %.2f above the roster's cost %.2f; ignored", floor, objective)
        else:
            bound = floor
    info = SolveInfo(
        status=status,
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound),
        wall_seconds=wall_seconds,
        seed=seed,
        workers=workers,
        time_limit_seconds=time_limit,
    )
    return RosterSolution(assignments, activities, queue_minutes, penalties, info)


def _with_breaks(
    rm: RosterModel,
    value: Value,
    solution: RosterSolution,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
) -> RosterSolution:
    """The solved month with its breaks and lunches placed by the second stage (``[[breaks]]`` rules only).

    ``info`` stays the month's shift solve; the activities, the on-phone
    minutes and the coverage rows of the ledger are those of the placed
    blocks, and ``placement`` reports the stage (its objective is the new
    ledger total).
    """
    from wfm.roster.intraday import needs_placement

    if not needs_placement(rm.scenario):
        return solution
    from wfm.roster.breaks import Grid, Work, place_breaks
    from wfm.roster.intraday import meetings_frame, with_activities

    chosen = _chosen_shifts(rm, value)
    grid = Grid.of_model(rm)
    works = [Work(rm.agents[a].employee_id, d, rm.shifts[s], q) for (a, d), (s, q) in sorted(chosen.items())]
    session_days = None
    if getattr(rm, "session_days", None):
        from wfm.roster.sessions_plan import chosen_session_days

        session_days = chosen_session_days(rm, value)
    works, sessions = with_activities(rm.scenario, grid, works, session_days)
    placed = place_breaks(
        rm.scenario,
        grid,
        works,
        time_limit_seconds=max(1.0, time_limit),
        workers=workers,
        seed=seed,
        deterministic=deterministic,
    )
    assignments, activities, queue_minutes = roster_frames(rm, chosen, placed.blocks)
    old = solution.penalties
    coverage_rules = {coverage.SHORT, coverage.OVER}
    others = old[~old["rule"].isin(coverage_rules)] if len(old) else old
    frames = [f for f in (placed.ledger, others) if len(f)]
    penalties = pd.concat(frames, ignore_index=True) if frames else placed.ledger
    other_costs = float(others["cost"].sum()) if len(others) else 0.0
    return replace(
        solution,
        assignments=assignments,
        activities=activities,
        queue_minutes=queue_minutes,
        penalties=penalties,
        placement=placed.info(other_costs),
        meetings=meetings_frame(sessions, grid, rm.tz),
    )


# ---------------------------------------------------------------------------
# Infeasibility explanation
# ---------------------------------------------------------------------------
def explain_infeasibility(
    scenario: Scenario,
    requirements: pd.DataFrame,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    extra_rules: Sequence[RuleUnit] = (),
    pins: Pins | None = None,
) -> list[str]:
    """Sentences naming a small set of hard rules that cannot all hold, per agent."""
    rm = build_model(scenario, requirements, explain=True, extra_rules=extra_rules, pins=pins)
    gates = list(rm.gates.values())
    by_index = {g.literal.index: g for g in gates}

    deadline = time.perf_counter() + time_limit

    def infeasible_core(candidates: list[Gate]) -> list[Gate] | None:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        rm.model.clear_assumptions()
        rm.model.add_assumptions([g.literal for g in candidates])
        solver = _solver(remaining, workers, seed, deterministic=False)
        if solver.solve(rm.model) != cp_model.INFEASIBLE:
            return None
        return [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]

    core = infeasible_core(gates)
    if core is None:
        return ["The hard rules cannot all hold, but wfm could not narrow down which within the time limit."]
    # Deletion: drop every gate whose removal keeps the rest infeasible.
    for gate in list(core):
        if gate not in core or len(core) == 1:
            continue
        smaller = infeasible_core([g for g in core if g is not gate])
        if smaller is not None:
            core = smaller
    if not core:
        return [
            "The hard rules cannot all hold for every agent at once (no single agent's rules explain it)."
        ]
    return _sentences(rm, core)


def _join(phrases: list[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _sentences(rm: RosterModel, core: list[Gate]) -> list[str]:
    by_agent: dict[str | None, list[str]] = {}
    for gate in sorted(core, key=lambda g: (g.employee_id or "", g.rule)):
        by_agent.setdefault(gate.employee_id, []).append(gate.phrase)

    def who(eid: str | None) -> str:
        return "all agents" if eid is None else rm.agent_label(rm.agent_index[eid])

    if len(by_agent) == 1:
        eid, phrases = next(iter(by_agent.items()))
        if len(phrases) == 1:
            return [f"{who(eid)}: {phrases[0]} cannot hold."]
        verb = "cannot both hold" if len(phrases) == 2 else "cannot all hold"
        return [f"{who(eid)}: {_join(phrases)} {verb}."]
    parts = [f"{who(eid)}: {_join(phrases)}" for eid, phrases in by_agent.items()]
    return ["These rules cannot all hold together:", *parts]
