"""Requests: day-off and shift requests are honoured when the cost of doing so is low.

* ``day_off_request`` -- working that day costs ``weights.day_off_request``.
* ``shift_request`` (with ``shift_code``) -- not working exactly that shift
  that day costs ``weights.shift_request``.

Requests on a day of approved leave, or before the agent's start date, are
moot (the agent is not working) and cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

DAY_OFF = "day_off_request"
SHIFT = "shift_request"


def add(rm: RosterModel) -> list[Penalty]:
    weights = rm.scenario.weights
    day_off_coeff = scaled_coefficient(weights.day_off_request, 1, DAY_OFF)
    shift_coeff = scaled_coefficient(weights.shift_request, 1, SHIFT)
    penalties: list[Penalty] = []
    for a, days in sorted(rm.day_off_requests.items()):
        eid = rm.agents[a].employee_id
        for d in days:
            if rm.on_leave(a, d) or not rm.employed(a, d):
                continue
            label = Label(DAY_OFF, "requests", employee_id=eid, date=rm.days[d])
            penalties.append(LinearPenalty(label, rm.works[a, d], day_off_coeff))
    for a, wishes in sorted(rm.shift_requests.items()):
        eid = rm.agents[a].employee_id
        for d, s in wishes:
            if rm.on_leave(a, d) or not rm.employed(a, d):
                continue
            label = Label(SHIFT, "requests", employee_id=eid, date=rm.days[d])
            penalties.append(LinearPenalty(label, 1 - rm.y[a, d, s], shift_coeff))
    return penalties
