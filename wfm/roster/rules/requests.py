"""Requests: day-off and shift requests are honoured when the cost of doing so is low.

* ``day_off_request`` -- working that day costs ``weights.day_off_request``.
* ``shift_request`` (with ``shift_code``) -- not working exactly that shift
  that day costs ``weights.shift_request``.
* ``shift_off_request`` (with ``shift_code``) -- working that shift that day
  costs ``weights.shift_off_request``.

A request's own ``weight`` (time_off.csv) replaces the scenario weight.
Requests on a day of approved leave, an unavailable day, or before the
agent's start date, are moot (the agent is not working) and cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

DAY_OFF = "day_off_request"
SHIFT = "shift_request"
SHIFT_OFF = "shift_off_request"


def add(rm: RosterModel) -> list[Penalty]:
    weights = rm.scenario.weights

    def coeff(kind: str, a: int, d: int, s: int | None) -> int:
        weight = rm.request_weight.get((kind, a, d, s), getattr(weights, kind))
        return scaled_coefficient(weight, 1, kind)

    penalties: list[Penalty] = []
    for a, days in sorted(rm.day_off_requests.items()):
        eid = rm.agents[a].employee_id
        for d in days:
            if rm.cannot_work(a, d):
                continue
            label = Label(DAY_OFF, "requests", employee_id=eid, date=rm.days[d])
            penalties.append(LinearPenalty(label, rm.works[a, d], coeff(DAY_OFF, a, d, None)))
    for kind, wishes_by_agent in ((SHIFT, rm.shift_requests), (SHIFT_OFF, rm.shift_off_requests)):
        for a, wishes in sorted(wishes_by_agent.items()):
            eid = rm.agents[a].employee_id
            for d, s in wishes:
                if rm.cannot_work(a, d):
                    continue
                label = Label(kind, "requests", employee_id=eid, date=rm.days[d])
                expr = 1 - rm.y[a, d, s] if kind == SHIFT else rm.y[a, d, s]
                penalties.append(LinearPenalty(label, expr, coeff(kind, a, d, s)))
    return penalties
