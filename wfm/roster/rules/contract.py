"""Contract: each agent is rostered up to their contract for the month, and short hours cost.

The month's target is the weekly contract prorated over the days the agent
is employed in the horizon, less the credit of their approved leave days::

    target = floor(contract_minutes_per_week * employed_days / 7)
             - leave_days * leave_credit        (clipped at 0)

Hard: paid minutes worked in the horizon never exceed the target (no planned
overtime).  Soft: every minute below it costs ``weights.contract_shortfall_hour
/ 60``; the ledger reports the shortfall in hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient
from wfm.roster.shifts import leave_credit_minutes
from wfm.schema import Weights

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "contract"
SHORTFALL = "contract_shortfall"


def target_minutes(
    contract_minutes_per_week: int, employed_days: int, leave_days: int, leave_credit: int
) -> int:
    """Paid minutes the agent should work in the horizon."""
    return max(0, contract_minutes_per_week * employed_days // 7 - leave_days * leave_credit)


def shortfall_coefficient(weights: Weights) -> int:
    """Objective cost of one paid minute below the target."""
    return scaled_coefficient(weights.contract_shortfall_hour, 60, "contract_shortfall_hour")


def agent_target(rm: RosterModel, a: int) -> int:
    """The month's paid-minute target of agent ``a`` (see the module docstring)."""
    agent = rm.agents[a]
    employed = [d for d in range(rm.n_days) if rm.employed(a, d)]
    leave = sum(rm.on_leave(a, d) for d in employed)
    return target_minutes(agent.contract_minutes_per_week, len(employed), leave, leave_credit_minutes(agent))


def add(rm: RosterModel) -> list[Penalty]:
    coeff = shortfall_coefficient(rm.scenario.weights)
    penalties: list[Penalty] = []
    for a, agent in enumerate(rm.agents):
        employed = [d for d in range(rm.n_days) if rm.employed(a, d)]
        target = agent_target(rm, a)
        worked = rm.paid_minutes(a, employed)
        ct = rm.model.add(worked <= target)
        rm.hard(ct, RULE, agent, f"at most the contract's {target / 60:g} paid hours this month")
        label = Label(SHORTFALL, "hours", employee_id=agent.employee_id)
        penalties.append(LinearPenalty(label, target - worked, coeff, base_per_unit=60))
    return penalties
