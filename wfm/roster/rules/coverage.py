"""Coverage: each queue has enough agents on the phone in every interval, without many idle.

The roster aims at the gross requirement (``agents_required_gross``) of each
queue and interval.  Coverage is counted in on-phone minutes: an agent on a
shift serving the queue contributes the minutes of the interval they are not
at lunch, so an agent at lunch for half of a 30-minute interval counts as
half an agent.  Intervals beyond the horizon's last day (the tail of a night
shift) are not counted.

Soft, per queue and interval, in agent-intervals:

* short -- convex in the depth of the gap, because service level falls faster
  the deeper the shortage, so spreading a shortage beats concentrating it:
  the first agent short costs ``weights.short_agent_interval``, the second
  1.5x that, every further agent 2x;
* over -- every agent over the requirement costs ``weights.over_agent_interval``
  (including agents on the phone when nobody is required).

A new hire in ramp-up (``[onboarding]``, ``rm.ramp``) serves only their
first skill and counts for :func:`wfm.activities.ramp_minutes` of each
interval's on-phone minutes (e.g. half, rounded down to the minute): their
shift's crew term counts full minutes and ``(m - ramp_minutes(m, f)) *
y[a, d, s]`` is taken off their queue's driver.

Internally everything is in minutes (``agents * interval_minutes``) so
fractional coverage stays exact; each interval's row sums the crews
(``crew[q, d, s]``, see :mod:`wfm.roster.model`) of the shifts touching it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from wfm.activities import ramp_minutes
from wfm.roster.penalties import Label, LinearPenalty, Penalty, Tier, TieredShortfall, scaled_coefficient
from wfm.roster.shifts import on_phone_minutes
from wfm.schema import Weights

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

SHORT = "coverage_short"
OVER = "coverage_over"
TIER_FACTORS = (1.0, 1.5, 2.0)
"""Cost multipliers of the 1st, 2nd and every further agent short."""


def tiers_and_over(weights: Weights, minutes: int) -> tuple[list[Tier], int]:
    """Shortfall bands (in on-phone minutes) with their cost per minute, and the over-staffing cost per minute."""
    short = [
        scaled_coefficient(weights.short_agent_interval * f, minutes, "short_agent_interval")
        for f in TIER_FACTORS
    ]
    over = scaled_coefficient(weights.over_agent_interval, minutes, "over_agent_interval")
    return [Tier(minutes, short[0]), Tier(minutes, short[1]), Tier(None, short[2])], over


def add(rm: RosterModel) -> list[Penalty]:
    minutes = rm.interval_minutes
    tiers, over_coeff = tiers_and_over(rm.scenario.weights, minutes)
    phone = [on_phone_minutes(shift, minutes) for shift in rm.shifts]

    # terms[q][t]: (crew variable, on-phone minutes per agent) of every shift touching interval t
    terms_by: dict[str, dict[int, list]] = {q: defaultdict(list) for q in rm.queues}
    for (q, d, s), n in rm.crew.items():
        for offset, m in phone[s].items():
            t = d * rm.intervals_per_day + offset
            if t < rm.n_intervals:
                terms_by[q][t].append((n, m))

    # ramp-up: a new hire counts for ramp_minutes(m, fraction) of the m on-phone minutes, on their only queue
    ramped: set[tuple[str, int]] = set()
    for (a, d), fraction in sorted(rm.ramp.items()):
        q0 = rm.agents[a].skills[0]
        if q0 not in terms_by:
            continue
        for s in range(len(rm.shifts)):
            for offset, m in phone[s].items():
                t = d * rm.intervals_per_day + offset
                less = m - ramp_minutes(m, fraction)
                if t < rm.n_intervals and less:
                    terms_by[q0][t].append((rm.y[a, d, s], -less))
                    ramped.add((q0, t))

    penalties: list[Penalty] = []
    for q in rm.queues:
        required = rm.requirement[q]
        for t in range(rm.n_intervals):
            terms = terms_by[q].get(t, [])
            target = int(required[t])
            if target == 0 and not terms:
                continue
            ds = rm.interval_starts[t]
            short_label = Label(SHORT, "agents", queue=q, ds=ds)
            over_label = Label(OVER, "agents", queue=q, ds=ds)
            driver = cp_model.LinearExpr.weighted_sum([n for n, _ in terms], [m for _, m in terms])
            if target == 0:
                penalties.append(LinearPenalty(over_label, driver, over_coeff, base_per_unit=minutes))
                continue
            penalties.append(
                TieredShortfall(
                    short_label,
                    over_label,
                    driver,
                    target,
                    tiers,
                    over_coeff,
                    base_per_unit=minutes,
                    model=rm.model,
                    constant_driver=None if terms else 0,
                    # the hint counts full minutes per (queue, interval); ramped intervals evaluate the driver
                    key=None if (q, t) in ramped else (q, t),
                )
            )
    return penalties
