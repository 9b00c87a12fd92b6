"""Tests of wfm.forecast on seeded synthetic contact-centre history."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest

from wfm import schema
from wfm.forecast import forecast, infer_interval_minutes, plot_forecast
from wfm.schema import Horizon, InputError, Queue

TZ = "Asia/Shanghai"
WEEKDAY_FACTORS = (1.15, 1.0, 1.0, 1.0, 1.05, 0.6, 0.45)  # Monday … Sunday


# ---------------------------------------------------------------------------
# Seeded synthetic history
# ---------------------------------------------------------------------------
def _queue(name: str, open_h: int = 8, close_h: int = 22) -> Queue:
    return Queue(
        name=name,
        channel="voice",
        service_level=0.8,
        answer_seconds=20,
        max_occupancy=0.85,
        open=dt.time(open_h),
        close=dt.time(close_h % 24),
    )


def _intraday_shape(minute: np.ndarray, open_h: int = 8, close_h: int = 22) -> np.ndarray:
    """Relative intensity per interval: a morning peak, an afternoon peak and an evening shoulder."""
    h = minute / 60.0
    shape = (
        np.exp(-0.5 * ((h - 10.5) / 1.2) ** 2)
        + 0.8 * np.exp(-0.5 * ((h - 15.0) / 1.5) ** 2)
        + 0.3 * np.exp(-0.5 * ((h - 20.0) / 1.0) ** 2)
        + 0.05
    )
    return np.where((h >= open_h) & (h < close_h), shape, 0.0)


def expected_daily(level: float, day: dt.date, factors=WEEKDAY_FACTORS, day_factor=None) -> float:
    """Expected contacts on ``day`` (the truth the forecast is judged against)."""
    f = day_factor(day) if day_factor else 1.0
    return level * factors[day.weekday()] * f


def make_history(
    start: dt.date,
    n_days: int,
    levels: dict[str, float],
    *,
    seed: int = 0,
    interval_minutes: int = 30,
    tz: str = TZ,
    factors: dict[str, tuple[float, ...]] | None = None,
    day_factor=None,
    hours: tuple[int, int] = (8, 22),
) -> pd.DataFrame:
    """Poisson history with rows only for intervals that had contacts (like a real export)."""
    rng = np.random.default_rng(seed)
    idx = Horizon(start, start + dt.timedelta(days=n_days - 1), interval_minutes, tz).interval_index()
    wall = idx.tz_localize(None)
    minute = np.asarray(wall.hour * 60 + wall.minute)
    dates = np.asarray(wall.date)
    frames = []
    for name, level in levels.items():
        f = (factors or {}).get(name, WEEKDAY_FACTORS)
        shape = _intraday_shape(minute, *hours)
        day_total = np.array([expected_daily(level, d, f, day_factor) for d in dates])
        # Normalise the shape per day so each day's expectation is exactly day_total.
        per_day = pd.Series(shape).groupby(dates).transform("sum").to_numpy()
        lam = day_total * shape / np.where(per_day > 0, per_day, 1.0)
        offered = rng.poisson(lam)
        aht = (
            280
            + 60 * np.sin(minute / 1440 * 2 * np.pi)
            + rng.normal(0, 40, len(minute)) / np.sqrt(np.maximum(offered, 1))
        )
        keep = offered > 0
        frames.append(
            pd.DataFrame(
                {
                    schema.QUEUE: name,
                    schema.INTERVAL_START: idx[keep],
                    schema.OFFERED: offered[keep],
                    schema.AHT_SECONDS: aht[keep].round(1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def daily_totals(fc: pd.DataFrame) -> pd.DataFrame:
    day = pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).normalize()
    return fc.groupby([fc[schema.QUEUE], day])[schema.YHAT].sum().unstack(0)


HIST_START = dt.date(2025, 6, 2)  # a Monday
HIST_DAYS = 140  # 20 weeks
LEVELS = {"phone_retail": 4000.0, "phone_card": 1500.0}
FACTORS = {"phone_card": (1.1, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0)}  # closed on Sundays
QUEUES = (_queue("phone_retail"), _queue("phone_card"))
HORIZON = Horizon(
    HIST_START + dt.timedelta(days=HIST_DAYS), HIST_START + dt.timedelta(days=HIST_DAYS + 27), 30, TZ
)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return make_history(HIST_START, HIST_DAYS, LEVELS, factors=FACTORS, seed=1)


@pytest.fixture(scope="module")
def fc(history) -> pd.DataFrame:
    return forecast(history, HORIZON, QUEUES, seed=0)


# ---------------------------------------------------------------------------
# Shape and contract
# ---------------------------------------------------------------------------
def test_output_shape_and_columns(fc):
    n = len(HORIZON.interval_index())
    assert list(fc.columns) == list(schema.FORECAST_COLUMNS)
    assert len(fc) == 2 * n
    assert list(fc[schema.QUEUE].unique()) == ["phone_retail", "phone_card"]
    ds = pd.DatetimeIndex(fc[schema.DS])
    assert str(ds.tz) == TZ
    assert ds[:n].equals(HORIZON.interval_index())
    assert (fc[schema.YHAT] >= 0).all()
    assert (fc[schema.YHAT_LOWER] <= fc[schema.YHAT]).all()
    assert (fc[schema.YHAT] <= fc[schema.YHAT_UPPER]).all()
    assert fc[schema.AHT_SECONDS].notna().all()
    assert fc[schema.AHT_SECONDS].between(150, 450).all()


def test_zero_outside_open_hours(fc):
    wall = pd.DatetimeIndex(fc[schema.DS]).tz_localize(None)
    minute = wall.hour * 60 + wall.minute
    closed = (minute < 8 * 60) | (minute >= 22 * 60)
    assert (fc.loc[closed, [schema.YHAT, schema.YHAT_LOWER, schema.YHAT_UPPER]] == 0).all().all()
    assert (fc.loc[~closed & (fc[schema.QUEUE] == "phone_retail"), schema.YHAT] > 0).all()


def test_intraday_peak_is_kept(fc):
    retail = fc[fc[schema.QUEUE] == "phone_retail"]
    wall = pd.DatetimeIndex(retail[schema.DS]).tz_localize(None)
    by_time = retail.groupby(wall.hour * 60 + wall.minute)[schema.YHAT].mean()
    assert by_time.idxmax() in (600, 630)  # the 10:30 peak
    assert by_time[630] > 3 * by_time[21 * 60 + 30]


# ---------------------------------------------------------------------------
# Accuracy
# ---------------------------------------------------------------------------
def test_daily_totals_close_to_truth(fc):
    totals = daily_totals(fc)
    for name, level in LEVELS.items():
        f = FACTORS.get(name, WEEKDAY_FACTORS)
        truth = np.array([expected_daily(level, d.date(), f) for d in totals.index])
        open_days = truth > 0
        ape = np.abs(totals[name].to_numpy()[open_days] / truth[open_days] - 1)
        assert ape.mean() < 0.06, (name, ape.mean())
        assert ape.max() < 0.15, (name, ape.max())


def test_weekday_weekend_ratio_preserved(fc):
    totals = daily_totals(fc)["phone_retail"]
    weekday = totals[totals.index.day_of_week.isin([1, 2, 3])].mean()
    saturday = totals[totals.index.day_of_week == 5].mean()
    sunday = totals[totals.index.day_of_week == 6].mean()
    assert saturday / weekday == pytest.approx(0.6, rel=0.08)
    assert sunday / weekday == pytest.approx(0.45, rel=0.08)


def test_queue_closed_on_sundays_gets_zero(fc):
    totals = daily_totals(fc)["phone_card"]
    assert (totals[totals.index.day_of_week == 6] == 0).all()
    assert (totals[totals.index.day_of_week == 5] > 0).all()


def test_band_contains_most_actuals(fc):
    """The 80% band should hold roughly 80% of fresh interval outcomes (normal-approximation bands)."""
    future = make_history(HORIZON.start, 28, LEVELS, factors=FACTORS, seed=99)
    retail = fc[fc[schema.QUEUE] == "phone_retail"].set_index(schema.DS)
    actual = future[future[schema.QUEUE] == "phone_retail"].set_index(schema.INTERVAL_START)[schema.OFFERED]
    actual = actual.reindex(retail.index, fill_value=0)
    open_ = retail[schema.YHAT] > 0
    inside = (actual >= retail[schema.YHAT_LOWER]) & (actual <= retail[schema.YHAT_UPPER])
    assert 0.7 <= inside[open_].mean() <= 0.97


def test_missing_week_does_not_bias_level(history, fc):
    day = pd.DatetimeIndex(history[schema.INTERVAL_START]).tz_localize(None).normalize()
    gap = (day >= pd.Timestamp(HIST_START + dt.timedelta(days=70))) & (
        day < pd.Timestamp(HIST_START + dt.timedelta(days=77))
    )
    gapped = forecast(history[~gap], HORIZON, QUEUES[:1], seed=0)
    full = daily_totals(fc)["phone_retail"].sum()
    assert daily_totals(gapped)["phone_retail"].sum() == pytest.approx(full, rel=0.03)


def test_partial_last_day_is_dropped(history, fc):
    """An export cut at 12:00 on its last day must not drag the level down."""
    retail = history[history[schema.QUEUE] == "phone_retail"]
    ts = pd.DatetimeIndex(retail[schema.INTERVAL_START])
    last_day = ts.tz_localize(None).normalize().max()
    cut = retail[ts.tz_localize(None) < last_day + pd.Timedelta(hours=12)]
    again = forecast(cut, HORIZON, QUEUES[:1], seed=0)
    full = daily_totals(fc)["phone_retail"].sum()
    assert daily_totals(again)["phone_retail"].sum() == pytest.approx(full, rel=0.03)


# ---------------------------------------------------------------------------
# Holidays and calendar effects (two years of hourly data keeps it fast)
# ---------------------------------------------------------------------------
def _cn_day_factor():
    import holidays

    cn = holidays.country_holidays("CN", years=range(2023, 2027))
    spring = {d for d, n in cn.items() if "春节" in n or "除夕" in n or "Spring" in n}

    def factor(day: dt.date) -> float:
        f = 1.0
        if day in spring:
            f *= 0.3
        if day.day in (10, 25) and day.weekday() < 5:
            f *= 1.4
        return f

    return factor


@pytest.fixture(scope="module")
def two_years() -> pd.DataFrame:
    return make_history(
        dt.date(2024, 1, 1),
        761,
        {"phone_retail": 3000.0},
        seed=7,
        interval_minutes=60,
        day_factor=_cn_day_factor(),
    )


def test_holiday_lowers_forecast(two_years):
    horizon = Horizon(dt.date(2026, 2, 2), dt.date(2026, 3, 1), 60, TZ)
    with_cn = daily_totals(forecast(two_years, horizon, QUEUES[:1], country="CN"))["phone_retail"]
    without = daily_totals(forecast(two_years, horizon, QUEUES[:1], country=None))["phone_retail"]
    spring = pd.to_datetime(["2026-02-17", "2026-02-18", "2026-02-19"])  # Tue–Thu of Spring Festival
    normal = pd.to_datetime(["2026-02-03", "2026-02-04", "2026-02-05"])  # Tue–Thu two weeks before
    assert with_cn[spring].mean() < 0.6 * with_cn[normal].mean()
    assert without[spring].mean() > 0.8 * without[normal].mean()
    # Payday (the 10th and 25th) carries its uplift into the forecast.
    assert with_cn[pd.Timestamp("2026-02-25")] > 1.2 * with_cn[pd.Timestamp("2026-02-24")]


def test_holiday_always_missing_is_taken_as_closed(two_years):
    """No rows on any past Spring Festival day means the centre closes then: forecast zero."""
    import holidays

    cn = holidays.country_holidays("CN", years=range(2024, 2027), language="en_US")
    spring = pd.to_datetime(sorted(d for d, n in cn.items() if "Spring Festival" in n))
    day = pd.DatetimeIndex(two_years[schema.INTERVAL_START]).tz_localize(None).normalize()
    closed = two_years[~day.isin(spring)]
    horizon = Horizon(dt.date(2026, 2, 16), dt.date(2026, 2, 24), 60, TZ)
    totals = daily_totals(forecast(closed, horizon, QUEUES[:1], country="CN"))["phone_retail"]
    assert (totals[pd.to_datetime(["2026-02-17", "2026-02-18", "2026-02-19"])] == 0).all()
    assert totals[pd.Timestamp("2026-02-24")] > 1000


def test_holidays_get_their_own_handle_time(two_years):
    """Handle time on past public holidays (450 s here) carries to the horizon's holidays, not to ordinary days."""
    from wfm.forecast import _Calendar

    off = _Calendar.build(
        "CN", dt.date(2024, 1, 1), dt.date(2026, 2, 28)
    ).block_of  # holiday days and days off
    day = pd.DatetimeIndex(two_years[schema.INTERVAL_START]).tz_localize(None).date
    hist = two_years.copy()
    hist.loc[np.isin(day, list(off)), schema.AHT_SECONDS] = 450.0
    horizon = Horizon(dt.date(2026, 2, 2), dt.date(2026, 2, 28), 60, TZ)
    fc = forecast(hist, horizon, QUEUES[:1], country="CN")
    fc_day = pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).normalize()

    def mean_aht(days: list[str]) -> float:
        rows = fc[fc_day.isin(pd.to_datetime(days)) & (fc[schema.YHAT] > 0)]
        return float(np.average(rows[schema.AHT_SECONDS], weights=rows[schema.YHAT]))

    assert mean_aht(["2026-02-17", "2026-02-18", "2026-02-19"]) == pytest.approx(450.0, abs=25.0)
    assert mean_aht(["2026-02-03", "2026-02-04", "2026-02-05"]) < 330.0


# ---------------------------------------------------------------------------
# Intervals, DST, resolution
# ---------------------------------------------------------------------------
def test_dst_days_do_not_crash():
    tz = "Europe/London"
    hist = make_history(dt.date(2025, 9, 1), 84, {"chat": 2000.0}, tz=tz, seed=3, hours=(0, 24))
    q = _queue("chat", 0, 24)
    for start, n_intervals in ((dt.date(2026, 3, 29), 46), (dt.date(2025, 10, 26), 50)):
        horizon = Horizon(start, start + dt.timedelta(days=2), 30, tz)
        fc = forecast(hist, horizon, [q])
        first_day = pd.DatetimeIndex(fc[schema.DS]).tz_localize(None).normalize() == pd.Timestamp(start)
        assert first_day.sum() == n_intervals
        assert fc[schema.YHAT].notna().all() and fc[schema.AHT_SECONDS].notna().all()
        assert (fc[schema.YHAT] > 0).all()


def test_history_at_15_minutes_forecast_at_30():
    hist = make_history(HIST_START, 56, {"phone_retail": 4000.0}, seed=5, interval_minutes=15)
    horizon = Horizon(HIST_START + dt.timedelta(days=56), HIST_START + dt.timedelta(days=62), 30, TZ)
    fc = forecast(hist, horizon, QUEUES[:1])
    assert len(fc) == 7 * 48
    truth = np.array([expected_daily(4000.0, d.date()) for d in daily_totals(fc).index])
    assert np.abs(daily_totals(fc)["phone_retail"].to_numpy() / truth - 1).mean() < 0.08


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_infer_interval_minutes(minutes):
    hist = make_history(HIST_START, 3, {"q": 300.0}, interval_minutes=minutes, seed=2)
    assert infer_interval_minutes(hist) == minutes


def test_infer_interval_minutes_sparse_half_hours():
    """A quiet queue with rows mostly an hour apart, some on the half hour, is 30-minute data."""
    ts = pd.DatetimeIndex(
        ["2026-01-05 08:00", "2026-01-05 09:00", "2026-01-05 10:00", "2026-01-05 10:30", "2026-01-05 12:00"]
    ).tz_localize(TZ)
    hist = pd.DataFrame({schema.QUEUE: "q", schema.INTERVAL_START: ts})
    assert infer_interval_minutes(hist) == 30


# ---------------------------------------------------------------------------
# Errors, determinism, progress, plot
# ---------------------------------------------------------------------------
def test_queue_without_history_raises(history):
    with pytest.raises(InputError, match="phone_unknown"):
        forecast(history, HORIZON, [QUEUES[0], _queue("phone_unknown")])


def test_queue_with_too_little_history_raises():
    short = make_history(HIST_START, 10, {"phone_retail": 4000.0})
    with pytest.raises(InputError, match="phone_retail.*10 days"):
        forecast(short, HORIZON, QUEUES[:1])


def test_missing_column_raises(history):
    with pytest.raises(InputError, match="aht_seconds"):
        forecast(history.drop(columns=[schema.AHT_SECONDS]), HORIZON, QUEUES)


def test_deterministic(history, fc):
    messages = []
    again = forecast(history, HORIZON, QUEUES, seed=0, progress=messages.append)
    pd.testing.assert_frame_equal(fc, again)
    assert len(messages) == 2 and messages[0].startswith("forecast phone_retail: fitted")


def test_plot_forecast_writes_png(history, fc, tmp_path):
    path = plot_forecast(history, fc, "phone_retail", tmp_path / "retail.png", weeks=2)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_three_queues_two_years_of_30_minute_history_is_fast():
    levels = {"phone_retail": 4000.0, "phone_card": 1500.0, "chat": 900.0}
    hist = make_history(dt.date(2024, 1, 1), 731, levels, seed=11, day_factor=_cn_day_factor())
    horizon = Horizon(dt.date(2026, 1, 5), dt.date(2026, 2, 1), 30, TZ)
    t0 = time.perf_counter()
    fc = forecast(hist, horizon, [_queue(n) for n in levels], country="CN")
    assert time.perf_counter() - t0 < 20
    assert len(fc) == 3 * 28 * 48


# ---------------------------------------------------------------------------
# Models chosen by the backtest, Israeli weekend, outages
# ---------------------------------------------------------------------------
def test_models_argument_replaces_the_point_forecast_only(history, fc):
    chosen = forecast(history, HORIZON, QUEUES, seed=0, models={"phone_retail": "hist_avg_8w"})
    card = chosen[schema.QUEUE] == "phone_card"
    pd.testing.assert_frame_equal(chosen[card], fc[card])  # a queue not listed keeps top-down
    retail, base = chosen[~card], fc[~card]
    assert not np.allclose(retail[schema.YHAT], base[schema.YHAT])
    np.testing.assert_array_equal(retail[schema.AHT_SECONDS], base[schema.AHT_SECONDS])
    np.testing.assert_array_equal(retail[schema.YHAT] > 0, base[schema.YHAT] > 0)
    assert (retail[schema.YHAT_LOWER] <= retail[schema.YHAT] + 1e-9).all()
    assert (retail[schema.YHAT_UPPER] >= retail[schema.YHAT] - 1e-9).all()
    truth = np.array([expected_daily(4000.0, d.date()) for d in daily_totals(chosen).index])
    assert np.abs(daily_totals(chosen)["phone_retail"].to_numpy() / truth - 1).mean() < 0.05


def test_unknown_model_raises(history):
    with pytest.raises(InputError, match="unknown model.*phone_retail=magic"):
        forecast(history, HORIZON, QUEUES, models={"phone_retail": "magic"})


def test_israeli_weekend_gets_its_own_day_types():
    from wfm.forecast import _SATURDAY, _SUNDAY, _WEEKDAY, _Calendar

    il = _Calendar.build("IL", dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    cn = _Calendar.build("CN", dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    thu, fri, sat, sun = (dt.date(2026, 6, d) for d in (11, 12, 13, 14))
    assert [il.day_type(d) for d in (thu, fri, sat, sun)] == [_WEEKDAY, _SATURDAY, _SUNDAY, _WEEKDAY]
    assert [cn.day_type(d) for d in (thu, fri, sat, sun)] == [_WEEKDAY, _WEEKDAY, _SATURDAY, _SUNDAY]


def test_outage_day_does_not_pull_the_weekday_down():
    hist = make_history(HIST_START, 56, {"phone_retail": 4000.0}, seed=4)
    wall = pd.DatetimeIndex(hist[schema.INTERVAL_START]).tz_localize(None).normalize()
    outage = wall == pd.Timestamp(HIST_START + dt.timedelta(days=51))  # a Wednesday
    hist.loc[outage, schema.OFFERED] = (hist.loc[outage, schema.OFFERED] // 100).clip(lower=1)
    horizon = Horizon(HIST_START + dt.timedelta(days=56), HIST_START + dt.timedelta(days=69), 30, TZ)
    totals = daily_totals(forecast(hist, horizon, QUEUES[:1]))["phone_retail"]
    # Tuesdays, Wednesdays and Thursdays have the same truth; kept in, the outage would cut Wednesdays ~40%.
    dow = totals.index.day_of_week
    ratio = totals[dow == 2].mean() / totals[(dow == 1) | (dow == 3)].mean()
    assert abs(ratio - 1) < 0.04


def test_forecast_history_without_a_scenario(history, fc):
    from wfm.forecast import forecast_history

    out = forecast_history(history, HORIZON.start, HORIZON.end, timezone=TZ)
    assert len(out) == 2 * 28 * 48 and set(out[schema.QUEUE]) == {"phone_retail", "phone_card"}
    hour = pd.DatetimeIndex(out[schema.DS]).hour
    assert (out.loc[(hour < 8) | (hour >= 22), schema.YHAT] == 0).all()  # never any volume there
    totals, expected = daily_totals(out), daily_totals(fc)
    np.testing.assert_allclose(totals.to_numpy(), expected.to_numpy(), rtol=0.02, atol=1.0)
    with pytest.raises(InputError, match="is before start"):
        forecast_history(history, HORIZON.end, HORIZON.start, timezone=TZ)
