"""wfm.roster.minimums: the warm start re-rostered agent by agent until it keeps the minimum rules.

The roster is Curtois & Qu Instance 4 (10 staff, 28 days: minimum and maximum
consecutive days, minimum days off in a row, minimum and maximum minutes),
mapped onto wfm's rule units by ``benchmarks/curtois.py`` (loaded by path, as
in ``tests/test_curtois.py``), from the gzipped fixture.  The independent
judges are the benchmark's own evaluator and ``wfm.check``.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from test_lns import C

from wfm.check import check_roster, recompute_penalties
from wfm.roster import lns, minimums
from wfm.roster.output import roster_frames
from wfm.roster.penalties import SCALE, ledger_frame
from wfm.roster.solve import _chosen_shifts, add_hint, build_model, solve_roster
from wfm.roster.warmstart import has_minimums, starting_roster
from wfm.schema import InfeasibleRosterError

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = ROOT / "tests" / "fixtures" / "curtois" / "Instance4.txt.gz"


def _models(scenario, requirements):
    """The real model, and the explain model hinted with the warm start (which breaks the minimums)."""
    rm = build_model(scenario, requirements)
    placed = starting_roster(rm, seed=0, max_rounds=0)
    erm = build_model(scenario, requirements, explain=True)
    add_hint(erm, placed)
    return rm, erm, placed


@pytest.fixture(scope="module")
def instance4():
    inst = C.parse_instance(INSTANCE)
    return inst, C.to_scenario(inst), C.empty_requirements()


def _activities(rm, values):
    return roster_frames(rm, _chosen_shifts(rm, lns.value_of(values)))[1]


def test_the_warm_start_breaks_minimums_and_the_kept_roster_keeps_every_rule(instance4):
    inst, scenario, requirements = instance4
    rm, erm, placed = _models(scenario, requirements)
    assert has_minimums(rm)
    # the warm start alone breaks a hard rule of the benchmark (it does not keep minimums)
    warm = roster_frames(rm, placed)[1]
    assert not C.evaluate(inst, warm).feasible
    kept = minimums.keep_minimums(
        rm, erm, minimums.erm_values(erm), time_limit=60, seed=0, deterministic=True
    )
    assert kept is not None and kept.agents > 0
    activities = _activities(rm, kept.values)
    judged = C.evaluate(inst, activities)
    assert not judged.violations
    assert check_roster(scenario, activities, requirements).violations == []
    # its objective is the model's, the ledger's and both judges'
    ledger = float(ledger_frame(rm.penalties, lns.value_of(kept.values))["cost"].sum())
    assert kept.objective / SCALE == pytest.approx(ledger)
    assert judged.objective == pytest.approx(ledger)
    assert recompute_penalties(scenario, activities, requirements) == pytest.approx(ledger)


def test_the_kept_roster_is_the_same_for_a_seed_and_streams_merge_in_order(instance4):
    _, scenario, requirements = instance4
    runs = []
    for streams in (1, 2, 2):
        rm, erm, _ = _models(scenario, requirements)
        kept = minimums.keep_minimums(
            rm, erm, minimums.erm_values(erm), time_limit=60, seed=1, deterministic=True, streams=streams
        )
        assert kept is not None
        runs.append((kept.values, kept.objective, kept.agents))
    assert runs[1] == runs[2]  # two streams, twice: the same roster
    assert runs[0][2] == runs[1][2]  # the same agents broke a rule in the warm start


def test_an_agent_whose_own_rules_contradict_gives_none_and_the_solve_names_the_rule(instance4, caplog):
    _, scenario, requirements = instance4
    # the first agent must work more minutes than 28 days of 8-hour shifts hold
    name = scenario.agents[0].contract
    contract = dataclasses.replace(
        scenario.contracts[name], min_horizon_minutes=29 * 480, max_horizon_minutes=30 * 480
    )
    broken = dataclasses.replace(scenario, contracts={**scenario.contracts, name: contract})
    rm, erm, _ = _models(broken, requirements)
    with caplog.at_level(logging.INFO, logger="wfm.roster.minimums"):
        assert (
            minimums.keep_minimums(rm, erm, minimums.erm_values(erm), time_limit=20, deterministic=True)
            is None
        )
    assert scenario.agents[0].employee_id in caplog.text
    with pytest.raises(InfeasibleRosterError) as raised:
        solve_roster(broken, requirements, time_limit_seconds=10, workers=2, seed=0, deterministic=True)
    assert scenario.agents[0].employee_id in str(raised.value)


def test_solve_roster_starts_from_the_kept_roster(instance4, caplog):
    inst, scenario, requirements = instance4
    events: list[dict] = []
    with caplog.at_level(logging.INFO, logger="wfm.roster"):
        solution = solve_roster(
            scenario,
            requirements,
            time_limit_seconds=8,
            workers=2,
            seed=0,
            deterministic=True,
            progress=events.append,
        )
    assert "every rule kept" in caplog.text
    # the first roster reported is the kept one, and the result is at least as good
    assert events and solution.info.objective <= events[0]["objective"]
    judged = C.evaluate(inst, solution.activities)
    assert not judged.violations and judged.objective == pytest.approx(solution.info.objective)


def test_a_model_too_large_to_re_roster_in_the_time_is_left_to_cp_sat(instance4, monkeypatch, caplog):
    _, scenario, requirements = instance4
    rm, erm, _ = _models(scenario, requirements)
    # as if a sub-solve cost far more than reading the model: one agent per sub-solve no longer fits the time
    monkeypatch.setattr(minimums, "SOLVE_COST", 1e9)
    with caplog.at_level(logging.INFO, logger="wfm.roster.minimums"):
        kept = minimums.keep_minimums(rm, erm, minimums.erm_values(erm), time_limit=10)
    assert kept is None
    assert "more than the" in caplog.text and "re-rostered" not in caplog.text
