"""The seeded demo-scenario generator (wfm.demo) and the committed scenarios it produced."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from wfm import demo
from wfm import schema as S
from wfm.schema import InputError, OutputError

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "inputs" / "demo"
SMALL_DIR = ROOT / "tests" / "fixtures" / "small"
QUEUES = ("phone_retail", "phone_card", "chat")
OPEN = {"phone_retail": ("08:00", "22:00"), "phone_card": ("08:00", "22:00"), "chat": ("08:00", "24:00")}
# The arguments that made tests/fixtures/small (its README shows the same call).
SMALL_ARGS = dict(
    agents=12,
    start=dt.date(2026, 12, 7),
    end=dt.date(2026, 12, 13),
    history_start=dt.date(2026, 8, 17),
    history_end=dt.date(2026, 12, 6),
    shift_codes=("D08", "D09", "D11", "D13", "L15", "H09", "P08", "P12", "P17"),
    name="small",
    time_limit_seconds=30,
)
SHORT = dict(history_start=dt.date(2026, 9, 1))  # keeps generation fast


def _frames(files: dict[str, bytes]) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(io.BytesIO(data), dtype={S.SHIFT_CODE: str}, keep_default_na=False)
        for name, data in files.items()
        if name.endswith(".csv")
    }


def _sha(directory: Path) -> dict[str, str]:
    """sha256 of every file below ``directory`` (what-if overlays included), by relative path."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo_history() -> pd.DataFrame:
    h = pd.read_csv(DEMO_DIR / "history.csv")
    h["day"] = h[S.INTERVAL_START].str.slice(0, 10)
    h["time"] = h[S.INTERVAL_START].str.slice(11, 16)
    return h


# ---------------------------------------------------------------------------
# Determinism and file handling
# ---------------------------------------------------------------------------
def test_same_seed_gives_identical_files(tmp_path):
    demo.generate(tmp_path / "a", agents=20, **SHORT)
    demo.generate(tmp_path / "b", agents=20, **SHORT)
    a, b = _sha(tmp_path / "a"), _sha(tmp_path / "b")
    overlays = {f"whatif/{name}" for name in demo.WHATIF_FILES}
    assert set(a) == {"scenario.toml", "history.csv", "agents.csv", "time_off.csv", "training.csv", "README.md"} | overlays
    assert a == b


def test_another_seed_gives_other_data():
    one = demo.build(agents=20, seed=1, **SHORT)
    two = demo.build(agents=20, seed=2, **SHORT)
    assert one["scenario.toml"] == two["scenario.toml"]
    for name in ("history.csv", "agents.csv", "time_off.csv"):
        assert one[name] != two[name]


def test_committed_scenarios_are_reproducible(tmp_path):
    demo.generate(tmp_path / "small", **SMALL_ARGS)
    assert _sha(tmp_path / "small") == _sha(SMALL_DIR)
    demo.generate(tmp_path / "demo")
    assert _sha(tmp_path / "demo") == _sha(DEMO_DIR)


def test_refuses_a_non_empty_folder_and_a_file(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"):
        demo.generate(full, agents=6, **SHORT)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        demo.generate(a_file, agents=6, **SHORT)


def test_writes_into_an_empty_folder_and_leaves_no_temporary_files(tmp_path):
    empty = tmp_path / "parent" / "empty"
    empty.mkdir(parents=True)
    demo.generate(empty, agents=6, **SHORT)
    assert len(list(empty.iterdir())) == 7  # six files and the whatif/ folder
    assert [p.name for p in empty.parent.iterdir()] == ["empty"]


def test_bad_arguments_are_input_errors_and_write_nothing(tmp_path):
    with pytest.raises(InputError, match="at least 6"):
        demo.generate(tmp_path / "x", agents=5)
    with pytest.raises(InputError, match="interval_minutes"):
        demo.generate(tmp_path / "x", interval_minutes=20)
    with pytest.raises(InputError, match="shift codes X99"):
        demo.generate(tmp_path / "x", shift_codes=("D08", "X99"))
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------
# Workforce and time off
# ---------------------------------------------------------------------------
def test_demo_agents_roles_contracts_and_skills():
    a = pd.read_csv(DEMO_DIR / "agents.csv")
    assert list(a.columns[: len(S.AGENTS_COLUMNS)]) == list(S.AGENTS_COLUMNS)
    assert len(a) == 120 and a[S.EMPLOYEE_ID].is_unique and a[S.NAME].is_unique
    assert a[S.EMPLOYEE_ID].iloc[0] == "E001"
    assert a[S.ROLE].value_counts().to_dict() == {"agent": 92, "mentor": 10, "new_hire": 10, "lead": 8}
    assert a[S.NAME].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    skills = a[S.SKILLS].str.split(";")
    assert all(set(s) <= set(QUEUES) for s in skills)
    assert skills.map(len).gt(1).sum() == 36  # 20% retail+chat, 10% all three
    leads = a[a[S.ROLE] == "lead"]
    assert leads[S.TEAM].is_unique and set(leads[S.TEAM]) == set(a[S.TEAM])
    assert (leads[S.SKILLS] == "phone_retail;phone_card;chat").all()
    assert (a.loc[a[S.ROLE] == "mentor", S.SKILLS].str.count(";") >= 1).all()
    assert set(a[S.CONTRACT_MINUTES_PER_WEEK]) == {2400, 1440, 1200}
    assert (a[S.CONTRACT_MINUTES_PER_WEEK] == 2400).mean() == pytest.approx(0.8)
    start = pd.to_datetime(a[S.START_DATE])
    new = start[a[S.ROLE] == "new_hire"]
    assert new.max() <= pd.Timestamp("2026-12-01") and new.min() >= pd.Timestamp("2026-12-01") - pd.Timedelta(
        days=42
    )
    assert (start[a[S.ROLE] != "new_hire"] < pd.Timestamp("2026-06-01")).all()


def test_demo_time_off_is_inside_the_horizon_with_defined_codes():
    a = pd.read_csv(DEMO_DIR / "agents.csv")
    t = pd.read_csv(DEMO_DIR / "time_off.csv", dtype=str, keep_default_na=False)
    assert list(t.columns) == list(S.TIME_OFF_COLUMNS)
    assert set(t[S.KIND]) == {"leave", "day_off_request", "shift_request"}
    assert t[S.EMPLOYEE_ID].isin(a[S.EMPLOYEE_ID]).all()
    assert t[S.DATE].between("2026-12-01", "2026-12-31").all()
    assert not t.duplicated([S.EMPLOYEE_ID, S.DATE]).any()
    codes = set(re.findall(r'code = "(\w+)"', (DEMO_DIR / "scenario.toml").read_text()))
    requests = t[t[S.KIND] == "shift_request"]
    assert len(requests) == 10 and requests[S.SHIFT_CODE].isin(codes).all()
    assert (t.loc[t[S.KIND] != "shift_request", S.SHIFT_CODE] == "").all()
    contract = requests[S.EMPLOYEE_ID].map(a.set_index(S.EMPLOYEE_ID)[S.CONTRACT_MINUTES_PER_WEEK])
    full_time_code = requests[S.SHIFT_CODE].str[0].isin(("D", "L"))
    assert (full_time_code == (contract == 2400)).all()
    leave_agents = t.loc[t[S.KIND] == "leave", S.EMPLOYEE_ID].nunique()
    assert 15 <= leave_agents <= 21  # ~15%
    assert 20 <= t.loc[t[S.KIND] == "day_off_request", S.EMPLOYEE_ID].nunique() <= 26  # ~20%


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------
def test_demo_history_is_clean_and_inside_open_hours(demo_history):
    h = demo_history
    assert list(h.columns[:6]) == [
        S.QUEUE,
        S.INTERVAL_START,
        S.OFFERED,
        S.AHT_SECONDS,
        S.ANSWERED,
        S.ABANDONED,
    ]
    assert set(h[S.QUEUE]) == set(QUEUES)
    assert (h[S.OFFERED] >= 0).all() and (h[S.ABANDONED] >= 0).all()
    assert (h[S.ANSWERED] + h[S.ABANDONED] == h[S.OFFERED]).all()
    assert (h[S.AHT_SECONDS] > 0).all() and (h[S.AHT_SECONDS].round(1) == h[S.AHT_SECONDS]).all()
    assert h[S.INTERVAL_START].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:[03]0:00").all()
    for q, (lo, hi) in OPEN.items():
        times = h.loc[h[S.QUEUE] == q, "time"]
        assert times.min() == lo and times.max() < hi
    assert h["day"].min() == "2024-12-01" and h["day"].max() == "2026-11-30"
    assert not h.duplicated([S.QUEUE, S.INTERVAL_START]).any()
    # Documented outages have no rows; the other days are complete.
    days = h.groupby(S.QUEUE)["day"].nunique()
    assert days.to_dict() == {"phone_retail": 728, "phone_card": 727, "chat": 727}
    assert not h["day"].isin(["2025-08-19", "2025-08-20"]).any()
    assert not ((h[S.QUEUE] == "chat") & (h["day"] == "2026-03-11")).any()


def test_demo_history_shows_the_holidays(demo_history):
    daily = demo_history.pivot_table(index="day", columns=S.QUEUE, values=S.OFFERED, aggfunc="sum")
    # Spring Festival 2026 (Eve 16 Feb) against an ordinary Tuesday of the same month.
    assert daily.loc["2026-02-17", "phone_retail"] < 0.5 * daily.loc["2026-02-03", "phone_retail"]
    assert daily.loc["2026-02-17", "phone_card"] < 0.6 * daily.loc["2026-02-03", "phone_card"]
    # National Day golden week.
    assert daily.loc["2026-10-02", "phone_retail"] < 0.6 * daily.loc["2026-10-13", "phone_retail"]
    # Weekends are lighter than weekdays on the phones.
    weekday = pd.to_datetime(daily.index).day_of_week
    usual = daily[weekday < 5].median()
    assert daily["phone_retail"][weekday >= 5].median() < 0.75 * usual["phone_retail"]
    # The card line is up on the first working day after Spring Festival, Labour Day and National Day.
    after = ["2025-02-05", "2025-05-06", "2025-10-09", "2026-02-24", "2026-05-06", "2026-10-08"]
    assert daily.loc[after, "phone_card"].mean() > 1.2 * usual["phone_card"]


def test_demo_history_intraday_shapes_and_trend(demo_history):
    h = demo_history
    weekdays = h[pd.to_datetime(h["day"]).dt.day_of_week < 5]
    shape = weekdays.pivot_table(index="time", columns=S.QUEUE, values=S.OFFERED, aggfunc="mean")
    assert "09:30" <= shape["phone_retail"].idxmax() <= "11:00"
    assert "19:00" <= shape["chat"].idxmax() <= "21:30"
    assert shape["phone_retail"]["12:30"] < shape["phone_retail"]["10:00"]  # lunch dip
    aht = weekdays.pivot_table(index="time", columns=S.QUEUE, values=S.AHT_SECONDS, aggfunc="mean")
    assert aht["phone_retail"]["10:00"] > 1.1 * aht["phone_retail"]["08:00"]
    means = h.groupby(S.QUEUE)[S.AHT_SECONDS].mean()
    assert 220 < means["phone_retail"] < 260 and 280 < means["phone_card"] < 320 and 440 < means["chat"] < 520
    jan_nov = h[h["day"].str.slice(5, 7) != "12"]
    year = jan_nov.pivot_table(
        index=jan_nov["day"].str.slice(0, 4), columns=S.QUEUE, values=S.OFFERED, aggfunc="sum"
    )
    assert year.loc["2026", "chat"] / year.loc["2025", "chat"] > 1.1  # chat grows ~20% a year
    assert year.loc["2026", "phone_retail"] / year.loc["2025", "phone_retail"] < 1.02  # phones flat or down
    abandon = h.groupby(S.QUEUE)[S.ABANDONED].sum() / h.groupby(S.QUEUE)[S.OFFERED].sum()
    assert ((abandon > 0.01) & (abandon < 0.08)).all()


def test_sizing_of_the_demo_is_slightly_tight():
    report = demo.sizing_report(DEMO_DIR)
    assert 0.85 <= report.ratio <= 0.95
    assert 40 <= report.median_weekday_peak <= 55 and report.peak_required <= 60
    assert report.required_hours == pytest.approx(sum(report.required_hours_by_queue.values()), abs=1)


# ---------------------------------------------------------------------------
# Scaling and variants
# ---------------------------------------------------------------------------
def test_scales_to_300_agents():
    files = demo.build(agents=300, **SHORT)
    f = _frames(files)
    a = f["agents.csv"]
    assert len(a) == 300 and a[S.EMPLOYEE_ID].iloc[-1] == "E300" and a[S.NAME].is_unique
    assert a[S.ROLE].value_counts().to_dict() == {"agent": 230, "mentor": 25, "new_hire": 25, "lead": 20}
    base = _frames(demo.build(agents=120, **SHORT))["history.csv"]
    ratio = f["history.csv"][S.OFFERED].sum() / base[S.OFFERED].sum()
    assert 2.3 < ratio < 2.7
    readme = files["README.md"].decode()
    share = float(re.search(r"required / available = ([\d.]+)%", readme).group(1))
    assert 80 <= share <= 95


def test_small_workforce_and_fifteen_minute_intervals():
    f = _frames(demo.build(agents=6, interval_minutes=15, history_start=dt.date(2026, 11, 1)))
    assert len(f["agents.csv"]) == 6 and set(f["agents.csv"][S.ROLE]) == set(S.ROLES)
    stamps = f["history.csv"][S.INTERVAL_START].str.slice(14, 16)
    assert set(stamps) == {"00", "15", "30", "45"}
    per_day = f["history.csv"].groupby(S.QUEUE).size() / 30
    assert per_day.to_dict() == {"chat": 64, "phone_card": 56, "phone_retail": 56}


def test_small_fixture_matches_its_brief():
    a = pd.read_csv(SMALL_DIR / "agents.csv")
    assert len(a) == 12
    toml = (SMALL_DIR / "scenario.toml").read_text()
    assert 'start = "2026-12-07"' in toml and 'end = "2026-12-13"' in toml
    h = pd.read_csv(SMALL_DIR / "history.csv")
    assert h[S.INTERVAL_START].min().startswith("2026-08-17") and h[S.INTERVAL_START].max().startswith(
        "2026-12-06"
    )
    assert 0.8 <= demo.sizing_report(SMALL_DIR).ratio <= 0.95


@pytest.mark.parametrize("directory", [DEMO_DIR, SMALL_DIR], ids=["demo", "small"])
def test_committed_scenarios_load_and_validate(directory):
    from wfm.io import load_scenario

    scenario = load_scenario(directory)
    assert scenario.country == "CN" and scenario.horizon.timezone == "Asia/Shanghai"
    assert [q.name for q in scenario.queues] == list(QUEUES)
    assert scenario.queue("chat").concurrency == 2 and scenario.queue("chat").close_minute == 24 * 60
