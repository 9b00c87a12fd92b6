"""A quick lower bound on the roster's cost: the linear relaxation of the pooled-workforce problem.

CP-SAT's own bound on a month-sized roster converges slowly (its root LP has
every agent-day-shift column), so a gap reported at the time limit would be
mostly noise.  This bound forgets who works which shift and keeps only what
any roster must satisfy in total:

* crews ``n[q, d, s] >= 0`` (continuous) cover the queues; coverage is priced
  exactly as in :mod:`wfm.roster.rules.coverage` (the tiers are convex, so the
  LP prices them exactly);
* for every day and every set ``R`` of queues, the crews of ``R`` are at most
  the agents available that day (employed, not on leave) with a skill in ``R``
  -- each works at most one shift and serves one queue;
* for every ISO week and every ``R``: shifts at most the agents' working days
  (``days - required days off``, and no more than their available days), paid
  minutes at most their weekly caps; for the horizon and every ``R``, paid
  minutes at most their contract caps;
* the contract shortfall is ``sum(goals) - paid`` (goal: the smaller of target
  and cap), exact when no agent may exceed their target and an underestimate
  otherwise; a new hire in ramp-up counts for
  :func:`~wfm.activities.ramp_minutes` of the minutes (as many of a day's
  crew as there are ramping new hires on that queue); requests, fairness,
  stable start times and cover by day and shift cost at least nothing.

Every roster satisfies all of this at the same or higher cost, so the LP
optimum (GLOP) is a valid lower bound.  It ignores rest, consecutive days and
the integrality of agents, so it is not tight.
"""

from __future__ import annotations

import logging
from itertools import combinations

from ortools.linear_solver import pywraplp

from wfm.activities import ramp_minutes
from wfm.roster.model import RosterModel
from wfm.roster.penalties import SCALE
from wfm.roster.rules import contract, coverage, days_off_per_week, weekly_minutes
from wfm.roster.shifts import on_phone_minutes

log = logging.getLogger(__name__)


def pooled_lower_bound(rm: RosterModel, *, time_limit_seconds: float = 30.0) -> float | None:
    """Lower bound on the objective in cost units, or None if GLOP does not finish in time."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(int(time_limit_seconds * 1000))
    queues, n_shifts = list(rm.queues), len(rm.shifts)
    agents = range(len(rm.agents))
    available = [[a for a in agents if not rm.cannot_work(a, d)] for d in range(rm.n_days)]
    sets = [frozenset(c) for k in range(1, len(queues) + 1) for c in combinations(queues, k)]

    def reaching(subset: frozenset, among) -> list[int]:
        return [a for a in among if subset & set(rm.agent_queues[a])]

    crew = {}
    for q in queues:
        for d in range(rm.n_days):
            top = len(reaching(frozenset([q]), available[d]))
            for s in range(n_shifts):
                if top:
                    crew[q, d, s] = lp.NumVar(0, top, "")

    def crews(subset, days):
        return [
            (crew[q, d, s], s) for q in subset for d in days for s in range(n_shifts) if (q, d, s) in crew
        ]

    paid = [s.paid_minutes for s in rm.shifts]
    for d in range(rm.n_days):
        for subset in sets:
            lp.Add(lp.Sum([v for v, _ in crews(subset, [d])]) <= len(reaching(subset, available[d])))
    for week in rm.iso_weeks():
        work_days = {
            a: len(week)
            - days_off_per_week.required_days_off(rm.agent_rules[a].min_days_off_per_week, len(week))
            for a in agents
        }
        for subset in sets:
            members = reaching(subset, agents)
            days_cap = sum(
                min(work_days[a], sum(d in week for d in range(rm.n_days) if a in available[d]))
                for a in members
            )
            minutes_cap = sum(weekly_minutes.agent_week_cap(rm, a, week) for a in members)
            terms = crews(subset, week)
            lp.Add(lp.Sum([v for v, _ in terms]) <= days_cap)
            lp.Add(lp.Sum([v * paid[s] for v, s in terms]) <= minutes_cap)
    caps = {a: contract.agent_cap(rm, a) for a in agents}
    goals = [min(caps[a], contract.agent_target(rm, a)) for a in agents]
    all_days = range(rm.n_days)
    for subset in sets:
        terms = crews(subset, all_days)
        lp.Add(lp.Sum([v * paid[s] for v, s in terms]) <= sum(caps[a] for a in reaching(subset, agents)))

    # shortfall priced linearly below the goal (negative above it: still a lower bound)
    objective = []
    constant = 0.0
    per_minute = contract.shortfall_coefficient(rm.scenario.weights)
    constant += per_minute * sum(goals)
    objective += [-(per_minute * paid[s]) * v for (q, d, s), v in crew.items()]

    tiers, over = coverage.tiers_and_over(rm.scenario.weights, rm.interval_minutes)
    phone = [on_phone_minutes(s, rm.interval_minutes) for s in rm.shifts]
    touching: dict[tuple[str, int], list] = {}
    for (q, d, s), v in crew.items():
        for offset, m in phone[s].items():
            t = d * rm.intervals_per_day + offset
            if t < rm.n_intervals:
                touching.setdefault((q, t), []).append(v * m)
    # ramp-up: up to the day's ramping new hires of a queue count for ramp_minutes(m, f) instead of m
    ramping: dict[tuple[str, int], list[float]] = {}
    for (a, d), fraction in rm.ramp.items():
        ramping.setdefault((rm.agents[a].skills[0], d), []).append(fraction)
    for (q, d), fractions in sorted(ramping.items()):
        fraction = fractions[0]  # [onboarding] ramp_up_fraction: one value for every new hire
        parts = []
        for s in range(n_shifts):
            if (q, d, s) not in crew:
                continue
            part = lp.NumVar(0, len(fractions), "")
            lp.Add(part <= crew[q, d, s])
            parts.append(part)
            for offset, m in phone[s].items():
                t = d * rm.intervals_per_day + offset
                less = m - ramp_minutes(m, fraction)
                if t < rm.n_intervals and less:
                    touching.setdefault((q, t), []).append(-less * part)
        if parts:
            lp.Add(lp.Sum(parts) <= len(fractions))
    for q in queues:
        for t in range(rm.n_intervals):
            target = int(rm.requirement[q][t])
            driver = touching.get((q, t))
            if target <= 0 and not driver:
                continue
            covered = lp.Sum(driver) if driver else 0
            objective.append(over * covered)
            constant -= over * target
            if target <= 0:
                continue
            slack = []
            remaining = target
            for tier in tiers:
                width = remaining if tier.width is None else min(tier.width, remaining)
                if width <= 0:
                    break
                v = lp.NumVar(0, width, "")
                slack.append(v)
                objective.append((tier.coeff + over) * v)
                remaining -= width
            lp.Add(covered + lp.Sum(slack) >= target)
    lp.Minimize(lp.Sum(objective) + constant)
    status = lp.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        log.info("roster: pooled lower bound not available (GLOP status %s)", status)
        return None
    return lp.Objective().Value() / SCALE
