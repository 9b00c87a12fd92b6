"""Tests of wfm.staffing: requirements per queue and interval, and predicted KPIs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from wfm import erlang
from wfm.schema import (
    ABANDON_RATE,
    AGENTS_REQUIRED,
    AGENTS_REQUIRED_GROSS,
    AHT_SECONDS,
    ASA_SECONDS,
    DS,
    OCCUPANCY,
    QUEUE,
    REQUIREMENTS_COLUMNS,
    SERVICE_LEVEL,
    UNBOUNDED_WAIT_CALL_SHARE,
    UNBOUNDED_WAIT_INTERVALS,
    YHAT,
    YHAT_LOWER,
    YHAT_UPPER,
    InputError,
    Queue,
    Shrinkage,
)
from wfm.staffing import (
    forecast_quantile,
    gross_agents,
    predicted_kpis,
    quantile_column_name,
    required_staff,
    required_staff_quantile,
    service_level_spread,
    staffing_quantile_column,
    wait_summary,
)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

TZ = "Europe/Zurich"
PHONE = Queue("phone_retail", "voice", 0.8, 20, 0.95, dt.time(8), dt.time(20), patience_seconds=300)
CARD = Queue("phone_card", "voice", 0.8, 20, 0.95, dt.time(0), dt.time(0), min_agents=2)


def _chat(concurrency: int, **kw) -> Queue:
    return Queue(
        "chat",
        "chat",
        0.8,
        20,
        kw.pop("max_occupancy", 0.95),
        dt.time(0),
        dt.time(0),
        concurrency=concurrency,
        **kw,
    )


def _forecast(queue: str, calls, aht=180.0, start="2026-12-03 08:00", minutes=30) -> pd.DataFrame:
    calls = np.atleast_1d(np.asarray(calls, dtype=float))
    ds = pd.date_range(start, periods=calls.size, freq=f"{minutes}min", tz=TZ)
    return pd.DataFrame(
        {
            QUEUE: queue,
            DS: ds,
            YHAT: calls,
            YHAT_LOWER: calls * 0.8,
            YHAT_UPPER: calls * 1.2,
            AHT_SECONDS: np.broadcast_to(np.asarray(aht, dtype=float), calls.shape),
        }
    )


def test_pinned_voice_erlang_c_and_a():
    fc = _forecast(PHONE.name, [100.0])
    c = required_staff(fc, [PHONE], Shrinkage(0.0), 30)
    assert c[AGENTS_REQUIRED].tolist() == [14]
    assert c[SERVICE_LEVEL].iloc[0] == pytest.approx(0.888, abs=5e-4)
    assert c[OCCUPANCY].iloc[0] == pytest.approx(10 / 14)
    # Under Erlang C the abandonment column still reports Erlang A's view of 14 agents.
    assert 0 < c[ABANDON_RATE].iloc[0] < 0.02
    a = required_staff(fc, [PHONE], Shrinkage(0.0), 30, model="erlang_a")
    assert a[AGENTS_REQUIRED].tolist() == [13]
    assert a[SERVICE_LEVEL].iloc[0] == pytest.approx(0.86, abs=0.005)
    assert a[ABANDON_RATE].iloc[0] == pytest.approx(0.025, abs=0.001)


def test_output_contract_sorted_and_typed():
    fc = pd.concat([_forecast(PHONE.name, [100, 50]), _forecast(CARD.name, [20, 30])]).iloc[::-1]
    out = required_staff(fc, [PHONE, CARD], Shrinkage(0.1), 30)
    assert tuple(out.columns) == (*REQUIREMENTS_COLUMNS, ABANDON_RATE)
    assert out[QUEUE].tolist() == [CARD.name, CARD.name, PHONE.name, PHONE.name]
    assert out[DS].is_monotonic_increasing is False  # sorted by queue first ...
    assert all(g[DS].is_monotonic_increasing for _, g in out.groupby(QUEUE))  # ... then ds
    assert out[AGENTS_REQUIRED].dtype == np.int64 and out[AGENTS_REQUIRED_GROSS].dtype == np.int64
    assert str(out[DS].dt.tz) == TZ
    assert out.loc[out[QUEUE] == CARD.name, ABANDON_RATE].isna().all()  # no patience stated


def test_closed_and_zero_volume_intervals():
    # 07:00 and 07:30 are before opening; 08:00 has no calls; 20:00 is after closing.
    fc = _forecast(PHONE.name, [5, 5, 0, 100], start="2026-12-03 07:00")
    fc.loc[3, DS] = pd.Timestamp("2026-12-03 20:00", tz=TZ)
    fc.loc[0, AHT_SECONDS] = np.nan  # no AHT needed while closed
    out = required_staff(fc, [PHONE], Shrinkage(0.3), 30)
    closed = out.iloc[[0, 1, 3]]
    assert (closed[AGENTS_REQUIRED] == 0).all() and (closed[AGENTS_REQUIRED_GROSS] == 0).all()
    assert closed[[SERVICE_LEVEL, ASA_SECONDS, OCCUPANCY]].isna().all().all()
    open_empty = out.iloc[2]
    assert open_empty[AGENTS_REQUIRED] == PHONE.min_agents
    assert (open_empty[SERVICE_LEVEL], open_empty[ASA_SECONDS], open_empty[OCCUPANCY]) == (1.0, 0.0, 0.0)


def test_min_agents_floor_and_gross_up():
    out = required_staff(_forecast(CARD.name, [0.0, 0.001, 100.0]), [CARD], Shrinkage(0.2), 30)
    assert out[AGENTS_REQUIRED].tolist() == [2, 2, 14]
    assert out[AGENTS_REQUIRED_GROSS].tolist() == [3, 3, 18]  # ceil(2 / 0.8), ceil(14 / 0.8) = ceil(17.5)
    floor21 = Queue("q21", "voice", 0.8, 20, 0.95, dt.time(0), dt.time(0), min_agents=21)
    out = required_staff(_forecast("q21", [0.0]), [floor21], Shrinkage(0.3), 30)
    assert out[AGENTS_REQUIRED_GROSS].tolist() == [30]  # 21 / 0.7 is 30.000000000000004 in floats
    np.testing.assert_array_equal(gross_agents(np.array([0, 1, 8, 9]), 0.2), [0, 2, 10, 12])
    with pytest.raises(InputError, match="shrinkage"):
        required_staff(_forecast(CARD.name, [1.0]), [CARD], Shrinkage(1.0), 30)


def test_occupancy_cap_binds_at_high_load():
    # 500 calls x 300 s / 1800 s = 83.3 Erlangs; 80/20 needs about 90, a 0.85 cap needs ceil(98.04) = 99.
    capped = Queue("big", "voice", 0.8, 20, 0.85, dt.time(0), dt.time(0))
    free = Queue("big", "voice", 0.8, 20, 1.0, dt.time(0), dt.time(0))
    fc = _forecast("big", [500.0], aht=300.0)
    by_sl = int(required_staff(fc, [free], Shrinkage(0.0), 30)[AGENTS_REQUIRED].iloc[0])
    out = required_staff(fc, [capped], Shrinkage(0.0), 30)
    assert by_sl < 99
    assert out[AGENTS_REQUIRED].iloc[0] == math.ceil(500 * 300 / 1800 / 0.85) == 99
    assert out[OCCUPANCY].iloc[0] <= 0.85


def test_chat_concurrency_one_equals_voice():
    calls = [10.0, 60.0, 150.0, 400.0]
    voice = Queue("chat", "voice", 0.8, 20, 0.95, dt.time(0), dt.time(0))
    fc = _forecast("chat", calls, aht=420.0)
    v = required_staff(fc, [voice], Shrinkage(0.1), 30)
    c = required_staff(fc, [_chat(1)], Shrinkage(0.1), 30)
    pd.testing.assert_frame_equal(v, c)


def test_chat_concurrency_two_needs_about_half_at_high_load():
    fc = _forecast("chat", [600.0], aht=600.0)  # 200 Erlangs of sessions
    one = int(required_staff(fc, [_chat(1)], Shrinkage(0.0), 30)[AGENTS_REQUIRED].iloc[0])
    two = required_staff(fc, [_chat(2)], Shrinkage(0.0), 30)
    agents = int(two[AGENTS_REQUIRED].iloc[0])
    assert agents == math.ceil(one / 2)  # same session slots, two per agent
    assert 0.5 <= agents / one <= 0.52
    # KPIs are those of the 2 x agents slots.
    slots = erlang.erlang_c_kpis(2 * agents, 600.0, aht_seconds=600, interval_seconds=1800, answer_seconds=20)
    assert two[SERVICE_LEVEL].iloc[0] == pytest.approx(float(slots.service_level))
    assert two[OCCUPANCY].iloc[0] == pytest.approx(200 / (2 * agents))


def test_chat_concurrency_two_low_load_rounds_up():
    # One chat needs one slot; half an agent rounds up to min_agents = 1.
    out = required_staff(_forecast("chat", [1.0, 3.0], aht=300.0), [_chat(3)], Shrinkage(0.0), 30)
    assert out[AGENTS_REQUIRED].tolist() == [1, 1]


def test_quantile_column_and_negative_forecasts():
    fc = _forecast(PHONE.name, [100.0, 100.0])
    fc.loc[1, YHAT] = -3.0  # prophet can go below zero
    mid = required_staff(fc, [PHONE], Shrinkage(0.0), 30)
    upper = required_staff(fc, [PHONE], Shrinkage(0.0), 30, quantile_column=YHAT_UPPER)
    assert mid[AGENTS_REQUIRED].tolist() == [14, PHONE.min_agents]
    assert upper[AGENTS_REQUIRED].iloc[0] > 14


def test_fifteen_minute_intervals_use_interval_seconds():
    # 50 calls per 15 minutes is the same load as 100 per 30 minutes.
    out = required_staff(_forecast(PHONE.name, [50.0], minutes=15), [PHONE], Shrinkage(0.0), 15)
    assert out[AGENTS_REQUIRED].tolist() == [14]


def test_nan_aht_names_queue_and_interval():
    fc = _forecast(PHONE.name, [100.0, 80.0])
    fc.loc[1, AHT_SECONDS] = np.nan
    with pytest.raises(InputError) as err:
        required_staff(fc, [PHONE], Shrinkage(0.0), 30)
    assert len(err.value.problems) == 1
    assert "phone_retail" in str(err.value) and "2026-12-03 08:30:00+01:00" in str(err.value)
    assert "aht_seconds" in str(err.value)


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError, match="'nope' is not a queue"):
        required_staff(_forecast("nope", [1.0]), [PHONE], Shrinkage(0.0), 30)
    with pytest.raises(InputError, match="more than one row"):
        required_staff(pd.concat([_forecast(PHONE.name, [1.0])] * 2), [PHONE], Shrinkage(0.0), 30)
    with pytest.raises(InputError, match="missing column"):
        required_staff(_forecast(PHONE.name, [1.0]).drop(columns=AHT_SECONDS), [PHONE], Shrinkage(0.0), 30)
    with pytest.raises(ValueError, match="model"):
        required_staff(_forecast(PHONE.name, [1.0]), [PHONE], Shrinkage(0.0), 30, model="erlang_x")


def test_predicted_kpis_match_requirements_and_interpolate():
    fc = _forecast(PHONE.name, [100.0, 60.0])
    req = required_staff(fc, [PHONE], Shrinkage(0.0), 30, model="erlang_a")
    at_req = predicted_kpis(PHONE, fc[YHAT], fc[AHT_SECONDS], req[AGENTS_REQUIRED], 30, model="erlang_a")
    np.testing.assert_allclose(at_req[SERVICE_LEVEL], req[SERVICE_LEVEL])
    np.testing.assert_allclose(at_req[ABANDON_RATE], req[ABANDON_RATE])
    # 15 scheduled with 10% unplanned shrinkage leaves 13.5 on the phone.
    frac = predicted_kpis(PHONE, 100.0, 180.0, 15 * 0.9, 30)
    ends = predicted_kpis(PHONE, 100.0, 180.0, [13, 14], 30)
    assert frac[SERVICE_LEVEL][0] == pytest.approx(ends[SERVICE_LEVEL].mean())
    # ASA is the wait of answered calls: each end counts by the calls it answers
    answered = 1.0 - ends[ABANDON_RATE]
    assert frac[ASA_SECONDS][0] == pytest.approx((ends[ASA_SECONDS] * answered).sum() / answered.sum())
    assert list(frac) == [SERVICE_LEVEL, ASA_SECONDS, OCCUPANCY, ABANDON_RATE]


def test_asa_of_a_queue_with_patience_is_erlang_a_and_finite_at_or_below_the_load():
    # 100 calls of 180 s in 30 minutes: 10 Erlangs; Erlang C's wait is unbounded at 10 agents or fewer.
    agents = [3.0, 9.0, 10.0, 12.0, 0.9]
    impatient = predicted_kpis(PHONE, 100.0, 180.0, agents, 30)  # sized by Erlang C: the default model
    patient = predicted_kpis(dataclasses.replace(PHONE, patience_seconds=None), 100.0, 180.0, agents, 30)
    assert np.isinf(patient[ASA_SECONDS][[0, 1, 2, 4]]).all()
    assert np.isfinite(impatient[ASA_SECONDS]).all() and (impatient[ASA_SECONDS] > 0).all()
    assert np.all(np.diff(impatient[ASA_SECONDS][:4]) < 0)  # more agents, shorter wait
    erlang_a = erlang.erlang_a_kpis(
        np.array([3, 9, 10, 12]),
        100.0,
        aht_seconds=180,
        interval_seconds=1800,
        answer_seconds=20,
        patience_seconds=300,
    )
    np.testing.assert_allclose(impatient[ASA_SECONDS][:4], erlang_a.asa_seconds)
    # The service level stays Erlang C's, the figure the queue was sized on.
    np.testing.assert_allclose(impatient[SERVICE_LEVEL], patient[SERVICE_LEVEL])
    # 0.9 agents on the phone: the calls answered are all the one agent's, so their wait is finite;
    # with nobody on the phone nobody is answered and the wait is unbounded.
    assert impatient[ASA_SECONDS][4] == pytest.approx(
        float(
            erlang.erlang_a_kpis(
                1, 100.0, aht_seconds=180, interval_seconds=1800, answer_seconds=20, patience_seconds=300
            ).asa_seconds
        )
    )
    assert np.isinf(predicted_kpis(PHONE, 100.0, 180.0, 0, 30)[ASA_SECONDS]).all()


def test_wait_summary_counts_what_asa_leaves_out():
    # answered calls: 100, 50 (half abandon), none where nobody is on the phone, 50 with an unbounded wait
    out = wait_summary([20.0, 40.0, np.inf, np.inf], [0.0, 0.5, 1.0, np.nan], [100.0, 100.0, 50.0, 50.0])
    assert out[ASA_SECONDS] == pytest.approx((20 * 100 + 40 * 50) / 150)
    assert out[UNBOUNDED_WAIT_INTERVALS] == 2 and out[UNBOUNDED_WAIT_CALL_SHARE] == pytest.approx(100 / 300)
    nothing = wait_summary([np.nan], [np.nan], [0.0])  # a closed interval
    assert math.isnan(nothing[ASA_SECONDS]) and nothing[UNBOUNDED_WAIT_INTERVALS] == 0


def test_predicted_kpis_chat_and_edges():
    chat = _chat(2)
    out = predicted_kpis(chat, [600.0, 0.0, 0.0, 50.0], [600.0, np.nan, np.nan, 600.0], [110, 0, 3, 0], 30)
    slots = erlang.erlang_c_kpis(220, 600.0, aht_seconds=600, interval_seconds=1800, answer_seconds=20)
    assert out[SERVICE_LEVEL][0] == pytest.approx(float(slots.service_level))
    assert all(np.isnan(out[c][1]) for c in (SERVICE_LEVEL, ASA_SECONDS, OCCUPANCY))  # nobody, nothing
    assert out[SERVICE_LEVEL][2] == 1.0
    assert out[SERVICE_LEVEL][3] == 0.0 and out[ASA_SECONDS][3] == np.inf
    assert np.isnan(out[ABANDON_RATE]).all()
    with pytest.raises(InputError, match="chat"):
        predicted_kpis(chat, [10.0], [np.nan], [2], 30)


# ---------------------------------------------------------------------------
# Forecast uncertainty
# ---------------------------------------------------------------------------
def test_forecast_quantile_split_normal_through_the_band():
    fc = _forecast(PHONE.name, [100.0, 0.0, 50.0])
    fc[YHAT_UPPER] = [130.0, 4.0, 60.0]
    fc[YHAT_LOWER] = [90.0, 0.0, 45.0]
    np.testing.assert_allclose(forecast_quantile(fc, 0.5), fc[YHAT])
    np.testing.assert_allclose(forecast_quantile(fc, 0.9), fc[YHAT_UPPER])
    np.testing.assert_allclose(forecast_quantile(fc, 0.1), fc[YHAT_LOWER])
    z80 = 1.2815515655446004
    np.testing.assert_allclose(
        forecast_quantile(fc, 0.8), fc[YHAT] + (fc[YHAT_UPPER] - fc[YHAT]) * 0.8416212335729143 / z80
    )
    np.testing.assert_allclose(
        forecast_quantile(fc, 0.2), fc[YHAT] - (fc[YHAT] - fc[YHAT_LOWER]) * 0.8416212335729143 / z80
    )
    # A 95% band: its upper end is the 97.5% quantile.
    np.testing.assert_allclose(forecast_quantile(fc, 0.975, band_coverage=0.95), fc[YHAT_UPPER])
    assert (forecast_quantile(fc, 0.001) >= 0).all()  # clipped at zero calls
    assert forecast_quantile(fc, 0.8).name == quantile_column_name(0.8) == "yhat_q80"
    assert quantile_column_name(0.975) == "yhat_q97.5"
    with pytest.raises(InputError, match="quantile"):
        forecast_quantile(fc, 1.0)
    with pytest.raises(InputError, match="yhat_upper"):
        forecast_quantile(fc.drop(columns=[YHAT_UPPER]), 0.8)


def test_staffing_at_a_quantile():
    fc = _forecast(PHONE.name, [100.0, 200.0])  # band 80 .. 120% of yhat
    median = required_staff_quantile(fc, [PHONE], Shrinkage(0.0), 30, 0.5)
    pd.testing.assert_frame_equal(median, required_staff(fc, [PHONE], Shrinkage(0.0), 30))
    at_90 = required_staff_quantile(fc, [PHONE], Shrinkage(0.0), 30, 0.9)
    upper = required_staff(fc, [PHONE], Shrinkage(0.0), 30, YHAT_UPPER)
    pd.testing.assert_series_equal(at_90[AGENTS_REQUIRED], upper[AGENTS_REQUIRED])
    at_80 = required_staff(staffing_quantile_column(fc, 0.8), [PHONE], Shrinkage(0.0), 30, "yhat_q80")
    assert (median[AGENTS_REQUIRED] <= at_80[AGENTS_REQUIRED]).all()
    assert (at_80[AGENTS_REQUIRED] <= at_90[AGENTS_REQUIRED]).all()
    assert (at_80[AGENTS_REQUIRED] > median[AGENTS_REQUIRED]).any()


def test_service_level_spread():
    closed = pd.Timestamp("2026-12-03 07:30", tz=TZ)  # PHONE opens at 08:00
    fc = pd.concat(
        [_forecast(PHONE.name, [40.0], start="2026-12-03 07:30"), _forecast(PHONE.name, [100.0, 150.0])]
    )
    fc = pd.concat([fc, _forecast(CARD.name, [20.0, 30.0])], ignore_index=True)
    req = required_staff(fc, [PHONE, CARD], Shrinkage(0.0), 30)
    spread = service_level_spread(fc, req, [PHONE, CARD], 30)
    assert list(spread[QUEUE]) == [CARD.name] * 3 + [PHONE.name] * 3
    assert list(spread["quantile"]) == [0.1, 0.5, 0.9] * 2
    for _, g in spread.groupby(QUEUE):
        sl = g[SERVICE_LEVEL].to_numpy()
        assert sl[0] > sl[1] > sl[2]  # more calls, same agents: lower service level
        assert g["calls"].is_monotonic_increasing
    phone = spread[spread[QUEUE] == PHONE.name].set_index("quantile")
    assert phone.loc[0.5, "calls"] == 250.0  # the closed 07:30 interval is left out
    assert phone.loc[0.5, "open_intervals"] == 2 and phone.loc[0.5, "intervals_below_target"] == 0
    assert phone.loc[0.9, "intervals_below_target"] >= 1
    # The median row is the staffing's own prediction, weighted by calls.
    open_req = req[(req[QUEUE] == PHONE.name) & (req[DS] != closed)]
    want = np.average(open_req[SERVICE_LEVEL], weights=[100.0, 150.0])
    assert phone.loc[0.5, SERVICE_LEVEL] == pytest.approx(want)
    assert phone[ABANDON_RATE].notna().all()
    assert spread.loc[spread[QUEUE] == CARD.name, ABANDON_RATE].isna().all()
    # Erlang A for the queue with patience: higher service level than Erlang C at the same agents.
    spread_a = service_level_spread(fc, req, [PHONE, CARD], 30, model="erlang_a")
    assert (spread_a.loc[3:, SERVICE_LEVEL].to_numpy() > spread.loc[3:, SERVICE_LEVEL].to_numpy()).all()
