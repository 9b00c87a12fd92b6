"""Contract: each agent is rostered up to their contract for the month, and short hours cost.

The month's target is the weekly contract prorated over the days the agent
is employed in the horizon, less the credit of their approved leave days::

    target = floor(contract_minutes_per_week * employed_days / 7)
             - leave_days * leave_credit        (clipped at 0)

Hard: paid minutes worked in the horizon never exceed the cap, which is the
target (no planned overtime) unless the agent's contract sets
``max_horizon_minutes``; a contract's ``min_horizon_minutes`` is a hard floor.
A contract's ``max_shifts`` caps how many shifts of each code the agent works
in the horizon.  Soft: every minute below ``min(target, cap)`` costs
``weights.contract_shortfall_hour / 60``; the ledger reports the shortfall in
hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfm.roster.penalties import Label, LinearPenalty, Penalty, scaled_coefficient
from wfm.roster.shifts import leave_credit_minutes
from wfm.schema import Weights

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "contract"
MIN_RULE = "min_horizon_minutes"
MAX_SHIFTS = "max_shifts"
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


def agent_cap(rm: RosterModel, a: int) -> int:
    """The most paid minutes agent ``a`` may work in the horizon: the contract's max, else the target."""
    contract = rm.agent_contracts[a]
    if contract is not None and contract.max_horizon_minutes is not None:
        return contract.max_horizon_minutes
    return agent_target(rm, a)


def add(rm: RosterModel) -> list[Penalty]:
    coeff = shortfall_coefficient(rm.scenario.weights)
    penalties: list[Penalty] = []
    for a, agent in enumerate(rm.agents):
        employed = [d for d in range(rm.n_days) if rm.employed(a, d)]
        target, cap = agent_target(rm, a), agent_cap(rm, a)
        worked = rm.paid_minutes(a, employed)
        ct = rm.model.add(worked <= cap)
        rm.hard(ct, RULE, agent, f"at most the contract's {cap / 60:g} paid hours this period")
        contract = rm.agent_contracts[a]
        if contract is not None and contract.min_horizon_minutes:
            ct = rm.model.add(worked >= contract.min_horizon_minutes)
            rm.hard(
                ct,
                MIN_RULE,
                agent,
                f"at least the contract's {contract.min_horizon_minutes / 60:g} paid hours",
            )
        if contract is not None:
            for code, most in contract.max_shifts:
                s = rm.shift_index[code]
                ct = rm.model.add(sum(rm.y[a, d, s] for d in range(rm.n_days)) <= most)
                rm.hard(ct, MAX_SHIFTS, agent, f"at most {most} {code} shifts")
        label = Label(SHORTFALL, "hours", employee_id=agent.employee_id)
        goal = min(target, cap)
        if coeff == 0 or goal == 0:
            continue
        if cap <= target:
            penalties.append(LinearPenalty(label, goal - worked, coeff, base_per_unit=60))
        else:  # worked may pass the target: only the part below it costs
            short = rm.model.new_int_var(0, goal, f"contract_short[{agent.employee_id}]")
            rm.model.add(short >= goal - worked)
            rm.derive(short, lambda value, goal=goal, worked=worked: max(0, goal - value(worked)))
            penalties.append(LinearPenalty(label, short, coeff, base_per_unit=60))
    return penalties
