"""Skills: an agent only ever serves queues they are skilled for, one queue per shift.

Every role (agent, new hire, mentor, lead) follows the same rule: the queues
in the agent's ``skills`` are the only queues they can be rostered on, and a
working agent serves exactly one of them for the whole shift.

The model counts crews (``crew[q, d, s]``: agents of shift ``s`` on day ``d``
serving ``q``) instead of choosing a queue per agent.  Crews can be staffed
from the working agents, one queue each and by skill, exactly when (Hall's
condition, complement form)

* the crews add up to the agents working the shift, and
* for every set ``R`` of queues, the crews of ``R`` hold at least the working
  agents whose skills all lie in ``R`` (an agent skilled only for ``R`` has
  nowhere else to go).

Only sets ``R`` that are unions of some agents' skill sets give distinct
rows.  A new hire in ramp-up serves only their first skill
(:meth:`~wfm.roster.model.RosterModel.queues_on`), so the rows of such a day
use that narrower skill set.  :func:`assign_queues` recovers an agent-to-queue assignment from the
solved crews.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING

from wfm.roster.penalties import Penalty
from wfm.schema import Agent, InputError

if TYPE_CHECKING:
    from wfm.roster.model import RosterModel

RULE = "skills"


def allowed_queues(agent: Agent, queues: tuple[str, ...]) -> tuple[str, ...]:
    """The queues ``agent`` may serve, in scenario order; unknown skills are an input error."""
    unknown = [q for q in agent.skills if q not in queues]
    if unknown:
        raise InputError(
            f"agents: {agent.employee_id} has skill(s) {', '.join(unknown)} that are not queues "
            f"in scenario.toml (queues: {', '.join(queues)})"
        )
    return tuple(q for q in queues if q in agent.skills)


def closed_queue_sets(skill_sets: Sequence[tuple[str, ...]], queues: Sequence[str]) -> list[tuple[str, ...]]:
    """Proper subsets ``R`` of ``queues`` equal to the union of the skill sets contained in them."""
    out = []
    for size in range(len(queues)):
        for subset in combinations(queues, size):
            members = set(subset)
            inside = [set(sk) for sk in skill_sets if set(sk) <= members]
            if inside and set().union(*inside) == members:
                out.append(subset)
    return out


def add(rm: RosterModel) -> list[Penalty]:
    phrase = "each queue is served only by agents skilled for it, one queue per shift"
    agents = range(len(rm.agents))
    # ramp-up narrows a new hire to their first skill on some days: those singletons join the closed sets
    skill_sets = sorted(set(rm.agent_queues) | {qs for d in range(rm.n_days) for qs in rm.queues_on(d)})
    closed = closed_queue_sets(skill_sets, rm.queues)
    for d in range(rm.n_days):
        today = rm.queues_on(d)
        subsets = [(subset, [a for a in agents if set(today[a]) <= set(subset)]) for subset in closed]
        for s in range(len(rm.shifts)):
            crews = {q: rm.crew[q, d, s] for q in rm.queues if (q, d, s) in rm.crew}
            working = [rm.y[a, d, s] for a in agents]
            rm.hard(rm.model.add(sum(crews.values()) == sum(working)), RULE, None, phrase)
            for subset, confined in subsets:
                ct = rm.model.add(
                    sum(crews[q] for q in subset if q in crews) >= sum(rm.y[a, d, s] for a in confined)
                )
                rm.hard(ct, RULE, None, phrase)
    return []


def assign_queues(
    working: Sequence[int], agent_queues: Sequence[tuple[str, ...]], crews: Mapping[str, int]
) -> dict[int, str]:
    """Match working agents to queues so each queue gets exactly its crew; by skill, one queue each.

    Deterministic: agents are placed in the given order, each preferring its
    skills in scenario order, moving earlier agents along augmenting paths
    when needed.  Raises ``RuntimeError`` if no such matching exists (the
    model guarantees one).

    >>> assign_queues([0, 1], [("a", "b"), ("a",)], {"a": 1, "b": 1})
    {0: 'b', 1: 'a'}
    """
    free = dict(crews)
    members: dict[str, list[int]] = {q: [] for q in crews}
    where: dict[int, str] = {}

    def place(agent: int, seen: set[str]) -> bool:
        for q in agent_queues[agent]:
            if q in seen or q not in free:
                continue
            seen.add(q)
            if free[q] > 0:
                free[q] -= 1
                members[q].append(agent)
                where[agent] = q
                return True
            for other in list(members[q]):
                if place(other, seen):
                    members[q].remove(other)
                    members[q].append(agent)
                    where[agent] = q
                    return True
        return False

    for agent in working:
        if not place(agent, set()):
            raise RuntimeError(f"no queue left for agent #{agent} among crews {dict(crews)}")
    if any(free.values()):
        raise RuntimeError(f"crews {dict(crews)} exceed the agents working")
    return dict(sorted(where.items()))
