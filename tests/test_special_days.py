"""Tests of wfm.special_days (special_days.csv) and of its use by the forecast, on seeded synthetic history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wfm import schema
from wfm.backtest import backtest
from wfm.forecast import forecast_history
from wfm.schema import InputError, Queue
from wfm.special_days import SpecialDays, parse_special_days, read_special_days

TZ = "Asia/Shanghai"
START = dt.date(2025, 1, 6)  # a Monday
N_DAYS = 140  # 20 weeks of history
FACTORS = (1.2, 1.0, 1.0, 1.0, 1.05, 0.6, 0.4)  # Monday … Sunday
LEVEL = 3000.0
# Past holiday eves: half the volume and the centre closes at 14:00.  All Wednesdays or Thursdays.
PAST_EVES = (dt.date(2025, 2, 5), dt.date(2025, 3, 13), dt.date(2025, 4, 16))
EVE_EFFECT = 0.5
EVE_CLOSE_HOUR = 14
AHT_WORKDAY, AHT_WEEKEND, AHT_EVE = 240.0, 330.0, 420.0  # seconds
HORIZON_START = START + dt.timedelta(days=N_DAYS)  # 2025-05-26, a Monday
HORIZON_END = HORIZON_START + dt.timedelta(days=13)
FUTURE_EVE = dt.date(2025, 5, 28)  # a Wednesday in the horizon
ORDINARY_WEDNESDAY = dt.date(2025, 6, 4)


def _shape(hour: np.ndarray) -> np.ndarray:
    return np.where((hour >= 8) & (hour < 20), np.exp(-0.5 * ((hour - 11) / 2.0) ** 2) + 0.3, 0.0)


def make_history(seed: int = 3) -> pd.DataFrame:
    """30-minute Poisson history, 08:00–20:00, with short low holiday eves on ``PAST_EVES``."""
    rng = np.random.default_rng(seed)
    rows = []
    hours = np.arange(48) / 2.0
    for k in range(N_DAYS):
        day = START + dt.timedelta(days=k)
        shape = _shape(hours)
        total = LEVEL * FACTORS[day.weekday()]
        if day in PAST_EVES:
            shape = np.where(hours < EVE_CLOSE_HOUR, shape, 0.0)
            total *= EVE_EFFECT
        offered = rng.poisson(total * shape / shape.sum())
        aht = AHT_EVE if day in PAST_EVES else AHT_WEEKEND if day.weekday() >= 5 else AHT_WORKDAY
        for slot in np.flatnonzero(offered):
            ts = pd.Timestamp(day) + pd.Timedelta(minutes=30 * int(slot))
            rows.append((ts, int(offered[slot]), aht + rng.normal(0, 20)))
    ts, offered, aht = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            schema.QUEUE: "phone",
            schema.INTERVAL_START: pd.DatetimeIndex(ts).tz_localize(TZ),
            schema.OFFERED: offered,
            schema.AHT_SECONDS: aht,
        }
    )


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return make_history()


def _daily(fc: pd.DataFrame) -> pd.Series:
    day = pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).date
    return fc.groupby(day)[schema.YHAT].sum()


def _run(history, special=None, models=None) -> pd.DataFrame:
    return forecast_history(
        history, HORIZON_START, HORIZON_END, timezone=TZ, special_days=special, models=models
    )


def _eve_rows(future_kind="holiday_eve", effect=""):
    rows = [(d.isoformat(), "Holiday eve", "holiday_eve") for d in PAST_EVES]
    return rows + [(FUTURE_EVE.isoformat(), "Holiday eve", future_kind, effect)]


@pytest.fixture(scope="module")
def plain(history) -> pd.DataFrame:
    return _run(history, models={"phone": "calendar_level"})


# ---------------------------------------------------------------------------
# Acceptance: a day that behaves like a type changes the forecast as that type did in history
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["top_down", "calendar_level"])
def test_holiday_eve_is_forecast_as_past_eves_behaved(history, plain, model):
    fc = _run(history, SpecialDays.from_rows(_eve_rows()), models={"phone": model})
    daily = _daily(fc)
    normal = _daily(plain)[ORDINARY_WEDNESDAY]
    # The eve gets about half an ordinary Wednesday (the learned effect), the other days stay put.
    assert daily[FUTURE_EVE] == pytest.approx(EVE_EFFECT * normal, rel=0.12)
    assert daily[ORDINARY_WEDNESDAY] == pytest.approx(normal, rel=0.05 if model == "calendar_level" else 0.1)
    # ...and its shape: nothing after the eve's 14:00 closing, as on every past eve.
    eve = fc[pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).date == FUTURE_EVE]
    hour = pd.DatetimeIndex(eve[schema.DS]).hour
    assert eve.loc[hour >= EVE_CLOSE_HOUR + 1, schema.YHAT].sum() < 0.02 * daily[FUTURE_EVE]
    assert (eve[schema.YHAT_LOWER] <= eve[schema.YHAT]).all()
    assert (eve[schema.YHAT] <= eve[schema.YHAT_UPPER]).all()


def _day_aht(fc: pd.DataFrame, day: dt.date) -> float:
    rows = fc[pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).date == day]
    return float(np.average(rows[schema.AHT_SECONDS], weights=rows[schema.YHAT]))


def test_aht_by_day_type_and_special_day(history, plain):
    """Handle time per kind of day: weekdays, the weekend, a past-learned eve, a Saturday working as a Monday."""
    saturday = dt.date(2025, 5, 31)
    rows = _eve_rows() + [(saturday.isoformat(), "Make-up working day", "monday")]
    fc = _run(history, SpecialDays.from_rows(rows), models={"phone": "calendar_level"})
    # Listed past eves leave the Wednesdays' AHT; unlisted, the April eve pulls it up by about 5%.
    assert _day_aht(fc, ORDINARY_WEDNESDAY) == pytest.approx(AHT_WORKDAY, rel=0.02)
    assert _day_aht(plain, ORDINARY_WEDNESDAY) > AHT_WORKDAY * 1.03
    assert _day_aht(plain, FUTURE_EVE) == pytest.approx(_day_aht(plain, ORDINARY_WEDNESDAY), rel=0.01)
    assert _day_aht(fc, FUTURE_EVE) == pytest.approx(AHT_EVE, rel=0.05)
    assert _day_aht(fc, saturday) == pytest.approx(AHT_WORKDAY, rel=0.03)
    assert _day_aht(fc, dt.date(2025, 6, 7)) == pytest.approx(AHT_WEEKEND, rel=0.03)


def test_without_the_file_the_eve_is_an_ordinary_wednesday(plain):
    daily = _daily(plain)
    assert daily[FUTURE_EVE] == pytest.approx(daily[ORDINARY_WEDNESDAY], rel=0.05)


def test_past_eves_do_not_pull_the_ordinary_level_down(history):
    """Listed past eves are kept out of the fit; a model that must guess gets the same ordinary days."""
    with_file = _daily(_run(history, SpecialDays.from_rows(_eve_rows()), models={"phone": "hist_avg_8w"}))
    without = _daily(_run(history, models={"phone": "hist_avg_8w"}))
    # The 8-week window holds one past eve (a Wednesday): without the file it drags Wednesdays down ~6%.
    assert with_file[ORDINARY_WEDNESDAY] > without[ORDINARY_WEDNESDAY] * 1.03


def test_effect_in_the_file_overrides_the_learned_one(history, plain):
    fc = _run(history, SpecialDays.from_rows(_eve_rows(effect="0.8")), models={"phone": "calendar_level"})
    assert _daily(fc)[FUTURE_EVE] == pytest.approx(0.8 * _daily(plain)[ORDINARY_WEDNESDAY], rel=0.08)


def test_behaves_like_a_weekday_takes_that_weekday(history, plain):
    saturday = dt.date(2025, 5, 31)
    special = SpecialDays.from_rows([(saturday.isoformat(), "Make-up working day", "monday")])
    daily = _daily(_run(history, special, models={"phone": "calendar_level"}))
    monday = _daily(plain)[dt.date(2025, 6, 2)]
    assert _daily(plain)[saturday] == pytest.approx(0.5 * monday, rel=0.1)  # 0.6 / 1.2 without the file
    assert daily[saturday] == pytest.approx(monday, rel=0.05)


def test_closed_day_is_zero_and_half_day_keeps_the_morning(history, plain):
    special = SpecialDays.from_rows(
        [
            (dt.date(2025, 5, 29).isoformat(), "Strike", "closed"),
            (dt.date(2025, 5, 30).isoformat(), "Company day", "half_day"),
        ]
    )
    fc = _run(history, special, models={"phone": "calendar_level"})
    daily = _daily(fc)
    assert daily[dt.date(2025, 5, 29)] == 0.0
    assert daily[dt.date(2025, 5, 30)] == pytest.approx(0.5 * _daily(plain)[dt.date(2025, 5, 30)], rel=0.02)
    half = fc[pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).date == dt.date(2025, 5, 30)]
    assert half.loc[pd.DatetimeIndex(half[schema.DS]).hour >= 14, schema.YHAT].sum() == 0.0


def test_named_type_without_past_days_or_effect_is_an_error(history):
    special = SpecialDays.from_rows([(FUTURE_EVE.isoformat(), "Launch", "campaign_launch")])
    with pytest.raises(InputError) as err:
        _run(history, special, models={"phone": "calendar_level"})
    assert err.value.problems == [
        "special_days.csv row 2: no past 'campaign_launch' day is in the history of queue 'phone' to learn "
        "its effect from; list past campaign_launch days (dates inside the history) or give an effect, e.g. 0.7"
    ]


def test_backtest_applies_special_days_and_tolerates_unseen_types(history):
    """Windows holding the April eve score better with the file; an unseen type does not stop the backtest."""
    cut = history[
        pd.DatetimeIndex(history[schema.INTERVAL_START]).tz_localize(None) < pd.Timestamp("2025-04-28")
    ]
    q = Queue("phone", "voice", 0.8, 20, 0.85, dt.time(8), dt.time(20))
    special = SpecialDays.from_rows(_eve_rows() + [("2025-04-23", "Launch", "campaign_launch")])
    kwargs = dict(horizon_days=14, timezone=TZ, origins=2, models=["calendar_level"])
    plain = backtest(cut, [q], **kwargs).scores["wape"].to_numpy()
    with_file = backtest(cut, [q], special_days=special, **kwargs).scores["wape"].to_numpy()
    assert (with_file < plain - 0.01).all()


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------
def test_parse_normalises_case_and_reads_effects():
    frame = pd.DataFrame(
        {
            "date": ["2026-12-24", " 2026-12-26"],
            "name": ["Eve", "Make-up"],
            "behaves_like": ["Holiday_Eve", "MONDAY"],
            "effect": ["0.7", ""],
        }
    )
    sd = parse_special_days(frame)
    eve, makeup = sd.days
    assert (eve.behaves_like, eve.effect, eve.is_named_type, eve.row) == ("holiday_eve", 0.7, True, 2)
    assert (makeup.behaves_like, makeup.weekday, makeup.effect) == ("monday", 0, None)
    assert sd.get(dt.date(2026, 12, 25)) is None


def test_every_problem_is_listed_with_its_row():
    frame = pd.DataFrame(
        {
            "date": ["2026-12-24", "24/12/2026", "2026-12-24", "2026-12-27", "2026-12-28", "2026-12-29"],
            "name": ["Eve", "Eve", "Again", "", "Strike", "Sale"],
            "behaves_like": ["holiday_eve", "holiday_eve", "closed", "closed", "closed", "Big Sale!"],
            "effect": ["", "", "", "", "0.5", "-1"],
        }
    )
    with pytest.raises(InputError) as err:
        parse_special_days(frame)
    assert err.value.problems == [
        "special_days.csv row 3: date '24/12/2026' is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24",
        "special_days.csv row 4: date 2026-12-24 is already listed in row 2; list each date once",
        "special_days.csv row 5: name is empty; give the day a name, e.g. 'Christmas Eve'",
        "special_days.csv row 6: effect 0.5 is given for a closed day, which has no volume; "
        "leave effect empty or use a type such as half_day",
        "special_days.csv row 7: behaves_like 'Big Sale!' is not a weekday (monday … sunday), closed, half_day "
        "or a type name of lowercase letters, digits and _ such as holiday_eve",
        "special_days.csv row 7: effect '-1' is not a positive multiplier of at most 20; write e.g. 0.6 for 60% "
        "of a normal day's volume, or leave it empty",
    ]


def test_missing_columns_are_named():
    with pytest.raises(InputError) as err:
        parse_special_days(pd.DataFrame({"date": ["2026-12-24"], "label": ["Eve"]}))
    assert [p.split(";")[0] for p in err.value.problems] == [
        "special_days.csv: column 'name' is missing",
        "special_days.csv: column 'behaves_like' is missing",
    ]


def test_read_special_days_from_a_file(tmp_path):
    assert read_special_days(tmp_path / "special_days.csv") is None
    path = tmp_path / "special_days.csv"
    path.write_text("date,name,behaves_like\n2026-12-24,Christmas Eve,holiday_eve\n", encoding="utf-8")
    sd = read_special_days(path)
    assert len(sd) == 1 and sd.of_type("holiday_eve")[0].date == dt.date(2026, 12, 24)
    path.write_text("date,name,behaves_like\n2026-12-24,Christmas Eve,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"special_days.csv row 2: behaves_like is empty"):
        read_special_days(path)
