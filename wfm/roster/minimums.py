"""Make the warm start keep the minimum rules: re-roster its agents one at a time with CP-SAT.

Why: the warm start (:mod:`wfm.roster.warmstart`) keeps every upper limit but
no minimum (consecutive days or days off in a row, a pair of days off, weekly
or horizon minutes), so on a scenario with minimums its roster is only a hint
and CP-SAT has to find the first roster itself.  On the 120-agent Curtois 13
that took 6 to 46 s of a 60 s limit, and the roster cost about 40,000;
the neighbourhood search (:mod:`wfm.roster.lns`) then had what was left.
Re-rostering the warm start's agents one by one, each under all of their own
rules and the real objective with everyone else fixed, gave a roster of about
10,700 in 33 s on one core (the warm start itself: 15,879, breaking rules).

How:

1. The roster model in explain mode, so every hard rule of an agent is
   switched on by that agent's gate literals (:class:`~wfm.roster.model.Gate`),
   with the real objective.  Rules of no one agent are always on.
2. *Which agents break a rule*: with every shift fixed to the warm start,
   CP-SAT switches on as many gates as can hold.  Agents with a gate left off
   are re-rostered; the others keep their rules from the start.
3. *Each such agent in turn* (in an order drawn from the seed): its shifts are
   freed over the whole horizon, with its mentoring partners' (a mentor's day
   off may need the mentee's too), everyone else's fixed; its rules are on, and so
   are those of every agent already kept, while the agents still to come have
   theirs off (their warm-start shifts are only fixed, not checked).  CP-SAT
   finds the agent's best horizon beside the others under the real
   objective.  With ``streams=k`` and no rule that binds two agents (mentoring pairs,
   sessions), k sub-solves run at once from the same roster and their
   horizons are merged in order: each agent keeps its own rules, and they
   meet only in the objective.
4. *The check*: the real model with every shift fixed to the result, which
   confirms that every rule holds and gives every auxiliary value and the exact
   objective: a complete feasible roster for CP-SAT's hint and the
   neighbourhood search.

An agent whose rules cannot hold beside the others (a rule that binds two
agents, or rules that contradict each other), a sub-solve with no answer in
its time, or a time limit reached before the last agent, gives None: the
caller falls back to CP-SAT repairing the warm start, which also explains a
true conflict.  Time per sub-solve and the random order work as in
:mod:`wfm.roster.lns` (deterministic time when ``deterministic``), so the
same inputs and seed give the same roster.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from wfm.roster import lns, warmstart
from wfm.roster.model import RosterModel
from wfm.roster.penalties import SCALE, objective_terms
from wfm.roster.rules import mentoring, sessions, skills

log = logging.getLogger(__name__)

CROSS_AGENT_RULES = frozenset({mentoring.RULE, *sessions.RULES.values()})
"""Rules (by the part of the gate's rule name before any ``:``) that bind two agents' shifts together."""
SOLVE_COST = 3.0
"""A one-agent sub-solve's time over the time CP-SAT needs to read the model (Curtois 13: 0.3 s against 0.09 s)."""
LP_UP_TO_VARIABLES = 80_000
"""Largest model whose sub-solves use the LP of every rule constraint (lns.LINEARIZATION); larger ones use none.

With it, one agent over 56 or 84 days is re-rostered in seconds (Curtois 16-19, 5k-21k variables), and without
it nothing is found in 1 s; all 120 agents of Curtois 13 (65k variables) take 24 s with it and 62 s without.
On the 120-agent demo with minimum rules (91k variables) it is the other way round: a mentor and mentee freed
together found no roster in 20 s with the LP (level 1 or 2), and one in 2.8 s without.
"""
FILL = 0.8
"""Share of its limit the repair expects to fill at most; above it, it does not start."""


@dataclass(frozen=True)
class KeptRoster:
    """A roster that keeps every rule: every variable of the real model (proto order) and its objective."""

    values: list[int]
    objective: int  # scaled
    agents: int  # how many agents were re-rostered
    seconds: float  # wall clock
    spent: float  # the limit used: seconds, or deterministic time converted to seconds when deterministic


class _GatedCopy(lns._Copy):
    """A copy of the explain model whose gates are switched on or left free per agent."""

    def __init__(
        self,
        erm: RosterModel,
        gates: dict[int, list[int]],
        always_on: list[int],
        like: _GatedCopy | None = None,
    ):
        super().__init__(erm, like)
        self.gates = gates
        self.on: set[int] = set()
        for index in always_on:
            self._domain(index, (1, 1))

    def _domain(self, index: int, domain: tuple[int, ...]) -> None:
        variable = self.proto.variables[index]
        variable.domain.clear()
        variable.domain.extend(domain)

    def switch_on(self, agents: set[int]) -> None:
        """Gates of ``agents`` fixed on, every other agent's gates free (their rules may be off)."""
        for a in agents ^ self.on:
            for index in self.gates.get(a, ()):
                self._domain(index, (1, 1) if a in agents else (0, 1))
        self.on = set(agents)


def keep_minimums(
    rm: RosterModel,
    erm: RosterModel,
    values: Sequence[int],
    *,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
    streams: int = 1,
) -> KeptRoster | None:
    """The roster ``values`` of ``erm`` (every y set) re-rostered agent by agent until every rule holds.

    ``rm`` is the real roster model and ``erm`` the same scenario built in
    explain mode (gated hard rules; its objective is set here).  ``values``
    need only fix the shift variables ``y`` sensibly, e.g. the warm start's
    hint.  Returns None when it cannot (see the module docstring).
    """
    exprs, coeffs, offset = objective_terms(erm.penalties)
    erm.model.minimize(cp_model.LinearExpr.weighted_sum(exprs, coeffs) + offset)
    agent_index = {agent.employee_id: a for a, agent in enumerate(erm.agents)}
    gates: dict[int, list[int]] = {}
    always_on: list[int] = []
    cross = False
    for gate in erm.gates.values():
        if gate.employee_id is None:
            always_on.append(gate.literal.index)
            cross |= gate.rule != skills.RULE
        else:
            gates.setdefault(agent_index[gate.employee_id], []).append(gate.literal.index)
        cross |= gate.rule.split(":")[0] in CROSS_AGENT_RULES
    streams = 1 if cross else max(1, streams)
    clock = lns._Clock(time_limit, deterministic)
    round_seconds = lns.ROUND_SECONDS * (lns.DETERMINISTIC_UNITS_PER_SECOND if deterministic else 1.0)

    level = lns.LINEARIZATION if len(rm.model.proto.variables) <= LP_UP_TO_VARIABLES else 0

    def params(solver: cp_model.CpSolver, limit: float, random_seed: int, linearization: int = level) -> None:
        lns.sub_solve_parameters(solver, limit, random_seed, 1, deterministic, linearization)

    n_agents, n_days = len(erm.agents), erm.n_days
    none_free = np.zeros((n_agents, n_days), dtype=bool)
    values = list(values)

    # which agents break a rule: every shift fixed, as many gates on as can hold
    check = _GatedCopy(erm, gates, always_on)
    check.set(none_free, values)
    check.model.clear_objective()
    literals = {i: check.model.get_bool_var_from_proto_index(i) for ids in gates.values() for i in ids}
    check.model.maximize(cp_model.LinearExpr.sum(list(literals.values())))
    solver = cp_model.CpSolver()
    params(solver, max(0.0, clock.left()), seed)
    status = solver.solve(check.model)
    clock.spend(solver.deterministic_time)
    if status != cp_model.OPTIMAL:
        log.info(
            "roster minimums: the warm start breaks a rule of all agents (%s)", solver.status_name(status)
        )
        return None
    broken = sorted(a for a, ids in gates.items() if not all(solver.value(literals[i]) for i in ids))
    overhead = solver.deterministic_time if deterministic else solver.wall_time
    round_limit = max(round_seconds, lns.CALIBRATION * overhead)
    kept = set(gates) - set(broken)
    order = [broken[i] for i in np.random.default_rng(seed).permutation(len(broken))]
    n_streams = min(streams, max(1, len(order)))
    # a sub-solve costs about SOLVE_COST times reading the model: on a model too large to re-roster one agent per
    # sub-solve in the time (the 120-agent demo reads in 1 s), CP-SAT repairs the warm start as before
    needed = len(order) * SOLVE_COST * overhead / n_streams
    if needed > FILL * clock.left():
        log.info(
            "roster minimums: %d of %d agents break a minimum rule in the warm start; re-rostering them would take "
            "about %.0f s, more than the %.0f s allowed",
            len(order),
            n_agents,
            clock.as_seconds(needed),
            clock.as_seconds(clock.left()),
        )
        return None
    log.info("roster minimums: %d of %d agents break a minimum rule in the warm start", len(order), n_agents)
    pool = [_GatedCopy(erm, gates, always_on, check) for _ in range(n_streams)]

    partners: dict[int, set[int]] = {}
    for mentor, mentee in warmstart.mentor_pairs(erm):
        partners.setdefault(mentor, set()).add(mentee)
        partners.setdefault(mentee, set()).add(mentor)

    def solve_one(copy: _GatedCopy, a: int, limit: float, start: list[int]) -> tuple[cp_model.CpSolver, int]:
        copy.switch_on(kept | {a})
        # the agent's shifts, and their mentoring partners' (a mentor's day off may need the mentee's too)
        free = none_free.copy()
        free[[a, *partners.get(a, ())], :] = True
        copy.set(free, start)
        # every other shift is fixed, and the auxiliaries follow from the shifts
        copy.hint(start, only=copy.y[free].ravel())
        solver = cp_model.CpSolver()
        params(solver, limit, seed + a)
        return solver, solver.solve(copy.model)

    done = 0
    with ThreadPoolExecutor(len(pool)) as threads:
        while order:
            if clock.left() < 0.05 * round_limit:
                log.info("roster minimums: out of time with %d agents to go", len(order))
                return None
            step, order = order[: len(pool)], order[len(pool) :]
            limit = min(clock.left(), round_limit)
            futures = [
                threads.submit(solve_one, copy, a, limit, values) for copy, a in zip(pool, step, strict=False)
            ]
            results = [future.result() for future in futures]
            clock.spend(max(solver.deterministic_time for solver, _ in results))
            merged = list(values)
            for copy, a, (solver, status) in zip(pool, step, results, strict=False):
                if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    log.info(
                        "roster minimums: %s's rules found no roster beside the others (%s)",
                        erm.agents[a].employee_id,
                        solver.status_name(status),
                    )
                    return None
                solution = solver.response_proto.solution
                if len(pool) == 1:
                    merged = list(solution)
                else:
                    for index in copy.y[a].ravel():
                        merged[int(index)] = solution[int(index)]
                kept.add(a)
            values = merged
            before, done = done, done + len(step)
            if done * 10 // len(broken) > before * 10 // len(broken):
                log.info(
                    "roster minimums: %d of %d agents re-rostered, %.1f s", done, len(broken), clock.seconds()
                )

    # the check on the real model: every shift fixed, every rule on
    real = lns._Copy(rm)
    start = [0] * len(real.proto.variables)
    for (a, d, s), var in erm.y.items():
        start[int(real.y[a, d, s])] = values[var.index]
    real.set(none_free, start)
    real.hint(start)
    solver = cp_model.CpSolver()
    # with the LP the slacks are proved tight at once; without it the demo's check ran out of time (50 s)
    params(solver, max(round_limit, clock.left()), seed, lns.LINEARIZATION)
    status = solver.solve(real.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        log.warning(
            "roster minimums: the repaired roster breaks a rule of the model (%s)", solver.status_name(status)
        )
        return None
    clock.spend(solver.deterministic_time)
    spent = clock.as_seconds(clock.spent) if deterministic else clock.seconds()
    result = KeptRoster(
        list(solver.response_proto.solution),
        round(solver.objective_value),
        len(broken),
        clock.seconds(),
        spent,
    )
    log.info(
        "roster minimums: %d agents re-rostered, every rule kept, objective %.2f (%.1f s)",
        result.agents,
        result.objective / SCALE,
        result.seconds,
    )
    return result


def erm_values(erm: RosterModel) -> list[int]:
    """The explain model's hint as a list in proto order (variables without a hint at 0)."""
    hint = erm.hint_values
    return [hint.get(i, 0) for i in range(len(erm.model.proto.variables))]


__all__ = ["KeptRoster", "erm_values", "keep_minimums"]
