"""The plan store, actuals and review: round trips, idempotence, history, failure safety, exact figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook

from wfm import pipeline, store
from wfm import schema as S
from wfm.cli import run_info_for
from wfm.cli_store import actuals, publish, review
from wfm.evaluate import evaluate
from wfm.export import RunFolder, write_run
from wfm.io import load_scenario

FIXTURE = Path(__file__).parent / "fixtures" / "small"
TZ = "Asia/Shanghai"


# ---------------------------------------------------------------------------
# fixtures: one small run folder (a fast forecast model, a 2-second solve), a variant, actuals
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    scenario = load_scenario(FIXTURE)
    fc = pipeline.run_forecast(scenario, models={q.name: "hist_avg_4w" for q in scenario.queues})
    req = pipeline.run_staffing(scenario, fc)
    roster = pipeline.run_roster(scenario, req, time_limit_seconds=2, workers=1, seed=1)
    result = pipeline.RunResult(scenario, fc, req, roster, evaluate(scenario, fc, req, roster))
    target = tmp_path_factory.mktemp("runs") / "small-1"
    info = run_info_for(scenario, roster.info, dt.datetime(2026, 11, 29, 7, 0, 0), 3.0)
    with RunFolder(target) as folder:
        write_run(folder, result, info, plots=False)
        folder.commit()
    return target


@pytest.fixture(scope="module")
def run_dir_2(run_dir, tmp_path_factory) -> Path:
    """The same month re-planned: E001 now has every day off (a different roster, so a different run)."""
    target = tmp_path_factory.mktemp("runs") / "small-2"
    shutil.copytree(run_dir, target)
    roster = pd.read_csv(target / "roster.csv", dtype=str, keep_default_na=False)
    days = sorted(roster["date"].unique())
    off = pd.DataFrame(
        {
            "employee_id": "E001",
            "date": days,
            "activity": "OFF",
            "start": [f"{d}T00:00:00+08:00" for d in days],
            "end": [f"{dt.date.fromisoformat(d) + dt.timedelta(days=1)}T00:00:00+08:00" for d in days],
            "minutes": "0",
            "paid": "False",
            "queue": "",
            "shift_code": "OFF",
        }
    )
    pd.concat([roster[roster["employee_id"] != "E001"], off]).to_csv(target / "roster.csv", index=False)
    return target


@pytest.fixture(scope="module")
def actuals_file(run_dir, tmp_path_factory) -> Path:
    """A month of actuals around the run's forecast (seeded), with service-level counts."""
    fc = pd.read_csv(run_dir / "forecast.csv")
    rng = np.random.default_rng(11)
    offered = rng.poisson(fc["yhat"].clip(lower=0) * 1.1)
    aht = (fc["aht_seconds"] * (1 + rng.normal(0, 0.1, len(fc)))).round(1)
    answered = np.floor(offered * 0.95).astype(int)
    path = tmp_path_factory.mktemp("actuals") / "december.csv"
    pd.DataFrame(
        {
            "queue": fc["queue"],
            "interval_start": fc["ds"],
            "offered": offered,
            "aht_seconds": np.where(offered > 0, aht.astype(str), ""),
            "answered": answered,
            "abandoned": offered - answered,
            "answered_within_threshold": np.floor(answered * 0.8).astype(int),
        }
    ).to_csv(path, index=False)
    return path


PG_URL = os.environ.get("WFM_TEST_PG_URL")  # e.g. postgresql+psycopg://wfm@/wfm_test?host=/tmp/pg&port=5432


@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def db(request, tmp_path) -> str:
    """A fresh store URL: SQLite in the test's folder; PostgreSQL too when WFM_TEST_PG_URL names a database to empty."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wfm.db'}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:  # every test starts from an empty database
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'wfm.db'}"


def _counts(db: str) -> dict[str, int]:
    return store.table_counts(db)


def _rows(db: str, sql: str) -> list:
    engine = store.open_store(db)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------
# schema and migrations
# ---------------------------------------------------------------------------
def test_new_store_is_at_the_current_schema_version(db):
    engine = store.open_store(db)
    with engine.connect() as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        assert set(store.TABLES) <= set(sa.inspect(conn).get_table_names())
    engine.dispose()


def test_migrations_run_once_in_order_and_a_failed_one_changes_nothing(db):
    engine = store.open_store(db)

    def add_notes(conn):
        conn.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"))

    def broken(conn):
        conn.execute(sa.text("CREATE TABLE half_done (id INTEGER)"))
        raise RuntimeError("migration bug")

    v2 = (*store.MIGRATIONS, (2, "notes", add_notes))
    assert store.migrate(engine, v2) == 2
    assert store.migrate(engine, v2) == 2  # nothing left to do
    with pytest.raises(RuntimeError, match="migration bug"):
        store.migrate(engine, (*v2, (3, "broken", broken)))
    with engine.connect() as conn:
        assert store.schema_version(conn) == 2
        tables = set(sa.inspect(conn).get_table_names())
    assert "notes" in tables and "half_done" not in tables  # DDL rolled back with the failed migration
    with pytest.raises(store.StoreError, match="schema version 2, newer than this wfm understands \\(1\\)"):
        store.migrate(engine, store.MIGRATIONS)
    engine.dispose()


def test_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv(store.ENV_VAR, raising=False)
    assert store.resolve_url(None) == f"sqlite:///{Path('outputs/wfm.db').absolute()}"
    monkeypatch.setenv(store.ENV_VAR, "postgresql+psycopg://wfm@dbhost/wfm")
    assert store.resolve_url(None) == "postgresql+psycopg://wfm@dbhost/wfm"
    assert store.resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert (
        store.display_url("postgresql+psycopg://wfm:secret@dbhost/wfm")
        == "postgresql+psycopg://wfm:***@dbhost/wfm"
    )


# ---------------------------------------------------------------------------
# publish
# ---------------------------------------------------------------------------
def test_publish_round_trip(run_dir, db):
    result = store.publish(run_dir, db)
    assert result.created and result.run_id == 1 and result.superseded is None
    assert (result.scenario, result.horizon_start, result.horizon_end) == (
        "small",
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 13),
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    (run,) = _rows(db, "SELECT scenario, seed, status, objective, input_hashes, timezone FROM runs")
    assert run[:4] == (
        "small",
        summary["seed"],
        summary["solver_status"],
        pytest.approx(summary["objective"]),
    )
    hashes = json.loads(run[4]) if isinstance(run[4], str) else run[4]  # SQLite: text; PostgreSQL: json
    assert hashes == summary["input_sha256"] and run[5] == TZ

    # stage rows come back exactly, in local time
    (part,) = store.live_plan(db, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    fc = pd.read_csv(run_dir / "forecast.csv")
    back = part.forecast
    assert len(back) == len(fc)
    assert sorted(back[S.DS].map(lambda t: t.isoformat())) == sorted(fc[S.DS])  # local time with offset
    merged = fc.assign(ds=pd.to_datetime(fc[S.DS]).dt.tz_convert(TZ)).merge(back, on=[S.QUEUE, S.DS])
    assert len(merged) == len(fc)
    np.testing.assert_allclose(merged["yhat_x"], merged["yhat_y"])
    np.testing.assert_allclose(merged["aht_seconds_x"], merged["aht_seconds_y"])
    roster = pd.read_csv(run_dir / "roster.csv", dtype=str, keep_default_na=False)
    acts = _rows(
        db,
        'SELECT employee_id, date, activity, start, "end", minutes, shift_code FROM roster_activities '
        "ORDER BY seq",
    )
    assert len(acts) == len(roster)
    first = roster.iloc[0]
    assert (acts[0][0], str(acts[0][1]), acts[0][2], acts[0][6]) == (
        first["employee_id"],
        first["date"],
        first["activity"],
        first["shift_code"],
    )
    # instants are stored in UTC
    assert pd.Timestamp(acts[0][3]) == pd.Timestamp(first["start"]).tz_convert("UTC").tz_localize(None)
    kpis = _rows(db, "SELECT COUNT(*), SUM(forecast_volume) FROM kpis")[0]
    assert kpis[0] == 3 * 7 and kpis[1] == pytest.approx(fc["yhat"].sum())


def test_chinese_names_round_trip_exactly(run_dir, db):
    store.publish(run_dir, db)
    agents = pd.read_csv(FIXTURE / "agents.csv", dtype=str)
    stored = dict(_rows(db, "SELECT employee_id, name FROM agents"))
    teams = {t for (t,) in _rows(db, "SELECT team FROM agents")}
    assert stored == dict(zip(agents["employee_id"], agents["name"], strict=True))
    assert stored["E001"] == "姚睿" and teams == set(agents["team"])


def test_publishing_twice_is_idempotent(run_dir, db):
    runner = CliRunner()
    first = runner.invoke(publish, [str(run_dir), "--db", db])
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"published {run_dir} as run #1 (small, 2026-12-07 .. 2026-12-13)")
    before = _counts(db)
    again = runner.invoke(publish, [str(run_dir), "--db", db])
    assert again.exit_code == 0
    assert again.output == (
        f"{run_dir}: already in the store as run #1 (small, 2026-12-07 .. 2026-12-13, live); "
        "nothing changed\n"
    )
    assert _counts(db) == before


def test_a_newer_run_supersedes_and_history_is_kept(run_dir, run_dir_2, db):
    t1, t2 = dt.datetime(2026, 12, 1, 8), dt.datetime(2026, 12, 5, 9)
    store.publish(run_dir, db, now=t1)
    second = store.publish(run_dir_2, db, now=t2)
    assert second.created and second.run_id == 2 and second.superseded == 1
    history = store.live_history(db, "small")
    assert list(history["run_id"]) == [1, 2]
    assert list(history["live_from"]) == [pd.Timestamp(t1), pd.Timestamp(t2)]
    assert history["live_until"][0] == pd.Timestamp(t2) and pd.isna(history["live_until"][1])
    assert _rows(db, "SELECT id, superseded_by FROM runs ORDER BY id") == [(1, 2), (2, None)]
    # the old run published again is recognised, and stays superseded
    again = store.publish(run_dir, db)
    assert (again.created, again.run_id, again.superseded_by) == (False, 1, 2)
    assert len(store.live_history(db)) == 2
    (part,) = store.live_plan(db, dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    assert part.run_id == 2


@pytest.mark.parametrize("fail_at", [1, 4, 7, "live"])
def test_an_interrupted_publish_leaves_the_store_unchanged(run_dir, run_dir_2, db, monkeypatch, fail_at):
    store.publish(run_dir, db)
    before = _counts(db)
    history = store.live_history(db)
    if fail_at == "live":
        real = store._make_live

        def make_live_then_fail(*args, **kwargs):
            real(*args, **kwargs)  # the old plan is closed and the new one opened ...
            raise OSError("disk full")  # ... and then the publish dies

        monkeypatch.setattr(store, "_make_live", make_live_then_fail)
    else:
        real_insert, calls = store._insert_frame, []

        def insert_then_fail(*args, **kwargs):
            calls.append(args[1])
            if len(calls) == fail_at:
                raise OSError("disk full")
            return real_insert(*args, **kwargs)

        monkeypatch.setattr(store, "_insert_frame", insert_then_fail)
    with pytest.raises(OSError, match="disk full"):
        store.publish(run_dir_2, db)
    assert _counts(db) == before
    pd.testing.assert_frame_equal(store.live_history(db), history)
    assert _rows(db, "SELECT superseded_by FROM runs") == [(None,)]


def test_a_bad_run_folder_is_refused(tmp_path, run_dir, sqlite_db):
    runner = CliRunner()
    res = runner.invoke(publish, [str(tmp_path / "nowhere"), "--db", sqlite_db])
    assert res.exit_code == 2
    assert res.output == f"error: {tmp_path / 'nowhere'}: not a run folder (it does not exist or is a file)\n"
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    text = (broken / "forecast.csv").read_text().splitlines()
    text[3] = text[3].replace(text[3].split(",")[2], "lots", 1)
    (broken / "forecast.csv").write_text("\n".join(text) + "\n")
    res = runner.invoke(publish, [str(broken), "--db", sqlite_db])
    assert res.exit_code == 2
    assert "error: forecast.csv row 4: yhat 'lots' is not a number" in res.output
    assert not (tmp_path / "wfm.db").exists()  # the folder is read before the store is opened


# ---------------------------------------------------------------------------
# actuals
# ---------------------------------------------------------------------------
def test_actuals_import_and_reimport(actuals_file, db):
    runner = CliRunner()
    res = runner.invoke(actuals, ["import", str(actuals_file), "--db", db, "--timezone", TZ])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(
        f"imported 1,008 intervals of chat, phone_card, phone_retail from {actuals_file} "
        "(2026-12-07T00:00:00+08:00 .. 2026-12-13T23:30:00+08:00)"
    )
    again = store.import_actuals(actuals_file, db)
    assert (again.rows, again.replaced) == (1008, 1008)
    assert _counts(db)["actuals"] == 1008


def test_bad_actuals_rows_are_refused_naming_file_and_row(tmp_path, sqlite_db):
    bad = tmp_path / "july.csv"
    bad.write_text(
        "queue,interval_start,offered,aht_seconds,answered,abandoned,answered_within_threshold\n"
        "phone_retail,2026-12-07T08:00:00+08:00,10,200,9,1,8\n"
        "phone_retail,2026-12-07T08:30:00+08:00,abc,200,9,1,8\n"
        "phone_retail,2026-12-07T09:00:00+08:00,10,-5,9,1,8\n"
        "phone_retail,2026-12-07T09:30:00+08:00,10,200,9,1,12\n"
        "phone_retail,2026-12-07T08:00:00+08:00,10,200,9,1,8\n"
        "phone_retail,2026-12-07T10:00:00+08:00,10,200,9,1,x\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(actuals, ["import", str(bad), "--db", sqlite_db])
    assert res.exit_code == 2
    assert res.output.splitlines() == [
        "error: july.csv row 3: offered 'abc' is not a number",
        "error: july.csv row 4: aht_seconds -5 must be above 0 and at most 14400 seconds",
        "error: july.csv row 6: duplicate interval phone_retail 2026-12-07T08:00:00+08:00 (first at row 2); "
        "keep one row per queue and interval",
        "error: july.csv row 7: answered_within_threshold 'x' is not a number",
        "error: july.csv row 5: answered_within_threshold 12 is more than offered 10",
        "error: july.csv row 5: answered_within_threshold 12 is more than answered 9",
    ]
    assert not (tmp_path / "wfm.db").exists() or _counts(sqlite_db)["actuals"] == 0


def test_actuals_without_utc_offset_need_a_timezone(tmp_path, sqlite_db):
    naive = tmp_path / "a.csv"
    naive.write_text("queue,interval_start,offered,aht_seconds\nchat,2026-12-07T08:00:00,3,300\n")
    res = CliRunner().invoke(actuals, ["import", str(naive), "--db", sqlite_db])
    assert res.exit_code == 2
    assert res.output == (
        "error: a.csv row 2: interval_start '2026-12-07T08:00:00' has no UTC offset, so its time "
        "zone is unknown; give it with --timezone, e.g. --timezone Asia/Shanghai\n"
    )
    res = CliRunner().invoke(
        actuals, ["import", str(naive), "--db", sqlite_db, "--timezone", "Asia/Shanghia"]
    )
    assert res.exit_code == 2
    assert (
        res.output
        == "error: --timezone 'Asia/Shanghia' is not an IANA time zone name; write e.g. Asia/Shanghai or Europe/Berlin\n"
    )


def test_history_with_actuals_extends_the_next_forecast_history(actuals_file, db, tmp_path):
    december = load_scenario(FIXTURE)  # horizon 2026-12-07 .. 13: the actuals file's week
    january = dataclasses.replace(
        december,
        horizon=dataclasses.replace(december.horizon, start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 10)),
    )
    assert store.history_with_actuals(january, tmp_path / "none.db") is january.history  # no store: unchanged
    assert not (tmp_path / "none.db").exists()
    store.import_actuals(actuals_file, db)
    extended = store.history_with_actuals(january, db)
    assert list(extended.columns) == list(january.history.columns)
    assert len(extended) == len(january.history) + 1008
    assert extended[S.INTERVAL_START].max() == pd.Timestamp("2026-12-13 23:30", tz=TZ)
    assert str(extended[S.INTERVAL_START].dt.tz) == TZ
    # the planned week's own actuals are for review, not for forecasting that week
    assert len(store.history_with_actuals(december, db)) == len(december.history)
    # an imported interval that the history also holds is replaced, not doubled
    last = january.history.iloc[-1]
    fix = tmp_path / "fix.csv"
    fix.write_text(
        f"queue,interval_start,offered,aht_seconds\n{last[S.QUEUE]},{last[S.INTERVAL_START].isoformat()},999,100\n"
    )
    store.import_actuals(fix, db)
    again = store.history_with_actuals(january, db)
    assert len(again) == len(extended)
    hit = again[(again[S.QUEUE] == last[S.QUEUE]) & (again[S.INTERVAL_START] == last[S.INTERVAL_START])]
    assert hit[S.OFFERED].tolist() == [999]


# ---------------------------------------------------------------------------
# review
# ---------------------------------------------------------------------------
def test_review_wape_equals_an_independent_computation(run_dir, actuals_file, db, tmp_path):
    runner = CliRunner()
    assert runner.invoke(publish, [str(run_dir), "--db", db]).exit_code == 0
    assert runner.invoke(actuals, ["import", str(actuals_file), "--db", db]).exit_code == 0
    out = tmp_path / "review"
    res = runner.invoke(
        review, ["--start", "2026-12-01", "--end", "2026-12-31", "--out", str(out), "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["forecast_vs_actual.png", "review.csv", "review.xlsx"]

    # independently: forecast.csv against the actuals file, per queue and local day
    fc = pd.read_csv(run_dir / "forecast.csv")
    act = pd.read_csv(actuals_file)
    both = fc.merge(act, left_on=["queue", "ds"], right_on=["queue", "interval_start"], how="left")
    both["offered"] = both["offered"].fillna(0)
    both["date"] = both["ds"].str[:10]
    both["abs_error"] = (both["offered"] - both["yhat"]).abs()
    by_day = both.groupby(["queue", "date"]).agg(
        actual=("offered", "sum"), forecast=("yhat", "sum"), abs_error=("abs_error", "sum")
    )
    by_day["wape"] = by_day["abs_error"] / by_day["actual"]
    got = pd.read_csv(out / "review.csv").set_index(["queue", "date"]).sort_index()
    assert list(got.columns[:4]) == ["run_id", "intervals", "actual", "forecast"]
    assert got.index.equals(by_day.index)
    for col in ("actual", "forecast", "abs_error", "wape"):
        np.testing.assert_allclose(got[col], by_day[col], rtol=1e-9, err_msg=col)
    # the period's WAPE per queue, and the achieved service level
    month = both.groupby("queue").agg(
        a=("offered", "sum"), e=("abs_error", "sum"), awt=("answered_within_threshold", "sum")
    )
    wb = load_workbook(out / "review.xlsx", read_only=True)
    assert wb.sheetnames == ["Summary", "Daily", "Largest gaps", "Intervals"]
    rows = list(wb["Summary"].iter_rows(min_row=4, values_only=True))
    header = rows[0]
    summary = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0]}
    for q, m in month.iterrows():
        assert summary[q]["wape"] == pytest.approx(m["e"] / m["a"], rel=1e-9)
        assert summary[q]["achieved_service_level"] == pytest.approx(m["awt"] / m["a"], rel=1e-9)
    assert summary["(all queues)"]["wape"] == pytest.approx(month["e"].sum() / month["a"].sum(), rel=1e-9)
    wb.close()
    assert "plan against actual, 2026-12-01 .. 2026-12-31 (live run #1):" in res.output
    assert "largest gaps (where to look):" in res.output


def test_review_staffing_on_actuals_equals_wfm_staffing(run_dir, actuals_file, db):
    from wfm.review import review as run_review

    store.publish(run_dir, db)
    store.import_actuals(actuals_file, db)
    result = run_review(db, dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    iv = result.intervals
    assert (iv["needed"] >= 0).all() and iv["needed"].sum() > 0
    # exact forecast -> needed equals the plan's requirement
    exact = iv[(iv["actual"] == iv["forecast"]) & (iv["actual"] == 0)]
    assert (exact["needed"] == exact["required"]).all()
    daily = result.daily
    np.testing.assert_allclose(daily["needed_hours"].sum(), iv["needed"].sum() * 0.5)


def test_review_without_a_plan_or_actuals(run_dir, actuals_file, sqlite_db, tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        review,
        ["--start", "2026-12-01", "--end", "2026-12-31", "--out", str(tmp_path / "r"), "--db", sqlite_db],
    )
    assert res.exit_code == 2
    assert res.output == (
        f"error: {tmp_path / 'wfm.db'}: no plan store here yet; publish a run first (wfm publish RUN_DIR)\n"
    )
    assert not (tmp_path / "wfm.db").exists()  # reading never creates a store
    store.open_store(sqlite_db).dispose()
    res = runner.invoke(
        review,
        ["--start", "2026-12-01", "--end", "2026-12-31", "--out", str(tmp_path / "r"), "--db", sqlite_db],
    )
    assert res.exit_code == 2
    assert res.output == (
        "error: no live plan covers 2026-12-01 .. 2026-12-31; publish the run first (wfm publish)\n"
    )
    store.publish(run_dir, sqlite_db)
    res = runner.invoke(
        review,
        ["--start", "2026-12-01", "--end", "2026-12-31", "--out", str(tmp_path / "r"), "--db", sqlite_db],
    )
    assert res.exit_code == 2
    assert res.output == (
        "error: no actuals in the store for the planned queues on 2026-12-01 .. 2026-12-31; "
        "import them first (wfm actuals import FILE)\n"
    )
    assert not (tmp_path / "r").exists()


# ---------------------------------------------------------------------------
# fairness across months
# ---------------------------------------------------------------------------
def _independent_burden(roster_csv: Path, first: dt.date, last: dt.date) -> dict[str, dict[str, int]]:
    roster = pd.read_csv(roster_csv, dtype=str, keep_default_na=False)
    shifts = roster[roster["activity"] == "SHIFT"].copy()
    shifts["d"] = shifts["date"].map(dt.date.fromisoformat)
    shifts = shifts[(shifts["d"] >= first) & (shifts["d"] <= last)]
    late_codes = {"D13", "L15"}  # the small scenario's shifts ending after 21:00 (13:00 + 9 h, 15:00 + 9 h)
    out = {}
    for eid, g in shifts.groupby("employee_id"):
        weekends = {d - dt.timedelta(days=d.weekday() - 5) for d in g["d"] if d.weekday() >= 5}
        out[eid] = {
            "weekends": len(weekends),
            "late_shifts": int(g["shift_code"].isin(late_codes).sum()),
            "holidays": 0,
        }
    return out


def test_previous_burden_counts_the_live_rosters(run_dir, run_dir_2, db):
    ids = [f"E{i:03d}" for i in range(1, 13)] + ["NEW"]
    assert store.previous_burden(db, ids, dt.date(2027, 1, 1), 1) == {
        e: {"weekends": 0, "late_shifts": 0, "holidays": 0} for e in ids
    }
    store.publish(run_dir, db, now=dt.datetime(2026, 12, 1))
    got = store.previous_burden(db, ids, dt.date(2027, 1, 1), 1)
    expected = _independent_burden(run_dir / "roster.csv", dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    for e in ids:
        assert got[e] == expected.get(e, {"weekends": 0, "late_shifts": 0, "holidays": 0}), e
    assert sum(v["weekends"] for v in got.values()) > 0
    # the window ends the day before `before`
    part = store.previous_burden(db, ids, dt.date(2026, 12, 12), 1)
    assert part == {
        e: _independent_burden(run_dir / "roster.csv", dt.date(2026, 11, 12), dt.date(2026, 12, 11)).get(
            e, {"weekends": 0, "late_shifts": 0, "holidays": 0}
        )
        for e in ids
    }
    # a superseded roster no longer counts: E001 has every day off in the newer plan
    store.publish(run_dir_2, db, now=dt.datetime(2026, 12, 2))
    assert store.previous_burden(db, ["E001"], dt.date(2027, 1, 1), 1) == {
        "E001": {"weekends": 0, "late_shifts": 0, "holidays": 0}
    }
    assert store.previous_burden(db, ["E002"], dt.date(2027, 1, 1), 1)["E002"] == got["E002"]


def _january(months: int = 1) -> S.Scenario:
    """The small scenario moved to the week of 2027-01-04, carrying ``months`` of burden."""
    december = load_scenario(FIXTURE)
    return dataclasses.replace(
        december,
        horizon=dataclasses.replace(december.horizon, start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 10)),
        rules=dataclasses.replace(december.rules, fairness_history_months=months),
    )


def _sha256_frame(frame: pd.DataFrame) -> str:
    import hashlib

    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def test_the_pipeline_carries_the_published_burden_into_the_next_month(run_dir, db):
    january = _january(months=1)  # window 2026-12-04 .. 2027-01-03: the published week of December
    assert pipeline.with_store(january, None) is january  # no store: nothing changes
    store.publish(run_dir, db, now=dt.datetime(2026, 12, 1))
    planned = pipeline.with_store(january, db, actuals=False)
    frame = planned.fairness_history
    assert list(frame.columns) == list(S.FAIRNESS_HISTORY_COLUMNS)
    assert frame[S.EMPLOYEE_ID].tolist() == [a.employee_id for a in january.agents]
    assert (frame["months"] == 1).all()
    expected = _independent_burden(run_dir / "roster.csv", dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    zero = {"weekends": 0, "late_shifts": 0, "holidays": 0}
    for r in frame.itertuples(index=False):
        got = {"weekends": r.weekends, "late_shifts": r.late_shifts, "holidays": r.holidays}
        assert got == expected.get(r.employee_id, zero), r.employee_id
    assert frame["weekends"].sum() > 0
    # the record of the inputs: the months carried and a hash of the frame, beside the file hashes
    assert planned.input_hashes["store:fairness_history"] == _sha256_frame(frame)
    assert "store:actuals" not in planned.input_hashes  # no actuals imported
    info = run_info_for(planned, None, dt.datetime(2027, 1, 1), 1.0)
    assert info["fairness_history_months"] == 1
    assert info["input_sha256"]["store:fairness_history"] == _sha256_frame(frame)
    assert "fairness_history_months" not in run_info_for(january, None, dt.datetime(2027, 1, 1), 1.0)
    # [rules] fairness_history_months = 0 carries nothing
    assert pipeline.with_store(_january(months=0), db).fairness_history is None


def test_imported_actuals_extend_the_forecasts_training_history(actuals_file, db):
    january = _january()
    store.import_actuals(actuals_file, db)  # 2026-12-07 .. 13, after history.csv ends (2026-12-06)
    assert january.history[S.INTERVAL_START].max() < pd.Timestamp("2026-12-07", tz=TZ)
    planned = pipeline.with_store(january, db, fairness=False)
    assert planned.fairness_history is None
    history = planned.history
    added = history[history[S.INTERVAL_START] >= pd.Timestamp("2026-12-07", tz=TZ)]
    raw = pd.read_csv(actuals_file)
    assert len(added) == len(raw) and added[S.OFFERED].sum() == raw["offered"].sum()
    assert len(history) == len(january.history) + len(raw)
    extra = store.actuals_for_history(january, db)
    assert planned.input_hashes["store:actuals"] == _sha256_frame(extra)
    # the forecast learns from them: the last four weeks' average now includes the imported week
    models = {q.name: "hist_avg_4w" for q in january.queues}
    before = pipeline.run_forecast(january, models=models)
    after = pipeline.run_forecast(planned, models=models)
    assert after[S.YHAT].sum() != pytest.approx(before[S.YHAT].sum(), rel=1e-3)


def test_plan_store_is_used_when_given_or_present(monkeypatch, tmp_path, sqlite_db):
    monkeypatch.delenv(store.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert pipeline.plan_store(None) is None  # no --db, no $WFM_DB, no outputs/wfm.db: no store
    with pytest.raises(
        store.StoreError, match="--db missing.db: no plan store here yet; publish a run first"
    ):
        pipeline.plan_store("missing.db")
    store.open_store(sqlite_db).dispose()
    assert pipeline.plan_store(sqlite_db) == sqlite_db
    monkeypatch.setenv(store.ENV_VAR, sqlite_db)
    assert pipeline.plan_store(None) == sqlite_db


def test_forecast_with_a_missing_db_is_refused(tmp_path):
    from wfm.cli import main

    result = CliRunner().invoke(
        main, ["forecast", str(FIXTURE), "--out", str(tmp_path / "f.csv"), "--db", str(tmp_path / "none.db")]
    )
    assert result.exit_code == 2
    assert f"--db {tmp_path / 'none.db'}: no plan store here yet" in result.output
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "none.db").exists()


def test_forecast_and_roster_commands_read_the_store(run_dir, actuals_file, sqlite_db, tmp_path, monkeypatch):
    """``--db`` on the stage commands: actuals extend the forecast's history, the roster solves with the store."""
    from wfm.cli import main

    monkeypatch.delenv(store.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)  # no outputs/wfm.db here: without --db no store is read
    january = tmp_path / "january"
    shutil.copytree(FIXTURE, january)
    toml = (january / "scenario.toml").read_text(encoding="utf-8")
    toml = toml.replace('start = "2026-12-07"', 'start = "2027-01-04"').replace(
        'end = "2026-12-13"', 'end = "2027-01-10"'
    )
    (january / "scenario.toml").write_text(toml, encoding="utf-8")
    (january / "time_off.csv").write_text("employee_id,date,kind,shift_code\n", encoding="utf-8")
    store.import_actuals(actuals_file, sqlite_db)
    runner = CliRunner()
    args = ["forecast", str(january), "--model", "hist_avg_4w", "--out"]
    plain = runner.invoke(main, [*args, str(tmp_path / "plain.csv")])
    with_db = runner.invoke(main, [*args, str(tmp_path / "db.csv"), "--db", sqlite_db])
    assert plain.exit_code == 0, plain.output
    assert with_db.exit_code == 0, with_db.output
    a, b = pd.read_csv(tmp_path / "plain.csv"), pd.read_csv(tmp_path / "db.csv")
    assert len(a) == len(b)
    # the imported week (10 % above December's forecast) is one of the four weeks averaged
    assert b["yhat"].sum() > a["yhat"].sum() * 1.005
    store.publish(run_dir, sqlite_db)
    out = tmp_path / "roster.csv"
    result = runner.invoke(
        main,
        [
            "roster",
            "--requirements",
            str(run_dir / "requirements.csv"),
            "--scenario",
            str(FIXTURE),
            "--out",
            str(out),
            "--db",
            sqlite_db,
            "--time-limit",
            "2",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_holidays_are_the_countrys_public_holidays():
    scenario = store.scenario_from_toml((FIXTURE / "scenario.toml").read_text(), "small")
    days = [dt.date(2026, 10, 1), dt.date(2026, 10, 10)]
    acts = pd.DataFrame(
        {
            S.EMPLOYEE_ID: ["E1", "E1"],
            S.DATE: days,
            S.ACTIVITY: ["SHIFT", "SHIFT"],
            S.SHIFT_CODE: ["L15", "D08"],
        }
    )
    rows = store.agent_days(scenario, acts)
    assert rows["holiday"].tolist() == [True, False]  # 1 October: China's National Day
    assert rows["family"].tolist() == ["late", "day"] and rows["weekend"].tolist() == [False, True]


def test_finer_actuals_are_summed_onto_the_plan_grid(run_dir, actuals_file, sqlite_db, tmp_path):
    from wfm.review import review as run_review

    store.publish(run_dir, sqlite_db)
    store.import_actuals(actuals_file, sqlite_db)
    half_hourly = run_review(sqlite_db, dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    # the same contacts in 15-minute rows: each half hour split 1/3 + 2/3, handle time unchanged
    act = pd.read_csv(actuals_file, dtype=str, keep_default_na=False)
    first, second = act.copy(), act.copy()
    offered = act["offered"].astype(int)
    first["offered"] = (offered // 3).astype(str)
    second["offered"] = (offered - offered // 3).astype(str)
    second["interval_start"] = (pd.to_datetime(act["interval_start"]) + pd.Timedelta(minutes=15)).map(
        lambda t: t.isoformat()
    )
    for part in (first, second):
        part["aht_seconds"] = np.where(part["offered"] == "0", "", act["aht_seconds"])
        part["answered"] = part["answered_within_threshold"] = part["abandoned"] = ""
    fine = tmp_path / "quarter_hours.csv"
    pd.concat([first, second]).to_csv(fine, index=False)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    store.publish(run_dir, other)
    store.import_actuals(fine, other)
    quarter_hourly = run_review(other, dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    for col in ("actual", "abs_error", "wape", "aht_actual", "needed_hours"):
        np.testing.assert_allclose(quarter_hourly.daily[col], half_hourly.daily[col], rtol=1e-9, err_msg=col)
    assert quarter_hourly.daily["achieved_service_level"].isna().all()  # no answered_within_threshold given


def test_review_asks_which_scenario_when_several_are_live(run_dir, actuals_file, sqlite_db, tmp_path):
    other = tmp_path / "branch-plan"
    shutil.copytree(run_dir, other)
    summary = json.loads((other / "summary.json").read_text())
    (other / "summary.json").write_text(json.dumps({**summary, "scenario": "small-branch"}))
    assert store.publish(run_dir, sqlite_db).run_id == 1
    assert store.publish(other, sqlite_db).superseded is None  # another scenario: both live
    store.import_actuals(actuals_file, sqlite_db)
    args = ["--start", "2026-12-07", "--end", "2026-12-13", "--db", sqlite_db]
    res = CliRunner().invoke(review, [*args, "--out", str(tmp_path / "r1")])
    assert res.exit_code == 2
    assert res.output == (
        "error: live plans of several scenarios cover 2026-12-07 .. 2026-12-13 (small, small-branch); "
        "choose one with --scenario\n"
    )
    res = CliRunner().invoke(review, [*args, "--out", str(tmp_path / "r2"), "--scenario", "small-branch"])
    assert res.exit_code == 0, res.output
    assert "(live run #2)" in res.output
