"""wfm.roster.lns: the large-neighbourhood search keeps fixed cells, never worsens a roster, and repeats itself.

The roster is Curtois & Qu Instance 4 (10 staff, 28 days, every sequence rule
of the benchmark), mapped onto wfm's rule units by ``benchmarks/curtois.py``
(loaded by path, as in ``tests/test_curtois.py``), from the gzipped fixture.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from ortools.sat.python import cp_model

from wfm.check import check_roster, recompute_penalties
from wfm.roster import lns
from wfm.roster.output import roster_frames
from wfm.roster.penalties import SCALE, ledger_frame
from wfm.roster.solve import _chosen_shifts, build_model, solve_roster

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    name = "curtois_benchmark"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "curtois.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


C = _benchmark()


@pytest.fixture(scope="module")
def start():
    """Instance 4's model and CP-SAT's first roster on it (one worker: the same roster every time)."""
    inst = C.parse_instance(ROOT / "tests" / "fixtures" / "curtois" / "Instance4.txt.gz")
    scenario = C.to_scenario(inst)
    requirements = C.empty_requirements()
    rm = build_model(scenario, requirements)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.stop_after_first_solution = True
    solver.parameters.max_time_in_seconds = 30
    status = solver.solve(rm.model)
    assert status in (cp_model.FEASIBLE, cp_model.OPTIMAL)
    return rm, list(solver.response_proto.solution), round(solver.objective_value), scenario, requirements


def _y(rm, values) -> np.ndarray:
    out = np.zeros((len(rm.agents), rm.n_days, len(rm.shifts)), dtype=int)
    for (a, d, s), var in rm.y.items():
        out[a, d, s] = values[var.index]
    return out


def test_fixed_cells_keep_the_incumbent_and_freed_cells_get_their_domain_back(start):
    rm, values, _, _, _ = start
    copy = lns._Copy(rm)
    copy.hint(values)
    free = np.zeros((len(rm.agents), rm.n_days), dtype=bool)
    free[[1, 4, 7], :] = True  # three agents, whole horizon
    free[:, 10:14] = True  # and every agent on four days
    copy.set(free, values)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(copy.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    solved = list(solver.response_proto.solution)
    before, after = _y(rm, values), _y(rm, solved)
    assert (before[~free] == after[~free]).all()
    # freeing everything restores every y's own domain: the copy is the model again
    copy.set(np.ones_like(free), solved)
    for var in rm.y.values():
        assert list(copy.proto.variables[var.index].domain) == list(
            rm.model.proto.variables[var.index].domain
        )


def test_improve_never_returns_a_worse_roster_and_its_objective_is_the_ledger_total(start):
    rm, values, objective, scenario, requirements = start
    result = lns.improve(rm, values, objective, time_limit=2.0, seed=0, deterministic=True)
    assert result.objective <= objective
    assert result.objective / SCALE <= _exact_cost(rm, values) + 1e-6
    assert result.rounds > 0
    value = lns.value_of(result.values)
    ledger = ledger_frame(rm.penalties, value)
    assert float(ledger["cost"].sum()) == pytest.approx(result.objective / SCALE)
    # the roster keeps every rule, by the independent checker, which prices it the same
    _, activities, _ = roster_frames(rm, _chosen_shifts(rm, value))
    assert check_roster(scenario, activities, requirements).violations == []
    assert recompute_penalties(scenario, activities, requirements) == pytest.approx(result.objective / SCALE)


def _exact_cost(rm, values) -> float:
    """The roster's cost with every slack tight (the ledger total): what changing the shifts must beat."""
    return float(ledger_frame(rm.penalties, lns.value_of(values))["cost"].sum())


def test_improve_finds_better_rosters_than_cp_sat_s_first_one(start):
    rm, values, objective, _, _ = start
    result = lns.improve(rm, values, objective, time_limit=3.0, seed=0, deterministic=True)
    assert result.objective / SCALE < _exact_cost(rm, values) - 1  # better shifts, not only tighter slacks
    before, after = _y(rm, values), _y(rm, result.values)
    assert (before != after).any()


def test_improve_is_deterministic_for_a_seed(start):
    rm, values, objective, _, _ = start
    first = lns.improve(rm, values, objective, time_limit=1.5, seed=3, deterministic=True)
    again = lns.improve(rm, values, objective, time_limit=1.5, seed=3, deterministic=True)
    assert (first.values, first.objective, first.rounds) == (again.values, again.objective, again.rounds)


def test_improve_reports_every_better_roster_in_order(start):
    rm, values, objective, _, _ = start
    seen: list[int] = []
    result = lns.improve(
        rm, values, objective, time_limit=2.0, seed=0, deterministic=True, on_improve=seen.append
    )
    assert len(seen) == result.improvements
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert not seen or (seen[0] < objective and seen[-1] == result.objective)


def test_solve_roster_with_lns_is_deterministic_and_progress_only_improves():
    inst = C.parse_instance(ROOT / "tests" / "fixtures" / "curtois" / "Instance4.txt.gz")
    scenario = C.to_scenario(inst)
    requirements = C.empty_requirements()
    runs = []
    for _ in range(2):
        events: list[dict] = []
        solution = solve_roster(
            scenario,
            requirements,
            progress=events.append,
            time_limit_seconds=6,
            workers=1,
            seed=0,
            deterministic=True,
        )
        assert check_roster(scenario, solution.activities, requirements).violations == []
        last = [e["objective"] for e in events][-3:]
        assert last == sorted(last, reverse=True)
        assert solution.info.objective <= last[-1] + 1e-6  # exact cost: slacks made tight
        runs.append(solution)
    assert runs[0].info.objective == runs[1].info.objective
    assert runs[0].assignments.equals(runs[1].assignments)


def test_a_start_that_breaks_a_rule_is_returned_untouched(start):
    rm, values, objective, _, _ = start
    broken = list(values)
    a, d = 0, 0
    for s in range(len(rm.shifts)):  # every shift on one day: one shift a day is broken
        broken[rm.y[a, d, s].index] = 1
    result = lns.improve(rm, broken, objective, time_limit=2.0, seed=0, deterministic=True)
    assert (result.values, result.objective, result.rounds) == (broken, objective, 0)


def test_two_streams_search_at_once_never_worse_and_deterministic_for_a_seed(start):
    rm, values, objective, scenario, requirements = start
    runs = [
        lns.improve(rm, values, objective, time_limit=2.0, seed=5, deterministic=True, streams=2)
        for _ in range(2)
    ]
    first, again = runs
    assert (first.values, first.objective, first.rounds) == (again.values, again.objective, again.rounds)
    assert first.objective / SCALE < _exact_cost(rm, values) - 1
    assert first.rounds % 2 == 0  # one neighbourhood per stream in every step
    value = lns.value_of(first.values)
    _, activities, _ = roster_frames(rm, _chosen_shifts(rm, value))
    assert check_roster(scenario, activities, requirements).violations == []
    assert recompute_penalties(scenario, activities, requirements) == pytest.approx(first.objective / SCALE)


def test_streams_on_the_wall_clock_share_one_incumbent_and_report_only_improvements(start):
    rm, values, objective, _, _ = start
    seen: list[int] = []
    result = lns.improve(rm, values, objective, time_limit=2.0, seed=0, streams=2, on_improve=seen.append)
    assert result.objective <= objective and result.rounds > 0
    assert len(seen) == result.improvements
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert not seen or seen[-1] == result.objective
    ledger = ledger_frame(rm.penalties, lns.value_of(result.values))
    assert float(ledger["cost"].sum()) == pytest.approx(result.objective / SCALE)


def test_a_round_s_time_doubles_while_the_search_stalls_and_resets_on_improvement(start):
    rm, values, objective, _, _ = start
    search = lns._Search(rm, values, objective, None, lns._Copy(rm).y)

    def result(value: int) -> SimpleNamespace:
        return SimpleNamespace(objective_value=value, response_proto=SimpleNamespace(solution=values))

    assert search.round_limit(1.5) == 1.5
    for _ in range(lns.STALL_ROUNDS - 1):
        search.offer(result(objective + 100), cp_model.FEASIBLE, "worse", 0)
    assert search.round_limit(1.5) == 1.5
    search.offer(result(objective), cp_model.OPTIMAL, "equal: a plateau move, not an improvement", 0)
    assert search.round_limit(1.5) == 3.0
    for _ in range(20 * lns.STALL_ROUNDS):
        search.offer(None, cp_model.UNKNOWN, "nothing found", 0)
    assert search.round_limit(1.5) == 1.5 * 2**lns.MOST_DOUBLINGS
    search.offer(result(objective - 100), cp_model.FEASIBLE, "better", 0)
    assert search.objective == objective - 100 and search.round_limit(1.5) == 1.5


def test_a_kick_changes_the_incumbent_where_the_round_frees_cells_and_other_rounds_may_keep_it(start):
    rm, values, _, _, _ = start
    copy = lns._Copy(rm)
    copy.hint(values)
    free = np.zeros((len(rm.agents), rm.n_days), dtype=bool)
    free[[2, 5], :] = True  # two agents, whole horizon

    def solve() -> tuple[int, np.ndarray]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10
        status = solver.solve(copy.model)
        solved = (
            list(solver.response_proto.solution) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else []
        )
        return status, (_y(rm, solved) if solved else None)

    before = _y(rm, values)
    copy.set(free, values)
    copy.differ_from(values, version=1)
    status, after = solve()
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert (after != before).sum() >= lns.KICK_CHANGES  # enough shift variables differ ...
    assert (after[~free] == before[~free]).all()  # ... and only where the round frees cells
    # with every cell fixed, a kick has nothing to change: no roster at all
    copy.set(np.zeros_like(free), values)
    assert solve()[0] == cp_model.INFEASIBLE
    # any other round may keep the incumbent as it is
    copy.differ_from(None, version=1)
    status, after = solve()
    assert status == cp_model.OPTIMAL and (after == before).all()


def test_kicks_start_after_a_stall_and_keep_rosters_within_the_slack_of_the_best(start):
    rm, values, objective, _, _ = start
    search = lns._Search(rm, values, objective, None, lns._Copy(rm).y)
    rng = np.random.default_rng(0)
    kicks = [search.draw(rng)[3] for _ in range(4 * lns.KICK_EVERY)]
    assert not any(kicks)  # no stall yet
    for _ in range(lns.KICK_AFTER):
        search.offer(None, cp_model.UNKNOWN, "nothing found", 0)
    kicks = [search.draw(rng)[3] for _ in range(4 * lns.KICK_EVERY)]
    assert sum(kicks) == 4  # one round in KICK_EVERY

    other = list(values)

    def result(value: int) -> SimpleNamespace:
        return SimpleNamespace(objective_value=value, response_proto=SimpleNamespace(solution=other))

    slack = int(lns.KICK_SLACK * objective)
    search.offer(result(objective + slack + 1), cp_model.FEASIBLE, "a kick too far", 0, kick=True)
    assert search.current_objective == objective and search.kicks == 0
    search.offer(result(objective + slack), cp_model.FEASIBLE, "a kick within the slack", 0, kick=True)
    assert search.current_objective == objective + slack and search.current is not search.best
    assert search.objective == objective and search.best == values and search.kicks == 1
    # an ordinary round compares with the incumbent the kick left, and only the best roster so far counts
    search.offer(result(objective + slack + 1), cp_model.FEASIBLE, "worse than the incumbent", 0)
    assert search.current_objective == objective + slack
    search.offer(result(objective + 1), cp_model.FEASIBLE, "better than the incumbent, not the best", 0)
    assert search.current_objective == objective + 1 and search.objective == objective
    assert search.improvements == 0 and search.stalled >= lns.KICK_AFTER
    search.offer(result(objective - 1), cp_model.FEASIBLE, "better than the best", 0)
    assert search.objective == objective - 1 and search.best is search.current
    assert search.improvements == 1 and search.stalled == 0


def test_cells_a_kept_kick_changed_stay_fixed_until_the_best_roster_improves(start):
    rm, values, objective, _, _ = start
    y = lns._Copy(rm).y
    n_agents, n_days = len(rm.agents), rm.n_days

    def moved(cells) -> list[int]:
        """``values`` with each (agent, day) of ``cells`` changed: a worked day off, a day off worked."""
        out = list(values)
        for a, d in cells:
            works = any(out[int(i)] for i in y[a, d])
            for s, i in enumerate(y[a, d]):
                out[int(i)] = 0 if works else int(s == 0)
        return out

    def result(roster: list[int], value: int) -> SimpleNamespace:
        return SimpleNamespace(objective_value=value, response_proto=SimpleNamespace(solution=roster))

    def freed(search: lns._Search, rounds: int = 200) -> np.ndarray:
        rng = np.random.default_rng(0)
        return np.logical_or.reduce([search.draw(rng)[2] for _ in range(rounds)])

    assert freed(lns._Search(rm, values, objective, None, y))[3, 5]  # the cell is drawn when nothing holds it
    search = lns._Search(rm, values, objective, None, y)
    search.offer(result(moved([(3, 5), (3, 6)]), objective), cp_model.FEASIBLE, "a kick", 0, kick=True)
    held = np.zeros((n_agents, n_days), dtype=bool)
    held[3, [5, 6]] = True
    assert len(search.tabu) == 1 and (search.tabu[0] == held).all()
    assert not freed(search)[held].any()  # no round may undo the kick
    # an ordinary round that changes other cells holds nothing more
    search.offer(result(moved([(3, 5), (3, 6), (4, 0)]), objective), cp_model.FEASIBLE, "a round", 0)
    assert len(search.tabu) == 1
    # a kick that changes more than TABU_SHARE of the cells lets the older kicks' cells go
    many = [(a, d) for a in range(n_agents) for d in range(n_days) if a >= n_agents // 2]
    assert len(many) > lns.TABU_SHARE * n_agents * n_days
    wide = moved([(3, 5), (3, 6), (4, 0), *many])  # the incumbent's changes, and half the agents more
    search.offer(result(wide, objective), cp_model.FEASIBLE, "a wide kick", 0, kick=True)
    assert len(search.tabu) == 1 and not search.tabu[0][3, 5]
    # a better roster than the best lets every cell go
    search.offer(result(values, objective - 1), cp_model.FEASIBLE, "better than the best", 0)
    assert search.tabu == [] and freed(search)[3, 5]


def test_improve_returns_the_best_roster_it_met_when_kicks_walk_away_from_it(start, monkeypatch):
    """Kicks from the first stalled round on, every other round: the walk leaves the best roster often."""
    rm, values, objective, _, _ = start
    monkeypatch.setattr(lns, "KICK_AFTER", 0)
    monkeypatch.setattr(lns, "KICK_SLACK", 0.05)
    seen: list[int] = []
    result = lns.improve(
        rm, values, objective, time_limit=2.0, seed=0, deterministic=True, on_improve=seen.append
    )
    assert result.kicks > 0 and result.objective <= objective
    assert not seen or result.objective == min(seen)
    value = lns.value_of(result.values)
    assert float(ledger_frame(rm.penalties, value)["cost"].sum()) == pytest.approx(result.objective / SCALE)


def test_a_costly_day_and_another_week_frees_the_same_agents_on_the_same_weekdays_of_two_weeks(start):
    rm, _, _, _, _ = start
    weights = np.zeros(rm.n_days)
    weights[12] = 1.0  # all the dated cost on day 12
    width = lns.TWIN_WINDOW_DAYS
    for seed in range(20):
        rng = np.random.default_rng(seed)
        free = lns._neighbourhood("a costly day and another week", 5.0 * 2 * width, rm, rng, weights)
        agents = np.flatnonzero(free.any(axis=1))
        days = np.flatnonzero(free.any(axis=0))
        assert len(agents) == 5
        assert free[agents][:, days].all()  # every chosen agent on every chosen day
        first = [d for d in days if d - 1 not in days]
        assert len(days) == 2 * width and len(first) == 2  # two windows of the same width ...
        assert (first[1] - first[0]) % 7 == 0  # ... a whole number of weeks apart
        assert 12 in days
    # with nothing dated to cost, it is a window of the costly-days kind: one week-wide window
    free = lns._neighbourhood("a costly day and another week", 5.0 * 7, rm, np.random.default_rng(0), None)
    assert free.any(axis=0).sum() == lns.WINDOW_DAYS


@pytest.mark.parametrize("limit", [60, 300])
def test_cp_sat_hands_over_to_the_search_after_its_share_or_its_most_seconds(monkeypatch, limit):
    """CP-SAT keeps 1 - LNS_SHARE of the search time, but never more than CP_SAT_MOST_SECONDS."""
    from wfm.roster import solve

    inst = C.parse_instance(ROOT / "tests" / "fixtures" / "curtois" / "Instance4.txt.gz")
    scenario = C.to_scenario(inst)
    asked: dict[str, float] = {}
    real_solver = solve._solver

    def quick_solver(time_limit, *args, **kwargs):
        asked.setdefault("cp_sat", time_limit)
        return real_solver(0.5, *args, **kwargs)  # what CP-SAT was given is recorded; the test stays short

    def no_search(rm, start, time_limit, *args):
        asked["search"] = time_limit
        return lns.value_of(start[0])

    monkeypatch.setattr(solve, "_solver", quick_solver)
    monkeypatch.setattr(solve, "_neighbourhood_search", no_search)
    solve_roster(
        scenario, C.empty_requirements(), time_limit_seconds=limit, workers=1, seed=0, deterministic=True
    )
    total = asked["cp_sat"] + asked["search"]
    assert total == pytest.approx(limit, rel=0.05)  # the warm start took a little
    if limit == 60:  # a fifth of 59 s is less than the most
        assert asked["cp_sat"] == pytest.approx((1 - solve.LNS_SHARE) * total)
    else:  # a fifth of 294 s is more
        assert asked["cp_sat"] == pytest.approx(solve.CP_SAT_MOST_SECONDS)
