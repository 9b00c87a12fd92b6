"""What-if overlays, the staffing-only what-if, and compare: parallel, serial and on Dask give the same numbers."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from click.testing import CliRunner
from scenario_files import AGENTS_CSV, write_scenario

from wfm import schema as S
from wfm.cli_whatif import compare as compare_cmd
from wfm.cli_whatif import whatif as whatif_cmd
from wfm.compare import comparison_table, prepare, run_case, run_cases
from wfm.io import load_scenario
from wfm.whatif import (
    adjust_forecast,
    apply_overlays,
    forecast_key,
    hourly_rates,
    overlay_from_sets,
    parse_set,
    read_overlay,
    staffing_whatif,
)

MODEL = "calendar_level"  # one model for every queue: no backtest in tests


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    folder = write_scenario(tmp_path_factory.mktemp("whatif") / "mini")
    (folder / "whatif").mkdir()
    (folder / "whatif" / "vol.toml").write_text('name = "vol"\nvolume = "+20%"\n', encoding="utf-8")
    (folder / "whatif" / "sl.toml").write_text(
        'name = "sl"\ndescription = "90/20"\n[queues.phone_retail]\nservice_level = 0.9\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def base(mini):
    return load_scenario(mini)


def _apply(base, *texts):
    return apply_overlays(base, [overlay_from_sets(list(texts))])


def _problems(base, *texts) -> list[str]:
    with pytest.raises(S.InputError) as err:
        _apply(base, *texts)
    return err.value.problems


# ---------------------------------------------------------------------------
# overlays
# ---------------------------------------------------------------------------
def test_set_values_are_toml_or_text():
    assert parse_set("shrinkage.unplanned = 0.15").value == 0.15
    assert parse_set("queues.chat.open=09:00").value == "09:00"
    assert parse_set("rules.forbidden_successions=[['D12','D08']]").value == [["D12", "D08"]]
    with pytest.raises(S.InputError, match=r"--set volume: write KEY=VALUE"):
        parse_set("volume")


def test_overlay_changes_scenario_fields(base):
    wi = _apply(base, "shrinkage.unplanned=0.15", "queues.*.answer_seconds=15", "rules.max_consecutive_days=5",
                "weights.short_agent_interval=300", "solver.seed=11", "queues.chat.open=09:00")
    sc = wi.scenario
    assert sc.shrinkage.unplanned == 0.15
    assert [q.answer_seconds for q in sc.queues] == [15.0, 15.0]
    assert sc.rules.max_consecutive_days == 5 and sc.rules.min_rest_hours == base.rules.min_rest_hours
    assert sc.weights.short_agent_interval == 300 and sc.solver.seed == 11
    assert sc.queue("chat").open.hour == 9
    assert sc.agents == base.agents and sc.history is base.history
    # the base is untouched (frozen dataclasses, replaced)
    assert base.shrinkage.unplanned == 0.1


def test_later_assignment_wins_and_shortcuts_are_recorded(base):
    wi = _apply(base, "volume=+10%", "volume=+20%", "volume.chat=-5%", "aht=x1.05", "cost.hourly_rate=55",
                "training.hours_per_agent=4")
    assert wi.factor("volume", "phone_retail") == pytest.approx(1.2)
    assert wi.factor("volume", "chat") == pytest.approx(0.95)
    assert wi.factor("aht", "chat") == pytest.approx(1.05)
    assert wi.hourly_rate == 55 and wi.training_hours_per_agent == 4


def test_headcount_drops_the_last_plain_agents_with_their_rows(base):
    wi = _apply(base, "headcount=-1")
    # plain agents (role agent) of the mini scenario are E002 and E003: the last by employee_id goes
    assert wi.dropped_agents == ("E003",)
    assert [a.employee_id for a in wi.scenario.agents] == ["E001", "E002", "E004"]
    assert all(t.employee_id != "E003" for t in wi.scenario.time_off)
    assert _apply(base, "headcount=-1").dropped_agents == wi.dropped_agents  # deterministic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("queues.phone_retail.service_level=1.5",
         "--set queues.phone_retail.service_level=1.5: [[queues]] #1 'phone_retail': 'service_level' = 1.5 must be "
         "between 0.01 and 0.999 (e.g. 0.8)"),
        ("rules.max_consecutive_days=0",
         "--set rules.max_consecutive_days=0: [rules]: 'max_consecutive_days' = 0 must be between 1 and 31"),
        ("shrinkage.unplanned=high",
         "--set shrinkage.unplanned=high: [shrinkage]: 'unplanned' = 'high' must be a number"),
        ("queues.phone_card.service_level=0.9",
         "--set queues.phone_card.service_level=0.9: 'phone_card' in 'queues.phone_card.service_level' is not one of "
         "the queues in scenario.toml (phone_retail, chat)"),
        ("horizon.end=2026-12-31",
         "--set horizon.end=2026-12-31: 'horizon.end' cannot be changed by a what-if: the horizon is fixed by the "
         "history and the leave files; copy the scenario folder to plan another period"),
        ("volume=lots",
         '--set volume=lots: volume = "lots" must be a change in percent such as +10% or -5%, or a factor such as '
         "x1.1 (between x0.01 and x10)"),
        ("headcount=3",
         "--set headcount=3: headcount = 3 must be a negative whole number of agents to leave out, e.g. headcount=-5 "
         "(adding agents: add rows to a copy of agents.csv)"),
        ("shifts.D08.start=08:10",
         "--set shifts.D08.start=08:10: [[shifts]] 'D08': start 08:10 must be on the 15-minute grid"),
    ],
)
def test_bad_values_name_the_set_key_and_what_is_allowed(base, text, expected):
    assert _problems(base, text) == [expected]


def test_unknown_keys_list_the_allowed_ones(base):
    (line,) = _problems(base, "rules.max_days=3")
    assert line.startswith("--set rules.max_days=3: unknown key 'rules.max_days' (allowed: rules.<key> with <key> "
                           "one of min_rest_hours, max_consecutive_days")
    (line,) = _problems(base, "staff=3")
    assert line.startswith("--set staff=3: unknown key 'staff' (top-level keys: aht, contracts, cost, country")
    (line,) = _problems(base, "queues.chat.speed=3")
    assert line.startswith("--set queues.chat.speed=3: unknown field 'speed' in 'queues.chat.speed' (fields: channel")


def test_every_bad_assignment_is_reported_at_once(base):
    problems = _problems(base, "volume=lots", "rules.max_consecutive_days=0", "shrinkage.unplanned=0.2")
    assert len(problems) == 2


def test_overlay_file_errors_name_the_file_and_key(mini, base, tmp_path):
    bad = mini / "whatif" / "bad.toml"
    try:
        bad.write_text('[queues.phone_retail]\nservice_level = 2\n', encoding="utf-8")
        with pytest.raises(S.InputError) as err:
            apply_overlays(base, [read_overlay(bad)])
        assert err.value.problems == [
            "whatif/bad.toml key 'queues.phone_retail.service_level': [[queues]] #1 'phone_retail': 'service_level' "
            "= 2 must be between 0.01 and 0.999 (e.g. 0.8)"
        ]
        bad.write_text("volume = +10%\n", encoding="utf-8")
        with pytest.raises(S.InputError, match=r"^whatif/bad.toml: not a readable TOML overlay"):
            read_overlay(bad)
    finally:
        bad.unlink()
    ov = read_overlay(mini / "whatif" / "sl.toml")
    assert (ov.name, ov.description, ov.assignments[0].key) == ("sl", "90/20", "queues.phone_retail.service_level")


def test_forecast_is_shared_unless_queue_hours_change(base):
    assert forecast_key(_apply(base, "volume=+10%", "queues.chat.service_level=0.9").scenario) == forecast_key(base)
    assert forecast_key(_apply(base, "queues.chat.close=20:00").scenario) != forecast_key(base)


def test_volume_and_aht_scale_the_forecast(base):
    fc = pd.DataFrame({S.QUEUE: ["chat", "phone_retail"], S.DS: [0, 0], S.YHAT: [10.0, 20.0],
                       S.YHAT_LOWER: [8.0, 16.0], S.YHAT_UPPER: [12.0, 24.0], S.AHT_SECONDS: [100.0, 200.0]})
    out = adjust_forecast(fc, _apply(base, "volume=+10%", "aht.chat=-50%"))
    assert out[S.YHAT].tolist() == pytest.approx([11.0, 22.0])
    assert out[S.YHAT_UPPER].tolist() == pytest.approx([13.2, 26.4])
    assert out[S.AHT_SECONDS].tolist() == pytest.approx([50.0, 200.0])
    assert fc[S.YHAT].tolist() == [10.0, 20.0]


def test_hourly_rates_come_from_agents_csv(tmp_path):
    csv = AGENTS_CSV.replace("start_date\n", "start_date,hourly_rate\n", 1)
    lines = csv.strip().splitlines()
    lines = [lines[0]] + [line + rate for line, rate in zip(lines[1:], [",60", ",45.5", ",", ",40"], strict=True)]
    folder = write_scenario(tmp_path / "rated", agents_csv="\n".join(lines) + "\n")
    assert hourly_rates(load_scenario(folder)) == {"E001": 60.0, "E002": 45.5, "E004": 40.0}
    (folder / "agents.csv").write_text("\n".join(lines).replace(",45.5", ",cheap") + "\n", encoding="utf-8")
    with pytest.raises(S.InputError, match=r"agents.csv row 3: hourly_rate 'cheap' must be a number"):
        hourly_rates(load_scenario(folder))


# ---------------------------------------------------------------------------
# staffing-only
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_forecast(base):
    from wfm.pipeline import run_forecast

    return run_forecast(base, models={q.name: MODEL for q in base.queues})


def _row(table, queue, metric):
    r = table[(table[S.QUEUE] == queue) & (table["metric"] == metric)].iloc[0]
    return r["base"], r["whatif"]


def test_more_volume_needs_more_staff(base, base_forecast):
    result = staffing_whatif(base, [overlay_from_sets(["volume=+20%"])], forecast=base_forecast)
    for q in ("phone_retail", "chat", "(all queues)"):
        b, w = _row(result.table, q, "forecast contacts")
        assert w == pytest.approx(1.2 * b)
        b, w = _row(result.table, q, "required FTE")
        assert w > b
        b, w = _row(result.table, q, "predicted service level if staffed as the base")
        assert w < b
    b, w = _row(result.table, "phone_retail", "predicted service level")
    assert w >= 0.8 and b >= 0.8  # both staffed to the target
    for q in ("phone_retail", "chat"):  # neither queue has patience_seconds: Erlang C, whose wait can be unbounded
        b, w = _row(result.table, q, "intervals with unbounded wait")
        assert b == w == 0  # staffed to the target: every wait bounded
        b, w = _row(result.table, q, "intervals with unbounded wait if staffed as the base")
        share = _row(result.table, q, "calls in unbounded-wait intervals if staffed as the base")
        assert b == 0 and w >= b and (share[1] > 0) == (w > 0)


def test_higher_target_needs_more_staff_on_that_queue_only(base, base_forecast):
    result = staffing_whatif(base, [overlay_from_sets(["queues.phone_retail.service_level=0.95"])],
                             forecast=base_forecast)
    b, w = _row(result.table, "phone_retail", "required FTE")
    assert w > b
    b, w = _row(result.table, "chat", "required FTE")
    assert w == b


def test_cli_staffing_only(mini):
    r = CliRunner().invoke(whatif_cmd, [str(mini), "--staffing-only", "--set", "volume=+20%", "--model", MODEL])
    assert r.exit_code == 0, r.output
    assert "staffing-only what-if 'volume=+20%' against the base" in r.output
    assert "required FTE" in r.output and "answered in" in r.output


def test_cli_bad_set_exits_2_before_running(mini, tmp_path):
    out = tmp_path / "cmp"
    r = CliRunner().invoke(compare_cmd, [str(mini), "--set", "rules.max_consecutive_days=40", "--out", str(out)])
    assert r.exit_code == 2
    assert r.output.strip() == ("error: --set rules.max_consecutive_days=40: [rules]: 'max_consecutive_days' = 40 "
                                "must be between 1 and 31")
    assert not out.exists()
    r = CliRunner().invoke(whatif_cmd, [str(mini), "--staffing-only"])
    assert r.exit_code == 2 and "give at least one --set KEY=VALUE or --whatif FILE" in r.output


# ---------------------------------------------------------------------------
# compare: parallel == alone == Dask
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prepared(mini, base):
    from wfm.whatif import load_overlays, overlay_files

    overlays = load_overlays(mini, overlay_files(mini))
    whatifs, cases, _models, _ = prepare(base, overlays, model=MODEL, time_limit_seconds=5, workers=1)
    return whatifs, cases, overlays


def _assert_same(a, b):
    """Same metric rows (NaN equal to NaN), same objective, same HR_Import rows."""
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert (a.info.objective, a.info.bound, a.info.status) == (b.info.objective, b.info.bound, b.info.status)
    pd.testing.assert_frame_equal(a.activities.reset_index(drop=True), b.activities.reset_index(drop=True))


def test_forecast_is_fitted_once_for_overlays_that_keep_it(base, monkeypatch):
    import wfm.pipeline

    calls = []
    real = wfm.pipeline.run_forecast
    monkeypatch.setattr(wfm.pipeline, "run_forecast", lambda sc, *a, **k: calls.append(sc.name) or real(sc, *a, **k))
    overlays = [overlay_from_sets(["volume=+10%"], name="a"), overlay_from_sets(["queues.chat.close=20:00"], name="b"),
                overlay_from_sets(["headcount=-1"], name="c")]
    whatifs, cases, _, _ = prepare(base, overlays, model=MODEL)
    assert calls == ["base", "b"]
    assert cases[1].forecast[S.YHAT].sum() == pytest.approx(1.1 * cases[0].forecast[S.YHAT].sum())


def test_parallel_results_equal_each_scenario_run_alone(prepared):
    whatifs, cases, _ = prepared
    cases = cases[:2]  # base and one what-if: two worker processes, each solving one scenario
    parallel = run_cases(cases, jobs=2)
    for case, par in zip(cases, parallel, strict=True):
        alone = run_case(case)
        assert par.violations == () and alone.violations == ()
        _assert_same(par, alone)
    table = comparison_table(whatifs[:2], parallel)
    other = whatifs[1].name
    fte = table[(table["metric"] == "required FTE") & (table[S.QUEUE] == "(all queues)")].iloc[0]
    assert fte[other] > fte["base"] and fte[f"Δ {other}"] == pytest.approx(fte[other] - fte["base"])
    training = table[table["metric"] == "training hours delivered"].iloc[0]
    assert training["base"] == "n/a (no training in this scenario)"
    for q in ("phone_retail", "chat"):  # what the predicted ASA leaves out sits right under it
        metrics = list(table.loc[table[S.QUEUE] == q, "metric"])
        at = metrics.index("predicted ASA")
        assert metrics[at + 1 : at + 3] == ["intervals with unbounded wait", "calls in unbounded-wait intervals"]


def test_dask_local_cluster_equals_local_run(base, prepared):
    distributed = pytest.importorskip("distributed")
    _, cases, overlays = prepared
    local = [run_case(c) for c in cases[:2]]
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cl,
        distributed.Client(cl) as client,
    ):
        # per-queue forecasts as cluster tasks give the forecast fitted here
        _, remote_cases, _, _ = prepare(base, overlays, model=MODEL, time_limit_seconds=5, client=client)
        for a, b in zip(cases, remote_cases, strict=True):
            pd.testing.assert_frame_equal(a.forecast, b.forecast)
        seen = []
        remote = run_cases(
            remote_cases[:2], executor="dask", scheduler=client, progress=lambda *event: seen.append(event)
        )
    for a, b in zip(local, remote, strict=True):
        _assert_same(a, b)
    # live progress from the workers: every stage of both scenarios, the roster's with its gap
    stages = {(name, stage) for name, stage, _ in seen}
    for c in remote_cases[:2]:
        assert {(c.name, "staffing"), (c.name, "roster"), (c.name, "evaluate"), (c.name, "done")} <= stages
    assert any(stage == "roster" and isinstance(info, dict) and "gap" in info for _, stage, info in seen)


def test_cli_compare_writes_workbook_and_csv(mini, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "cmp"
    r = CliRunner().invoke(compare_cmd, [str(mini), "--whatif", "vol", "--jobs", "1", "--time-limit", "5",
                                         "--model", MODEL, "--set", "cost.hourly_rate=50", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv", "comparison.xlsx", "rosters"]
    csv = pd.read_csv(out / "comparison.csv")
    assert list(csv.columns[:6]) == ["section", "metric", "queue", "unit", "base", "vol"]
    assert "Δ vol" in csv.columns
    metrics = set(csv["metric"])
    for m in ("required FTE", "scheduled paid hours", "cost of paid hours", "predicted service level",
              "predicted ASA", "intervals with unbounded wait", "calls in unbounded-wait intervals",
              "predicted abandonment", "short intervals", "predicted occupancy",
              "fairness spread: weekends", "training hours delivered", "mentoring overlap"):
        assert m in metrics
    cost = csv[csv["metric"] == "cost of paid hours"].iloc[0]
    hours = csv[csv["metric"] == "scheduled paid hours"].iloc[0]
    assert float(cost["base"]) == pytest.approx(50 * float(hours["base"]))
    wb = load_workbook(out / "comparison.xlsx")
    assert wb.sheetnames == ["Comparison", "Scenarios"]
    assert len(wb["Comparison"]._charts) == 2
    assert "required FTE" in r.output and "wrote" in r.output


def test_a_scenario_with_conflicting_rules_is_reported_not_fatal(prepared):
    _, cases, _ = prepared
    sc = cases[0].scenario
    broken = dataclasses.replace(sc, rules=dataclasses.replace(sc.rules, min_days_off_per_week=7,
                                                               min_weekly_minutes=2400))
    result = run_case(dataclasses.replace(cases[0], scenario=broken, name="broken"))
    assert result.error and result.info is None


def test_cli_whatif_without_staffing_only_compares_full_rosters(mini, tmp_path):
    out = tmp_path / "one"
    r = CliRunner().invoke(whatif_cmd, [str(mini), "--set", "headcount=-1", "--jobs", "1", "--time-limit", "5",
                                        "--model", MODEL, "--out", str(out)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "comparison.csv")
    agents = table[table["metric"] == "agents"].iloc[0]
    assert [float(agents[c]) for c in ("base", "headcount=-1", "Δ headcount=-1")] == [4, 3, -1]


def test_simulated_rows_come_from_the_simulation_when_asked(prepared):
    _, cases, _ = prepared
    case = dataclasses.replace(cases[0], simulate=2)
    plain, simulated = run_case(cases[0]), run_case(case)
    rows = simulated.metrics[simulated.metrics["metric"] == "simulated service level"]
    assert len(rows) and all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in rows["value"])
    assert set(simulated.metrics["metric"]) >= {"simulated ASA", "simulated abandonment"}
    note = plain.metrics[plain.metrics["metric"] == "simulated service level"]["value"]
    assert all(str(v).startswith("n/a (run with --simulate N") for v in note)
