"""Derive the demo generator's calibration constants from the Anonymous Bank data.

Usage::

    python benchmarks/calibrate_demo.py --data /work/shared/data [--demo inputs/demo]

Reads ``anonymous_bank_1999/intervals_30min.csv`` (and the call-level file for
the per-call service-time spread) and prints:

* the intraday profile of offered calls on a regular working day (Sun-Thu there),
* the day-of-week factors and the ratio of the lighter days (Fri, Sat) to the
  regular days over the hours both are open,
* the overdispersion of interval counts relative to Poisson (variance / mean of
  the residual after removing the weekday x interval mean, per level; and the
  within-day figure after conditioning on the day's total),
* the day-level spread of daily totals,
* the mean talk time and its coefficient of variation per interval (from
  ``mean_ser_time_answered_s``: talk time only, the data do not record wrap-up),
* the abandonment fraction by relative load, with a power-law fit.

The constants embedded in ``wfm/demo.py`` are the rounded values printed here.
With ``--demo DIR`` the same figures are computed on a generated scenario's
``history.csv`` and printed beside the data's, followed by the sizing check.

Data: Guedj, I. & Mandelbaum, A. (2000). "Anonymous Bank" Call-Center Data,
Documentation. Technion - Israel Institute of Technology.  Free for use with
acknowledgement of the source.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

REGULAR_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu")
MIN_REGULAR_DAY_OFFERED = 300  # Sun-Thu days below this are holidays or outages (see the data README)
LEVEL_BINS = [0, 10, 20, 30, 40, 50, 60, 80, 120, 200, 400, 10_000]
LOAD_BINS = [0, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4, 1.7, 5.0]


def _regular(iv: pd.DataFrame) -> pd.DataFrame:
    day_total = iv.groupby("date")["offered"].transform("sum")
    return iv[iv["weekday"].isin(REGULAR_DAYS) & (day_total >= MIN_REGULAR_DAY_OFFERED)].copy()


def _window(frame: pd.DataFrame, lo: str, hi: str, col: str = "interval_start") -> pd.DataFrame:
    return frame[(frame[col] >= lo) & (frame[col] < hi)]


def _dispersion_by_level(offered: pd.Series, expected: pd.Series) -> pd.DataFrame:
    """Variance / mean of ``offered - expected``, binned by the expected level."""
    frame = pd.DataFrame({"y": offered.to_numpy(float), "m": expected.to_numpy(float)})
    frame = frame[frame["m"] > 0]
    frame["level"] = pd.cut(frame["m"], LEVEL_BINS)
    rows = []
    for level, g in frame.groupby("level", observed=True):
        if len(g) < 30:
            continue
        rows.append(
            {
                "level": str(level),
                "n": len(g),
                "mean": g["m"].mean(),
                "var_over_mean": ((g["y"] - g["m"]) ** 2).mean() / g["m"].mean(),
            }
        )
    return pd.DataFrame(rows)


def _pooled_dispersion(table: pd.DataFrame, min_mean: float = 20.0) -> float:
    """Mean of var/mean over levels >= min_mean, weighted by intervals (all levels if none is that high)."""
    t = table[table["mean"] >= min_mean] if (table["mean"] >= min_mean).any() else table
    return float(np.average(t["var_over_mean"], weights=t["n"])) if len(t) else float("nan")


def _robust_cv(ratio: pd.Series) -> float:
    """1.4826 x median absolute deviation of log(ratio): the CV of a lognormal, robust to outlier days."""
    logs = np.log(ratio[ratio > 0])
    return float(1.4826 * np.median(np.abs(logs - np.median(logs))))


def _fit_power(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least squares of log y = log a + b log x; returns (a, b)."""
    b, loga = np.polyfit(np.log(x), np.log(y), 1, w=np.sqrt(w))
    return float(np.exp(loga)), float(b)


def _abandon_by_load(frame: pd.DataFrame, typical: pd.Series) -> pd.DataFrame:
    rel = frame["offered"] / typical
    rows = []
    for lo, hi in zip(LOAD_BINS[:-1], LOAD_BINS[1:], strict=True):
        g = frame[(rel > lo) & (rel <= hi)]
        if g["offered"].sum() < 200:
            continue
        r = rel[(rel > lo) & (rel <= hi)]
        rows.append(
            {
                "load": f"({lo}, {hi}]",
                "n": len(g),
                "mean_load": float(r.mean()),
                "abandon_fraction": g["abandoned"].sum() / g["offered"].sum(),
            }
        )
    return pd.DataFrame(rows)


def calibrate(data_dir: Path) -> dict:
    """Compute every calibration figure from the Anonymous Bank data; returns them in a dict."""
    bank = data_dir / "anonymous_bank_1999"
    iv = pd.read_csv(bank / "intervals_30min.csv")
    iv["date"] = pd.to_datetime(iv["date"])
    reg = _regular(iv)
    out: dict = {"regular_days": int(reg["date"].nunique())}

    # Intraday profile: mean share of the day's offered calls per interval, regular days.
    share = reg.groupby("interval_start")["offered"].mean()
    share = share / share.sum()
    out["profile_full_day"] = share
    out["profile_0800_2200"] = _window(share.to_frame("s").reset_index(), "08:00", "22:00").set_index(
        "interval_start"
    )["s"]
    out["profile_0800_2400"] = _window(share.to_frame("s").reset_index(), "08:00", "24:00").set_index(
        "interval_start"
    )["s"]
    out["share_0800_2200"] = float(out["profile_0800_2200"].sum())

    # Day of week.  Regular days relative to their mean; lighter days against regular days
    # over the hours both are staffed (Fri 08:00-14:00, Sat 19:30-24:00).
    daily = reg.groupby(["date", "weekday"])["offered"].sum().reset_index()
    dow = daily.groupby("weekday")["offered"].mean()
    out["regular_day_mean"] = float(daily["offered"].mean())
    out["dow_factor"] = (dow / dow.mean()).reindex(list(REGULAR_DAYS))
    reg_mean = reg.groupby("interval_start")["offered"].mean()
    for day, lo, hi in (("Fri", "08:00", "14:00"), ("Sat", "19:30", "24:00")):
        light = iv[iv["weekday"] == day].groupby("interval_start")["offered"].mean()
        sel = (light.index >= lo) & (light.index < hi)
        out[f"ratio_{day}"] = float(light[sel].sum() / reg_mean[sel].sum())
        out[f"ratio_{day}_hours"] = f"{lo}-{hi}"
    out["ratio_light_all_day"] = float(
        iv[iv["weekday"].isin(("Fri", "Sat"))].groupby("date")["offered"].sum().mean()
        / out["regular_day_mean"]
    )

    # Overdispersion, over the hours the demo bank is open (08:00-22:00).
    w = _window(reg, "08:00", "22:00").copy()
    w["wd_mean"] = w.groupby(["weekday", "interval_start"])["offered"].transform("mean")
    out["disp_weekday_interval"] = _dispersion_by_level(w["offered"], w["wd_mean"])
    # Within day: expected = the day's total x that month's profile (the month absorbs the DST shift).
    w["month"] = w["date"].dt.month
    prof_m = w.groupby(["month", "interval_start"])["offered"].sum()
    prof_m = prof_m / prof_m.groupby(level="month").transform("sum")
    key = pd.MultiIndex.from_arrays([w["month"], w["interval_start"]])
    w["within"] = w.groupby("date")["offered"].transform("sum").to_numpy() * prof_m.reindex(key).to_numpy()
    out["disp_within_day"] = _dispersion_by_level(w["offered"], w["within"])
    out["phi_within_day"] = _pooled_dispersion(out["disp_within_day"])
    out["phi_weekday_interval"] = _pooled_dispersion(out["disp_weekday_interval"])

    # Day level: daily totals against weekday x month means.
    daily["month"] = daily["date"].dt.month
    exp_day = (
        daily.groupby("weekday")["offered"].transform("mean")
        * daily.groupby("month")["offered"].transform("mean")
        / daily["offered"].mean()
    )
    ratio = daily["offered"] / exp_day
    out["day_cv_sd"] = float(ratio.std())
    out["day_cv_robust"] = _robust_cv(ratio)

    # Handle time: talk time only (mean_ser_time_answered_s excludes wrap-up).
    a = _window(reg, "08:00", "22:00")
    out["talk_mean_s"] = float(a["sum_ser_time_answered_s"].sum() / a["answered"].sum())
    a5 = a[a["answered"] >= 5]
    per = a5.groupby("interval_start")["mean_ser_time_answered_s"].agg(["mean", "std"])
    per["cv"] = per["std"] / per["mean"]
    per["relative"] = per["mean"] / out["talk_mean_s"]
    per["relative_smoothed"] = per["relative"].rolling(3, center=True, min_periods=2).mean()
    out["aht_by_interval"] = per
    day_aht = a.groupby("date").apply(
        lambda g: g["sum_ser_time_answered_s"].sum() / g["answered"].sum(), include_groups=False
    )
    out["aht_day_cv_robust"] = _robust_cv(day_aht / day_aht.median())
    calls = pd.read_csv(
        bank / "calls_1999_9months.csv.gz", usecols=["outcome", "ser_time_s", "type"], dtype={"type": str}
    )
    served = calls[(calls["outcome"] == "AGENT") & (calls["ser_time_s"] > 0) & (calls["ser_time_s"] <= 3600)]
    out["talk_per_call_cv"] = float(served["ser_time_s"].std() / served["ser_time_s"].mean())
    out["talk_per_call_median_s"] = float(served["ser_time_s"].median())

    # Abandonment by load: the interval's offered calls relative to the mean interval of a
    # regular day over 08:00-22:00 (the staffing there was roughly flat, so this is load).
    typical = w["offered"].mean()
    out["typical_interval_offered"] = float(typical)
    table = _abandon_by_load(w, pd.Series(typical, index=w.index))
    out["abandon_by_load"] = table
    out["abandon_overall"] = float(w["abandoned"].sum() / w["offered"].sum())
    amp, beta = _fit_power(
        table["mean_load"].to_numpy(), table["abandon_fraction"].to_numpy(), table["n"].to_numpy()
    )
    out["abandon_at_load_1"] = amp
    out["abandon_load_exponent"] = beta
    return out


def _print_calibration(c: dict) -> None:
    print("Anonymous Bank (Israel, 1999), Guedj & Mandelbaum (2000), Technion")
    print(f"regular days (Sun-Thu, >= {MIN_REGULAR_DAY_OFFERED} offered): {c['regular_days']}")
    print(f"mean offered per regular day: {c['regular_day_mean']:.0f}")
    print("\nIntraday profile, share of a regular day's offered calls per 30 min (07:00-24:00):")
    prof = c["profile_full_day"]
    prof = prof[prof.index >= "07:00"]
    for i in range(0, len(prof), 6):
        print("  " + "  ".join(f"{t} {v:.4f}" for t, v in prof.iloc[i : i + 6].items()))
    print(f"share of the day in 08:00-22:00: {c['share_0800_2200']:.3f}")
    print(
        "profile 08:00-24:00 as a Python tuple (embedded as _AB_PROFILE):\n  ("
        + ", ".join(f"{v:.4f}" for v in c["profile_0800_2400"])
        + ")"
    )
    print("\nDay of week (regular days relative to their mean):")
    print("  " + "  ".join(f"{d} {v:.3f}" for d, v in c["dow_factor"].items()))
    print(
        f"lighter days / regular days over the same hours: Fri ({c['ratio_Fri_hours']}) {c['ratio_Fri']:.3f}, "
        f"Sat ({c['ratio_Sat_hours']}) {c['ratio_Sat']:.3f}; whole-day Fri+Sat / regular {c['ratio_light_all_day']:.3f}"
    )
    print("\nOverdispersion vs Poisson, residual after the weekday x interval mean (08:00-22:00):")
    print(c["disp_weekday_interval"].round(2).to_string(index=False))
    print(f"  pooled (levels >= 20): {c['phi_weekday_interval']:.2f}")
    print("Within-day overdispersion (expected = day total x month's profile):")
    print(c["disp_within_day"].round(2).to_string(index=False))
    print(f"  pooled (levels >= 20): {c['phi_within_day']:.2f}")
    print(
        f"day-level CV of daily totals vs weekday x month mean: sd {c['day_cv_sd']:.3f}, "
        f"robust (1.4826 MAD of log) {c['day_cv_robust']:.3f}"
    )
    print("\nTalk time (mean_ser_time_answered_s; excludes wrap-up, which the data do not record):")
    print(
        f"  mean {c['talk_mean_s']:.1f} s; per-call CV {c['talk_per_call_cv']:.2f}; per-call median {c['talk_per_call_median_s']:.0f} s"
    )
    print(f"  day-level CV of mean talk time (robust): {c['aht_day_cv_robust']:.3f}")
    print(c["aht_by_interval"].round(3).to_string())
    print(
        "relative talk time 08:00-21:30, smoothed, as a Python tuple (embedded as _AB_AHT_RELATIVE):\n  ("
        + ", ".join(f"{v:.3f}" for v in c["aht_by_interval"]["relative_smoothed"])
        + ")"
    )
    print(f"\nAbandonment by load (load = offered / mean interval {c['typical_interval_offered']:.1f}):")
    print(c["abandon_by_load"].round(3).to_string(index=False))
    print(
        f"  overall {c['abandon_overall']:.3f}; fit abandon = {c['abandon_at_load_1']:.3f} x load^"
        f"{c['abandon_load_exponent']:.2f}"
    )


def _demo_figures(demo_dir: Path, c: dict) -> None:
    """The same figures on a generated scenario, printed beside the data's, then the sizing check."""
    from wfm import demo

    hist = pd.read_csv(demo_dir / "history.csv")
    ts = pd.to_datetime(hist["interval_start"])
    hist["date"] = ts.dt.normalize()
    hist["slot"] = ts.dt.strftime("%H:%M")
    hist["weekday"] = ts.dt.day_name().str[:3]
    print(f"\n=== generated scenario {demo_dir} ===")
    for queue, q in hist.groupby("queue"):
        daily = q.groupby(["date", "weekday"])["offered"].sum().reset_index()
        wk = daily[daily["weekday"].isin(("Tue", "Wed", "Thu"))]["offered"].median()
        sat = daily[daily["weekday"] == "Sat"]["offered"].median()
        sun = daily[daily["weekday"] == "Sun"]["offered"].median()
        q = q.copy()
        q["wd_mean"] = q.groupby(["weekday", "slot"])["offered"].transform("mean")
        q["within"] = q.groupby("date")["offered"].transform("sum") * (
            q.groupby(["weekday", "slot"])["offered"].transform("sum")
            / q.groupby("weekday")["offered"].transform("sum")
        )
        disp_w = _pooled_dispersion(_dispersion_by_level(q["offered"], q["within"]))
        daily["month"] = daily["date"].dt.to_period("M")
        exp_day = (
            daily.groupby("weekday")["offered"].transform("mean")
            * daily.groupby("month")["offered"].transform("mean")
            / daily["offered"].mean()
        )
        aht = (q["aht_seconds"] * q["offered"]).sum() / q["offered"].sum()
        ab = q["abandoned"].sum() / q["offered"].sum()
        print(
            f"{queue:13s} median Tue-Thu/day {wk:7.0f}  Sat/wk {sat / wk:.2f}  Sun/wk {sun / wk:.2f}  "
            f"within-day var/mean {disp_w:.2f}  day CV robust {_robust_cv(daily['offered'] / exp_day):.3f}  "
            f"AHT {aht:.0f} s  abandon {ab:.3f}"
        )
    print(
        f"{'(data)':13s} {'':26s}  Sat/wk {c['ratio_Fri']:.2f}  Sun/wk {c['ratio_Sat']:.2f}  "
        f"within-day var/mean {c['phi_within_day']:.2f}  day CV robust {c['day_cv_robust']:.3f}  "
        f"talk {c['talk_mean_s']:.0f} s  abandon {c['abandon_overall']:.3f} (8 positions, 47% in 20 s)"
    )
    report = demo.sizing_report(demo_dir)
    print()
    print(demo.format_sizing(report))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="directory holding anonymous_bank_1999/")
    parser.add_argument("--demo", type=Path, help="a generated scenario to compare (e.g. inputs/demo)")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 160)
    figures = calibrate(args.data)
    _print_calibration(figures)
    if args.demo:
        _demo_figures(args.demo, figures)


if __name__ == "__main__":
    main()
