"""``wfm forecast --history FILE --start DATE --end DATE``: the forecast without a scenario folder.

Small seeded synthetic histories with Poisson noise, 15-minute intervals; each test runs in a few seconds.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm import schema as S
from wfm.cli import main

HIST_START = dt.date(2026, 1, 5)  # a Monday
HIST_DAYS = 56  # 8 weeks
START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 8)  # the Monday-to-Sunday week after the history
WEEKDAY_FACTORS = (1.15, 1.0, 1.0, 1.0, 1.05, 0.6, 0.45)
LEVELS = {"retail": 1200.0, "card": 500.0}  # contacts on an ordinary Tuesday
OPEN_H, CLOSE_H = 8, 20


def make_history(
    *,
    minutes: int = 15,
    seed: int = 0,
    aht: bool = True,
    offset: str | None = "+08:00",
    days: int = HIST_DAYS,
    queues: tuple[str, ...] = tuple(LEVELS),
) -> pd.DataFrame:
    """Poisson contacts from 08:00 to 20:00 with a morning and an afternoon peak; rows only where offered > 0."""
    rng = np.random.default_rng(seed)
    slot = np.arange(OPEN_H * 60, CLOSE_H * 60, minutes)
    hour = slot / 60
    shape = np.exp(-0.5 * ((hour - 10.5) / 1.5) ** 2) + 0.7 * np.exp(-0.5 * ((hour - 15) / 2) ** 2) + 0.1
    frames = []
    for queue in queues:
        level = LEVELS[queue]
        for d in range(days):
            day = HIST_START + dt.timedelta(days=d)
            offered = rng.poisson(level * WEEKDAY_FACTORS[day.weekday()] * shape / shape.sum())
            keep = offered > 0
            stamps = [
                dt.datetime.combine(day, dt.time(m // 60, m % 60)).isoformat() + (offset or "")
                for m in slot[keep]
            ]
            frame = pd.DataFrame({S.QUEUE: queue, S.INTERVAL_START: stamps, S.OFFERED: offered[keep]})
            if aht:
                frame[S.AHT_SECONDS] = (250 + rng.normal(0, 30, int(keep.sum()))).round(1)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "history.csv"
    make_history().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def retail_csv(tmp_path_factory):
    """One queue only: for the tests that run several forecasts."""
    path = tmp_path_factory.mktemp("history") / "retail.csv"
    make_history(queues=("retail",), seed=7).to_csv(path, index=False)
    return path


@pytest.fixture
def runner():
    return CliRunner()


def run(runner, history, out, *extra: str):
    return runner.invoke(
        main,
        [
            "forecast",
            "--history",
            str(history),
            "--start",
            str(START),
            "--end",
            str(END),
            "--out",
            str(out),
            *extra,
        ],
    )


def read(path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame[S.DS] = pd.to_datetime(frame[S.DS], format="ISO8601")
    return frame


def day_totals(fc: pd.DataFrame, queue: str) -> pd.Series:
    rows = fc[fc[S.QUEUE] == queue]
    return rows.groupby(rows[S.DS].dt.date)[S.YHAT].sum()


# ---------------------------------------------------------------------------
# The standalone run
# ---------------------------------------------------------------------------
def test_standalone_run_writes_the_contract_columns_over_the_horizon_at_the_inferred_15_minutes(
    runner, history_csv, tmp_path
):
    out = tmp_path / "forecast.csv"
    r = run(runner, history_csv, out, "--model", "hist_avg_4w")
    assert r.exit_code == 0, r.output
    assert "forecast: card hist_avg_4w, retail hist_avg_4w" in r.output
    assert "forecast card: fitted" in r.output and "forecast retail: fitted" in r.output  # progress per queue
    fc = read(out)
    assert list(fc.columns) == [S.QUEUE, S.DS, S.YHAT, S.YHAT_LOWER, S.YHAT_UPPER, S.AHT_SECONDS]
    assert sorted(fc[S.QUEUE].unique()) == ["card", "retail"]
    for _, rows in fc.groupby(S.QUEUE):
        ds = pd.DatetimeIndex(rows[S.DS])
        assert len(ds) == 7 * 96  # 7 days of 15-minute intervals
        assert ds[0] == pd.Timestamp("2026-03-02T00:00:00+08:00")
        assert ds[-1] == pd.Timestamp("2026-03-08T23:45:00+08:00")
        assert set(ds[1:] - ds[:-1]) == {pd.Timedelta(minutes=15)}
    hour = fc[S.DS].dt.hour
    assert (fc.loc[(hour < OPEN_H) | (hour >= CLOSE_H), S.YHAT] == 0).all()  # never any volume there
    assert (fc[S.YHAT_LOWER] <= fc[S.YHAT]).all() and (fc[S.YHAT] <= fc[S.YHAT_UPPER]).all()
    assert fc[S.AHT_SECONDS].between(200, 300).all()
    # The level is right: a Tuesday of retail carries about 1,200 contacts.
    assert day_totals(fc, "retail")[dt.date(2026, 3, 3)] == pytest.approx(1200, rel=0.08)
    assert f"wrote {out} (1,344 rows" in r.output


def test_without_a_model_the_backtest_chooses_per_queue(runner, retail_csv, tmp_path):
    out = tmp_path / "forecast.csv"
    r = run(runner, retail_csv, out)
    assert r.exit_code == 0, r.output
    assert "no model given: backtesting every model per queue to choose" in r.output
    assert r.output.count("backtest retail: origin") == 3
    chosen = next(line for line in r.output.splitlines() if "chosen by backtest: retail " in line).split()[-1]
    assert "forecast retail: fitted 56 days" in r.output and f"({chosen})" in r.output
    assert len(read(out)) == 7 * 96


def test_without_aht_seconds_the_forecast_has_no_aht_column(runner, tmp_path):
    history = tmp_path / "volume_only.csv"
    make_history(aht=False, seed=3).to_csv(history, index=False)
    out = tmp_path / "forecast.csv"
    r = run(runner, history, out, "--model", "hist_avg_4w")
    assert r.exit_code == 0, r.output
    fc = read(out)
    assert list(fc.columns) == [S.QUEUE, S.DS, S.YHAT, S.YHAT_LOWER, S.YHAT_UPPER]
    assert fc[S.YHAT].sum() > 0


def test_naive_timestamps_need_timezone_and_then_work(runner, tmp_path):
    history = tmp_path / "naive.csv"
    make_history(offset=None, seed=5).to_csv(history, index=False)
    r = run(runner, history, tmp_path / "a.csv", "--model", "seasonal_naive")
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1] == (
        "error: naive.csv row 2: interval_start '2026-01-05T08:00:00' has no UTC offset, so the time zone is "
        "unknown; give it with --timezone, e.g. --timezone Asia/Shanghai"
    )
    assert not (tmp_path / "a.csv").exists()
    out = tmp_path / "b.csv"
    r = run(runner, history, out, "--model", "seasonal_naive", "--timezone", "Asia/Shanghai")
    assert r.exit_code == 0, r.output
    assert read(out)[S.DS].iloc[0] == pd.Timestamp("2026-03-02T00:00:00+08:00")


# ---------------------------------------------------------------------------
# Missing days
# ---------------------------------------------------------------------------
def test_a_missing_day_is_missing_not_zero(runner, tmp_path):
    """A Wednesday with no rows (an export gap) must not pull next Wednesday's forecast down.

    Read as zero, it would cut the 4-week average of Wednesdays by a quarter.
    """
    full = make_history(seed=11, queues=("retail",))
    gap_day = "2026-02-18"  # a Wednesday inside the last 4 weeks
    gappy = full[~full[S.INTERVAL_START].str.startswith(gap_day)]
    assert len(gappy) < len(full)
    paths = {}
    for name, frame in (("full", full), ("gap", gappy)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    wednesday = dt.date(2026, 3, 4)
    for model in ("hist_avg_4w", "top_down"):
        totals = {}
        for name, path in paths.items():
            out = tmp_path / f"{name}_{model}.csv"
            r = run(runner, path, out, "--model", model)
            assert r.exit_code == 0, r.output
            totals[name] = day_totals(read(out), "retail")[wednesday]
        assert totals["gap"] == pytest.approx(totals["full"], rel=0.05), model
        assert totals["gap"] > 0.9 * LEVELS["retail"], model


# ---------------------------------------------------------------------------
# Quantiles
# ---------------------------------------------------------------------------
def test_quantiles_set_the_band(runner, retail_csv, tmp_path):
    def band(*extra: str) -> pd.DataFrame:
        out = tmp_path / f"fc{len(list(tmp_path.iterdir()))}.csv"
        r = run(runner, retail_csv, out, "--model", "top_down", *extra)
        assert r.exit_code == 0, r.output
        return read(out)

    default, same, wide, skew = (
        band(),
        band("--quantiles", "0.1,0.9"),
        band("--quantiles", "0.025,0.975"),
        band("--quantiles", "0.3,0.95"),
    )
    pd.testing.assert_frame_equal(default, same)  # the default is the 10% and 90% quantiles
    open_ = default[S.YHAT] > 1
    below = lambda f: (f[S.YHAT] - f[S.YHAT_LOWER])[open_]  # noqa: E731
    above = lambda f: (f[S.YHAT_UPPER] - f[S.YHAT])[open_]  # noqa: E731
    np.testing.assert_allclose(wide[S.YHAT], default[S.YHAT])  # the point forecast does not move
    # (>= below: a lower bound already clipped at zero cannot move further)
    assert (below(wide) >= below(default)).all() and (above(wide) > above(default)).all()
    assert (below(wide) / below(default)).median() == pytest.approx(1.96 / 1.2816, rel=0.15)
    ratio = (above(wide) / above(default)).median()
    assert ratio == pytest.approx(1.96 / 1.2816, rel=0.15)  # a 95% band is about 1.5 times an 80% one
    # Asymmetric: 30% below (narrower than 10%), 95% above (wider than 90%).
    assert (below(skew) <= below(default)).all() and (above(skew) > above(default)).all()
    assert (below(skew) / below(default)).median() == pytest.approx(0.5244 / 1.2816, rel=0.15)


# ---------------------------------------------------------------------------
# Bad input: one clear line, exit code 2, nothing written
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            "2026-03-32",
            "2026-03-08",
            "Invalid value for '--start': '2026-03-32' does not match the format '%Y-%m-%d'",
        ),
        (
            "2026-03-02",
            "8 March",
            "Invalid value for '--end': '8 March' does not match the format '%Y-%m-%d'",
        ),
        ("2026-03-08", "2026-03-02", "error: --end 2026-03-02 is before --start 2026-03-08"),
        (
            "2026-02-20",
            "2026-03-08",
            "error: --start 2026-02-20 is not after the last day of history.csv (2026-03-01); "
            "the forecast starts after the history",
        ),
    ],
)
def test_bad_start_or_end(runner, history_csv, tmp_path, start, end, message):
    out = tmp_path / "fc.csv"
    r = runner.invoke(
        main,
        [
            "forecast",
            "--history",
            str(history_csv),
            "--start",
            start,
            "--end",
            end,
            "--out",
            str(out),
            "--model",
            "seasonal_naive",
        ],
    )
    assert r.exit_code == 2
    assert message in r.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: give a scenario folder DIRECTORY, or --history FILE with --start and --end (not both)"),
        (
            ["inputs/demo", "--history", "{h}"],
            "error: give a scenario folder DIRECTORY, or --history FILE with --start and --end (not both)",
        ),
        (
            ["--history", "{h}", "--start", "2026-03-02"],
            "error: --history needs --start and --end (YYYY-MM-DD): the days to forecast",
        ),
        (
            ["inputs/demo", "--start", "2026-03-02", "--quantiles", "0.1,0.9"],
            "error: --start, --quantiles: only with --history; a scenario folder takes its horizon, time zone, "
            "country and special days from its files",
        ),
        (
            [
                "--history",
                "{h}",
                "--start",
                "2026-03-02",
                "--end",
                "2026-03-08",
                "--model",
                "top_down",
                "--models",
                "forecast_models.json",
            ],
            "error: give --models FILE or --model NAME, not both",
        ),
        (
            ["--history", "{h}", "--start", "2026-03-02", "--end", "2026-03-08", "--model", "crystal_ball"],
            "Invalid value for '--model': 'crystal_ball' is not one of",
        ),
        (
            ["--history", "{h}", "--start", "2026-03-02", "--end", "2026-03-08", "--quantiles", "0.9,0.1"],
            "error: --quantiles '0.9,0.1': give two quantiles lo,hi with 0 < lo < 0.5 < hi < 1, e.g. 0.1,0.9",
        ),
        (
            ["--history", "{h}", "--start", "2026-03-02", "--end", "2026-03-08", "--quantiles", "0.8"],
            "error: --quantiles '0.8': give two quantiles lo,hi with 0 < lo < 0.5 < hi < 1, e.g. 0.1,0.9",
        ),
        (
            [
                "--history",
                "{h}",
                "--start",
                "2026-03-02",
                "--end",
                "2026-03-08",
                "--timezone",
                "Mars/Olympus",
            ],
            "error: --timezone 'Mars/Olympus' is not an IANA time zone name; write e.g. Asia/Shanghai or Europe/Berlin",
        ),
        (
            ["--history", "{h}", "--start", "2026-03-02", "--end", "2026-03-08", "--country", "XX"],
            "error: --country 'XX' is not a country code of the holidays package; use an ISO code such as CN",
        ),
        (
            [
                "--history",
                "{h}",
                "--start",
                "2026-03-02",
                "--end",
                "2026-03-08",
                "--special-days",
                "nope.csv",
            ],
            "error: nope.csv: file not found (--special-days)",
        ),
        (
            ["--history", "missing.csv", "--start", "2026-03-02", "--end", "2026-03-08"],
            "error: missing.csv: file not found",
        ),
    ],
)
def test_option_combinations_and_bad_options(runner, history_csv, tmp_path, args, message):
    out = tmp_path / "fc.csv"
    args = [a.replace("{h}", str(history_csv)) for a in args]
    r = runner.invoke(main, ["forecast", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not out.exists()


def test_bad_rows_are_named(runner, tmp_path):
    frame = make_history(seed=2).astype(str)
    frame.loc[3, S.OFFERED] = "-4"
    frame.loc[7, S.INTERVAL_START] = "yesterday+08:00"
    history = tmp_path / "bad.csv"
    frame.to_csv(history, index=False)
    out = tmp_path / "fc.csv"
    r = run(runner, history, out, "--model", "top_down", "--timezone", "Asia/Shanghai")
    assert r.exit_code == 2
    assert "error: bad.csv row 5: offered -4 is negative" in r.output
    assert "error: bad.csv row 9: interval_start 'yesterday+08:00' is not a date and time" in r.output
    assert not out.exists()


def test_mixed_utc_offsets_need_timezone(runner, tmp_path):
    frame = make_history(seed=4)
    frame.loc[frame.index[-10:], S.INTERVAL_START] = (
        frame[S.INTERVAL_START].iloc[-10:].str.replace("+08:00", "+09:00")
    )
    history = tmp_path / "mixed.csv"
    frame.to_csv(history, index=False)
    r = run(runner, history, tmp_path / "fc.csv", "--model", "top_down")
    assert r.exit_code == 2
    assert (
        "error: mixed.csv: interval_start carries several UTC offsets (+08:00, +09:00), as daylight saving does; "
        "give the time zone with --timezone, e.g. --timezone Europe/Berlin"
    ) in r.output


def test_too_little_history_names_the_file(runner, tmp_path):
    history = tmp_path / "short.csv"
    make_history(days=10).to_csv(history, index=False)
    r = runner.invoke(
        main,
        [
            "forecast",
            "--history",
            str(history),
            "--start",
            "2026-01-20",
            "--end",
            "2026-01-26",
            "--out",
            str(tmp_path / "fc.csv"),
            "--model",
            "top_down",
        ],
    )
    assert r.exit_code == 2
    assert (
        "error: short.csv: queue 'card' has 10 days of history with volume; at least 14 are needed"
        in r.output
    )


def test_a_history_too_short_to_backtest_uses_the_default_model(runner, tmp_path):
    history = tmp_path / "short.csv"
    make_history(days=16, queues=("card",)).to_csv(history, index=False)
    out = tmp_path / "fc.csv"
    r = runner.invoke(
        main,
        [
            "forecast",
            "--history",
            str(history),
            "--start",
            "2026-01-26",
            "--end",
            "2026-02-01",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "the history is too short to backtest a 7-day horizon: using top_down for every queue" in r.output
    assert len(read(out)) == 7 * 96


def test_existing_out_is_refused(runner, history_csv, tmp_path):
    out = tmp_path / "fc.csv"
    out.write_text("keep me")
    r = run(runner, history_csv, out, "--model", "top_down")
    assert r.exit_code == 2
    assert "exists already" in r.output
    assert out.read_text() == "keep me"


def test_models_file_picks_per_queue_and_the_rest_use_the_default(runner, history_csv, tmp_path):
    models = tmp_path / "forecast_models.json"
    models.write_text('{"version": 1, "queues": {"retail": {"model": "seasonal_naive"}}}')
    out = tmp_path / "fc.csv"
    r = run(runner, history_csv, out, "--models", str(models))
    assert r.exit_code == 0, r.output
    assert "forecast: card top_down, retail seasonal_naive" in r.output
    assert "(seasonal_naive)" in r.output and "(top_down)" in r.output
