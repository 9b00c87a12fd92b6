"""A seeded generator of a realistic demo scenario: a mid-size Chinese retail bank.

:func:`generate` writes a complete scenario folder (``scenario.toml``,
``history.csv``, ``agents.csv``, ``time_off.csv`` and a ``README.md`` that
describes it) for a contact center in Asia/Shanghai with three queues:
``phone_retail``, ``phone_card`` and ``chat`` (web, app and WeChat).

The history is drawn from an explicit model: a daily level (trend x yearly
season x day type x calendar events x a random day shock) times an intraday
profile, with overdispersed interval counts, time-of-day handle times and
load-dependent abandonment.  The shapes and noise figures are calibrated on the
Anonymous Bank call-center data (see the constants below); the Chinese calendar
comes from the ``holidays`` package.  Everything is a pure function of the seed.

>>> from pathlib import Path; import tempfile                  # doctest: +SKIP
>>> generate(Path(tempfile.mkdtemp()) / "demo", agents=300)   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import math
import os
import shutil
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import holidays as holidays_lib
import numpy as np
import pandas as pd

from wfm import schema
from wfm.schema import InputError, OutputError

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Calibration constants.
#
# Derived by ``python benchmarks/calibrate_demo.py --data <shared data>`` from
# anonymous_bank_1999/intervals_30min.csv and calls_1999_9months.csv.gz:
# Guedj, I. & Mandelbaum, A. (2000), "Anonymous Bank" Call-Center Data,
# Documentation, Technion - Israel Institute of Technology.  The data are free
# for use with acknowledgement of the source.  Regular days there are Sun-Thu
# with at least 300 offered calls (184 days of 1999).
# ---------------------------------------------------------------------------
# Share of a regular day's offered calls per 30 min, 08:00 ... 23:30 (wall clock).
_AB_PROFILE = (
    0.0247, 0.0351, 0.0356, 0.0417, 0.0453, 0.0439, 0.0398, 0.0378, 0.0361, 0.0346,
    0.0358, 0.0379, 0.0397, 0.0386, 0.0380, 0.0387, 0.0395, 0.0382, 0.0315, 0.0303,
    0.0265, 0.0243, 0.0218, 0.0200, 0.0172, 0.0205, 0.0183, 0.0197, 0.0177, 0.0165,
    0.0151, 0.0108,
)  # fmt: skip
# Mean talk time per 30 min relative to the day's mean, 08:00 ... 21:30, 3-point smoothed
# (mean_ser_time_answered_s: talk only; the data do not record wrap-up).
_AB_AHT_RELATIVE = (
    0.905, 0.958, 1.063, 1.117, 1.122, 1.067, 1.069, 1.061, 1.067, 1.048,
    1.044, 1.029, 1.066, 1.134, 1.162, 1.087, 0.970, 0.896, 0.890, 0.902,
    0.911, 0.925, 0.940, 0.946, 0.954, 0.939, 0.946, 0.942,
)  # fmt: skip
# Day of week, regular days relative to their mean (Israeli working week Sun..Thu).
_AB_DOW = {"Sun": 1.102, "Mon": 0.971, "Tue": 0.996, "Wed": 0.954, "Thu": 0.977}
# Lighter days / regular days over the hours both are staffed: Fri 08-14, Sat 19:30-24.
_AB_LIGHT_DAY_RATIO = {"Fri": 0.634, "Sat": 0.626}
# Within-day overdispersion: variance / mean of interval counts given the day's total
# (pooled over levels >= 20 calls; 2.5-3.5 at every level from 20 to 87 calls).
_AB_PHI_WITHIN_DAY = 2.95
# Against the weekday x interval mean the figure is 4.3-7.3 by level (pooled 5.3): the
# rest is day-to-day variation, robust CV 0.171 of daily totals vs weekday x month.
_AB_DAY_CV_ROBUST = 0.171
# Talk time: per-call CV 1.28 (mean 192 s), day-level CV of the mean 0.087.
_AB_TALK_MEAN_SECONDS = 192.0
_AB_TALK_PER_CALL_CV = 1.28
_AB_AHT_DAY_CV = 0.087
# Abandonment by load (offered / mean interval): 0.124 x load^1.28 (3.5% at load 0.3, 30% at 2).
_AB_ABANDON_AT_LOAD_1 = 0.124
_AB_ABANDON_LOAD_EXPONENT = 1.28

# ---------------------------------------------------------------------------
# Adaptation to the Chinese bank (assumptions, stated in the README).
# ---------------------------------------------------------------------------
# Israel works Sun-Thu and rests Fri-Sat; China works Mon-Fri and rests Sat-Sun.  We map
# by position in the week: the first working day after the weekend (IL Sun -> CN Mon) ...
# the last (IL Thu -> CN Fri); the first rest day (IL Fri -> CN Sat), the second (IL Sat -> CN Sun).
_DOW_CN = {
    0: _AB_DOW["Sun"],
    1: _AB_DOW["Mon"],
    2: _AB_DOW["Tue"],
    3: _AB_DOW["Wed"],
    4: _AB_DOW["Thu"],
}
_PHI = _AB_PHI_WITHIN_DAY
# Part of the data's day-level spread (robust CV _AB_DAY_CV_ROBUST) is calendar effects the demo
# models explicitly (paydays, month-end, pre/post-holiday); the random day shock keeps about 60%
# of it: CV 0.10, common to all queues 0.06 and per queue 0.08.
_DAY_SHOCK_COMMON = 0.06
_DAY_SHOCK_QUEUE = 0.08
# Handle time = talk + wrap-up (assumed 45 s, sd 20 s): the per-call CV falls from 1.28 to ~1.04.
# Chat sessions are less skewed than calls (assumption).
_WRAP_MEAN_SECONDS, _WRAP_SD_SECONDS = 45.0, 20.0
_HANDLE_PER_CALL_CV = {
    "voice": math.hypot(_AB_TALK_PER_CALL_CV * _AB_TALK_MEAN_SECONDS, _WRAP_SD_SECONDS)
    / (_AB_TALK_MEAN_SECONDS + _WRAP_MEAN_SECONDS),
    "chat": 0.80,
}
_ABANDON_CAP = 0.35
_REFERENCE_AGENTS = 120
_REFERENCE_START = dt.date(2026, 12, 1)  # trend factor 1 here
_MAKEUP_WORKDAY_FACTOR = 0.90  # a Sat/Sun declared a working day (调休)
_WEEKEND_PROFILE_FLAT = 0.4  # weekend/holiday intraday profile: 60% weekday shape + 40% flat


@dataclass(frozen=True)
class _QueueModel:
    """A demo queue: its service target (scenario.toml) and its demand model."""

    name: str
    channel: str
    service_level: float
    answer_seconds: int
    max_occupancy: float
    open: str
    close: str
    min_agents: int
    patience_seconds: int | None
    concurrency: int
    calls_per_weekday: float  # average Mon-Fri at _REFERENCE_START, 120 agents, before season
    aht_seconds: float
    weekend_ratio: tuple[float, float]  # Sat, Sun relative to the average weekday
    trend_per_year: float
    season_amplitude: float  # yearly cosine, peak in early January
    evening_bump: tuple[float, float, float]  # weight, centre hour, sd hours
    base_abandon: float  # abandonment at load 1
    holiday: dict[str, float]  # level on holiday days relative to an average weekday
    pre_holiday: dict[str, float]  # surge on the working days before a holiday block
    post_holiday: tuple[float, float, float]  # first three working days after a long block
    payday: float  # 10th and 25th
    month_end: tuple[float, float]  # last and second-to-last working day
    double11: float  # card instalment queries after the 11.11 shopping festival

    @property
    def open_minute(self) -> int:
        h, m = map(int, self.open.split(":"))
        return h * 60 + m

    @property
    def close_minute(self) -> int:
        h, m = map(int, self.close.split(":"))
        return 24 * 60 if h == 0 and m == 0 else h * 60 + m


_QUEUES = (
    _QueueModel(
        name="phone_retail",
        channel="voice",
        service_level=0.8,
        answer_seconds=20,
        max_occupancy=0.85,
        open="08:00",
        close="22:00",
        min_agents=2,
        patience_seconds=180,
        concurrency=1,
        calls_per_weekday=2920.0,
        aht_seconds=240.0,
        weekend_ratio=(_AB_LIGHT_DAY_RATIO["Fri"], _AB_LIGHT_DAY_RATIO["Sat"]),
        trend_per_year=-0.03,
        season_amplitude=0.05,
        evening_bump=(0.0, 19.5, 1.5),
        base_abandon=0.030,
        holiday={"spring_core": 0.25, "spring": 0.40, "national_core": 0.40, "national": 0.48, "other": 0.55},
        pre_holiday={"spring": 1.22, "national": 1.10, "other": 1.04},
        post_holiday=(1.22, 1.12, 1.05),
        payday=1.12,
        month_end=(1.08, 1.04),
        double11=1.0,
    ),
    _QueueModel(
        name="phone_card",
        channel="voice",
        service_level=0.8,
        answer_seconds=30,
        max_occupancy=0.85,
        open="08:00",
        close="22:00",
        min_agents=2,
        patience_seconds=200,
        concurrency=1,
        calls_per_weekday=910.0,
        aht_seconds=300.0,
        weekend_ratio=(0.74, 0.70),
        trend_per_year=-0.01,
        season_amplitude=0.06,
        evening_bump=(0.15, 19.5, 1.5),
        base_abandon=0.035,
        holiday={"spring_core": 0.35, "spring": 0.50, "national_core": 0.50, "national": 0.58, "other": 0.62},
        pre_holiday={"spring": 1.10, "national": 1.06, "other": 1.03},
        post_holiday=(1.40, 1.25, 1.10),
        payday=1.05,
        month_end=(1.15, 1.08),
        double11=1.20,
    ),
    _QueueModel(
        name="chat",
        channel="chat",
        service_level=0.8,
        answer_seconds=60,
        max_occupancy=0.9,
        open="08:00",
        close="00:00",
        min_agents=1,
        patience_seconds=None,
        concurrency=2,
        calls_per_weekday=1860.0,
        aht_seconds=480.0,
        weekend_ratio=(0.86, 0.84),
        trend_per_year=0.20,
        season_amplitude=0.04,
        evening_bump=(0.45, 20.5, 1.6),
        base_abandon=0.040,
        holiday={"spring_core": 0.50, "spring": 0.65, "national_core": 0.65, "national": 0.72, "other": 0.80},
        pre_holiday={"spring": 1.15, "national": 1.08, "other": 1.04},
        post_holiday=(1.15, 1.08, 1.03),
        payday=1.08,
        month_end=(1.06, 1.03),
        double11=1.05,
    ),
)

# Days with no rows in history.csv (data loss), applied where they fall inside the history.
_OUTAGES = (
    (dt.date(2025, 8, 19), dt.date(2025, 8, 20), ("phone_retail", "phone_card", "chat"),
     "telephony platform upgrade; the reporting export for both days was lost"),
    (dt.date(2026, 3, 11), dt.date(2026, 3, 11), ("chat",), "chat platform migration; no export for the day"),
    (dt.date(2026, 10, 20), dt.date(2026, 10, 20), ("phone_card",), "card IVR reporting database failure"),
)  # fmt: skip


@dataclass(frozen=True)
class _Shift:
    code: str
    start: str
    paid_minutes: int
    unpaid_minutes: int

    @property
    def kind(self) -> str:
        return {"D": "full", "L": "full", "P": "part4", "H": "part6"}[self.code[0]]

    @property
    def end_minute(self) -> int:
        h, m = map(int, self.start.split(":"))
        return h * 60 + m + self.paid_minutes + self.unpaid_minutes


_SHIFTS = (
    _Shift("D08", "08:00", 480, 60),
    _Shift("D09", "09:00", 480, 60),
    _Shift("D10", "10:00", 480, 60),
    _Shift("D11", "11:00", 480, 60),
    _Shift("D12", "12:00", 480, 60),
    _Shift("D13", "13:00", 480, 60),  # ends 22:00, phone close
    _Shift("L15", "15:00", 480, 60),  # late chat shift, ends at midnight
    _Shift("H09", "09:00", 360, 30),
    _Shift("H16", "16:00", 360, 30),
    _Shift("P08", "08:00", 240, 0),
    _Shift("P10", "10:00", 240, 0),
    _Shift("P12", "12:00", 240, 0),
    _Shift("P14", "14:00", 240, 0),
    _Shift("P17", "17:00", 240, 0),
    _Shift("P18", "18:00", 240, 0),
    _Shift("P20", "20:00", 240, 0),  # evening chat (app/WeChat) part-time shift, ends at midnight
)
SHIFT_CODES = tuple(s.code for s in _SHIFTS)

# [[breaks]] rules: (comment, min_shift_minutes, shift codes or () for all, breaks, lunch, lunch window,
# min_offset, min_before_end, min_gap).  Day shifts lunch around midday; later shifts eat when coverage allows.
_BREAK_RULES = (
    ("full-time day shifts: lunch around midday", 480, ("D08", "D09", "D10", "D11"), (15, 15), 60,
     ("11:00", "14:30"), 90, 60, 60),
    ("other full-time shifts", 480, (), (15, 15), 60, None, 90, 60, 60),
    ("6-hour part-time shifts", 360, (), (15,), 30, None, 60, 60, 60),
    ("4-hour part-time shifts", 240, (), (15,), 0, None, 60, 60, 0),
)  # fmt: skip

# Workforce mix (fractions of the agents; largest-remainder rounding).
_SKILL_MIX = (
    (("phone_retail",), 0.45),
    (("phone_card",), 0.15),
    (("chat",), 0.10),
    (("phone_retail", "chat"), 0.20),
    (("phone_retail", "phone_card", "chat"), 0.10),
)
_FULL_TIME_MINUTES = 2400
_PART_TIME_MINUTES = (1200, 1440)
_PART_TIME_SHARE = 0.20
_TEAM_SIZE = 15
_ROLE_SHARE = {"mentor": 10 / 120, "new_hire": 10 / 120}
_HOURLY_RATE_CNY = {"agent": 42, "new_hire": 35, "mentor": 52, "lead": 60}
# Expected contract minutes per agent of the mix above: scales the volume with the workforce.
_REFERENCE_MINUTES_PER_AGENT = (1 - _PART_TIME_SHARE) * _FULL_TIME_MINUTES + _PART_TIME_SHARE * sum(
    _PART_TIME_MINUTES
) / len(_PART_TIME_MINUTES)
_REFERENCE_AVAILABLE_SHARE = 0.978  # paid hours left after approved leave in the reference December
_SIZING_OCCUPANCY = 0.8
_SHRINKAGE_UNPLANNED = 0.08

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万钱戴严莫孔向常汤康易乔赖文"
)
_GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文辉宇鹏浩婷雪琳晨欣怡佳颖倩俊帆博鑫宁轩梓涵"
    "子睿思雨嘉一晓海慧丹凯亮新春云飞彬斌悦蕾璐瑶媛昊天泽阳志国晶莉玲燕振维坤晗诗琪若可安清远航"
)
_CN_DIGITS = "零一二三四五六七八九"


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def generate(
    out_dir: Path,
    *,
    agents: int = 120,
    start: dt.date = dt.date(2026, 12, 1),
    end: dt.date = dt.date(2026, 12, 31),
    history_start: dt.date | None = None,
    history_end: dt.date | None = None,
    interval_minutes: int = 30,
    seed: int = 2026,
    volume_scale: float | None = None,
    shift_codes: Sequence[str] | None = None,
    name: str = "demo",
    time_limit_seconds: float = 120,
    breaks: bool = True,
    activities: bool = True,
) -> None:
    """Write a demo scenario folder into ``out_dir``.

    ``out_dir`` is created (with its parents); an existing non-empty folder is
    refused with :class:`OutputError`.  The files are written into a temporary
    folder next to ``out_dir`` and renamed into place, so a failure leaves
    nothing behind.

    ``agents`` (at least 6) sets the workforce; the role, skill and contract mix
    scale with it.  ``start``/``end`` are the inclusive planning horizon.  The
    history defaults to the two years before ``start`` (``start`` minus two
    years up to the day before ``start``).  ``volume_scale`` multiplies the
    120-agent reference volume; by default it follows the workforce's paid
    hours per week net of approved leave, so any workforce is about as tight as
    the reference one (required / available hours about 86% in December 2026).
    ``shift_codes`` picks a subset of :data:`SHIFT_CODES` (default all);
    ``name`` and ``time_limit_seconds`` go into ``scenario.toml``, and so do
    the ``[[breaks]]`` rules unless ``breaks`` is False, and the wellbeing,
    onboarding and mentoring sections and ``training.csv`` unless
    ``activities`` is False.  Output is a
    pure function of the arguments: the same seed gives identical bytes (with
    the same numpy and holidays versions).
    """
    out_dir = Path(out_dir)
    files = build(
        agents=agents,
        start=start,
        end=end,
        history_start=history_start,
        history_end=history_end,
        interval_minutes=interval_minutes,
        seed=seed,
        volume_scale=volume_scale,
        shift_codes=shift_codes,
        name=name,
        time_limit_seconds=time_limit_seconds,
        breaks=breaks,
        activities=activities,
    )
    _write_folder(out_dir, files)
    log.info("demo scenario %r written to %s", name, out_dir)


# Wellbeing, onboarding and mentoring in scenario.toml; courses in training.csv (see docs/intraday.md).
ACTIVITIES_TOML = """
[wellbeing]
max_continuous_phone_minutes = 150
no_late_then_early = true
max_consecutive_late = 4
team_session_minutes = 60
team_session_window = ["10:00", "17:00"]
recovery_minutes = 10
recovery_after_minutes = 120
recovery_occupancy = 0.8

[onboarding]
days = 14
share = 0.5
ramp_up_days = 42
ramp_up_fraction = 0.5

[mentoring]
mentor_roles = ["mentor", "lead"]
max_mentees = 2
same_shift_share = 0.8
coaching_minutes = 30
"""
TRAINING_CSV = (
    "course,session_minutes,sessions,roles,skills,agents,capacity,trainer,days,window,hard\n"
    "Card compliance refresher,90,2,,phone_card,,12,,tue;wed;thu,09:30-17:00,yes\n"
    "Complaint handling for seniors,120,1,lead;mentor,,,10,,mon;tue;wed;thu;fri,09:00-18:00,yes\n"
)


# What-if overlays shipped with the demo (wfm compare reads DIR/whatif/*.toml); see docs/whatif.md.
WHATIF_FILES: dict[str, str] = {
    "five_fewer_agents.toml": 'name = "5 fewer agents"\ndescription = "Five agents leave: the last five plain agents by employee_id are left out, with their leave and requests."\n\nheadcount = -5\n',
    "sl_90_20.toml": 'name = "SL 90/20"\ndescription = "Phone queues answer 90% of calls within 20 seconds instead of 80/20 (retail) and 80/30 (card)."\n\n[queues.phone_retail]\nservice_level = 0.9\nanswer_seconds = 20\n\n[queues.phone_card]\nservice_level = 0.9\nanswer_seconds = 20\n',
    'training_4h.toml': 'name = "training 4 h"\ndescription = "An extra 4 hours of training per agent (two 2-hour sessions, cohorts of 12), placed by the roster like any course."\n\n[training]\nhours_per_agent = 4\n',
    "volume_plus_10.toml": 'name = "volume +10%"\ndescription = "Contacts on every queue 10% above the forecast (e.g. after the card campaign)."\n\nvolume = "+10%"\n',
}


def build(
    *,
    agents: int = 120,
    start: dt.date = dt.date(2026, 12, 1),
    end: dt.date = dt.date(2026, 12, 31),
    history_start: dt.date | None = None,
    history_end: dt.date | None = None,
    interval_minutes: int = 30,
    seed: int = 2026,
    volume_scale: float | None = None,
    shift_codes: Sequence[str] | None = None,
    name: str = "demo",
    time_limit_seconds: float = 120,
    breaks: bool = True,
    activities: bool = True,
) -> dict[str, bytes]:
    """The scenario files as bytes, keyed by file name (what :func:`generate` writes)."""
    if history_start is None:
        history_start = _years_before(start, 2)
    if history_end is None:
        history_end = start - dt.timedelta(days=1)
    _check_arguments(
        agents, start, end, history_start, history_end, interval_minutes, shift_codes, volume_scale
    )
    shifts = tuple(s for s in _SHIFTS if shift_codes is None or s.code in set(shift_codes))

    seq = np.random.SeedSequence(seed)
    rng_agents, rng_time_off, rng_history = (np.random.default_rng(s) for s in seq.spawn(3))
    agent_frame = _make_agents(agents, start, rng_agents)
    time_off = _make_time_off(agent_frame, shifts, start, end, rng_time_off)
    auto_scale = volume_scale is None
    if volume_scale is None:
        volume_scale = _auto_volume_scale(agent_frame, time_off, start, end)
    history, outages = _make_history(history_start, history_end, interval_minutes, volume_scale, rng_history)
    expected = expected_volume(start, end, interval_minutes=interval_minutes, volume_scale=volume_scale)
    sizing = _sizing(expected, agent_frame, time_off, start, end)

    files = {
        "scenario.toml": _scenario_toml(
            name,
            start,
            end,
            interval_minutes,
            shifts,
            time_limit_seconds,
            len(agent_frame),
            breaks,
            activities,
        ).encode(),
        "history.csv": _csv_bytes(history),
        "agents.csv": _csv_bytes(agent_frame),
        "time_off.csv": _csv_bytes(time_off),
    }
    if activities:
        files["training.csv"] = TRAINING_CSV.encode()
    files["README.md"] = _readme(
        name=name,
        seed=seed,
        start=start,
        end=end,
        history_start=history_start,
        history_end=history_end,
        interval_minutes=interval_minutes,
        volume_scale=volume_scale,
        shifts=shifts,
        agents=agent_frame,
        time_off=time_off,
        history=history,
        outages=outages,
        sizing=sizing,
        hashes={k: hashlib.sha256(v).hexdigest() for k, v in files.items()},
        auto_scale=auto_scale,
        time_limit=time_limit_seconds,
        breaks=breaks,
        activities=activities,
    ).encode()
    plain_agents = int((agent_frame["role"] == "agent").sum())
    for file_name, text in WHATIF_FILES.items():
        if file_name == "five_fewer_agents.toml" and plain_agents < 6:
            continue  # headcount = -5 needs at least 5 plain agents to drop (and one left)
        files[f"whatif/{file_name}"] = text.encode()
    return files


def expected_volume(
    start: dt.date,
    end: dt.date,
    *,
    interval_minutes: int = 30,
    volume_scale: float = 1.0,
) -> pd.DataFrame:
    """The demand model's mean per queue and interval from ``start`` to ``end`` (inclusive).

    Columns ``queue, interval_start`` (naive local time), ``offered`` (expected
    calls or chat sessions, no noise) and ``aht_seconds`` (expected handle
    time).  Closed intervals are left out.  This is the truth the history is
    drawn from, so it is what a perfect forecast of the horizon would say.
    """
    days = _date_range(start, end)
    cal = _Calendar(days)
    frames = []
    for q in _QUEUES:
        minutes, share = _profiles(q, interval_minutes)
        level = _base_level(q, days) * _day_factor(q, cal) * volume_scale
        share_by_day = np.where(cal.weekend_like[:, None], share["weekend"], share["weekday"])
        mean = level[:, None] * share_by_day
        aht = np.broadcast_to(q.aht_seconds * _aht_relative(minutes), mean.shape)
        frames.append(_grid_frame(q.name, days, minutes, mean, aht))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class SizingReport:
    """Does the workforce fit the horizon's expected demand?

    ``required_hours``: sum over queues and intervals of calls x AHT / 3600 /
    occupancy (chat divided by its concurrency), grossed up for unplanned
    shrinkage (/ (1 - shrinkage)).  ``available_hours``: every agent's contract
    minutes prorated to the horizon (from their start date), minus approved
    leave at a fifth of the weekly contract per day.  ``peak_required`` is the
    largest total over queues of the grossed-up agents required in one interval;
    ``median_weekday_peak`` the median over Mon-Fri of each day's largest total.
    """

    start: dt.date
    end: dt.date
    occupancy: float
    shrinkage: float
    required_hours_by_queue: dict[str, float]
    required_hours: float
    contract_hours: float
    leave_hours: float
    available_hours: float
    ratio: float
    peak_required: float
    peak_interval: str
    median_weekday_peak: float
    mean_required_open: float


def sizing_report(scenario_dir: Path, *, volume_scale: float | None = None) -> SizingReport:
    """The sizing check for a generated scenario folder.

    Reads ``scenario.toml``, ``agents.csv`` and ``time_off.csv`` and compares
    the demand model's expected horizon volume (scaled as :func:`generate`
    does by default, from the workforce's paid hours, unless ``volume_scale``
    is given) with the workforce's paid hours.
    """
    scenario_dir = Path(scenario_dir)
    toml = tomllib.loads((scenario_dir / "scenario.toml").read_text(encoding="utf-8"))
    horizon = toml["horizon"]
    start = dt.date.fromisoformat(horizon["start"])
    end = dt.date.fromisoformat(horizon["end"])
    agent_frame = pd.read_csv(scenario_dir / "agents.csv", dtype={schema.START_DATE: str})
    time_off = pd.read_csv(scenario_dir / "time_off.csv", dtype=str, keep_default_na=False)
    if volume_scale is None:
        volume_scale = _auto_volume_scale(agent_frame, time_off, start, end)
    expected = expected_volume(
        start, end, interval_minutes=int(horizon["interval_minutes"]), volume_scale=volume_scale
    )
    return _sizing(expected, agent_frame, time_off, start, end)


def format_sizing(report: SizingReport) -> str:
    """The sizing check as a few lines of text."""
    by_queue = ", ".join(f"{q} {h:,.0f} h" for q, h in report.required_hours_by_queue.items())
    return "\n".join(
        [
            f"Sizing check {report.start} .. {report.end} (occupancy {report.occupancy}, "
            f"unplanned shrinkage {report.shrinkage:.0%}):",
            f"  required agent-hours, grossed up: {report.required_hours:,.0f} h ({by_queue})",
            f"  workforce paid hours: {report.contract_hours:,.0f} h contract - {report.leave_hours:,.0f} h leave"
            f" = {report.available_hours:,.0f} h",
            f"  required / available = {report.ratio:.1%}",
            f"  agents required per interval: peak {report.peak_required:.1f} ({report.peak_interval}), "
            f"median weekday peak {report.median_weekday_peak:.1f}, mean over open intervals "
            f"{report.mean_required_open:.1f}",
        ]
    )


# ---------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------
_BLOCK_KINDS = (("Spring Festival", "spring"), ("National Day", "national"))  # holidays' English names


class _Calendar:
    """Chinese working-day calendar with holiday blocks and event flags, per day."""

    def __init__(self, days: list[dt.date]):
        years = range(days[0].year - 1, days[-1].year + 2)
        cn = holidays_lib.country_holidays("CN", years=years, language="en_US")
        self.holidays = cn
        pad = 14  # look around the range for blocks and working-day positions
        first, last = days[0] - dt.timedelta(days=pad), days[-1] + dt.timedelta(days=pad)
        span = _date_range(first, last)
        working = {d: cn.is_working_day(d) for d in span}
        # Holiday blocks: maximal runs of non-working days that contain a public holiday.
        block_of: dict[dt.date, str] = {}  # day -> holiday level key
        blocks: list[tuple[list[dt.date], str]] = []
        run: list[dt.date] = []
        for d in [*span, None]:
            if d is not None and not working[d]:
                run.append(d)
                continue
            if run and any(x in cn for x in run):
                names = " ".join(cn.get_list(x)[0] for x in run if x in cn)
                kind = next((k for key, k in _BLOCK_KINDS if key in names), "other")
                blocks.append((run, kind))
                # The sharpest drop: Chinese New Year's Eve and the three days after it; National Day 1-2 Oct.
                opening = next(x for x in run if x in cn)
                core_days = dt.timedelta(days=3 if kind == "spring" else 1)
                for x in run:
                    core = kind != "other" and opening <= x <= opening + core_days
                    block_of[x] = f"{kind}_core" if core else kind
            run = []
        self.blocks = blocks
        work_days = [d for d in span if working[d]]
        pre: dict[dt.date, str] = {}
        post: dict[dt.date, int] = {}
        pre_days = {"spring": 5, "national": 3, "other": 2}
        for run, kind in blocks:
            before = [d for d in work_days if d < run[0]][-pre_days[kind] :]
            for d in before:
                pre.setdefault(d, kind)
            if len(run) >= 3:
                after = [d for d in work_days if d > run[-1]][:3]
                for i, d in enumerate(after):
                    post.setdefault(d, i)
        # Paydays (10th, 25th) fall on the last working day on or before the date.
        payday: set[dt.date] = set()
        month_end: dict[dt.date, int] = {}
        months = sorted({(d.year, d.month) for d in span})
        for y, m in months:
            for dom in (10, 25):
                d = dt.date(y, m, dom)
                while not working.get(d, True) and d > first:
                    d -= dt.timedelta(days=1)
                payday.add(d)
            in_month = [d for d in work_days if (d.year, d.month) == (y, m)]
            month_last = (dt.date(y, m, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            if in_month and month_last <= last:
                month_end[in_month[-1]] = 0
                if len(in_month) > 1:
                    month_end[in_month[-2]] = 1
        self.days = days
        n = len(days)
        self.working = np.array([working[d] for d in days])
        self.weekday = np.array([d.weekday() for d in days])
        self.holiday_kind = [block_of.get(d) for d in days]
        self.pre = [pre.get(d) for d in days]
        self.post = [post.get(d) for d in days]
        self.payday = np.array([d in payday for d in days])
        self.month_end = [month_end.get(d) for d in days]
        self.double11 = np.array([d.month == 11 and 12 <= d.day <= 14 for d in days])
        self.weekend_like = np.array([not working[d] for d in days]) if n else np.zeros(0, bool)


def _base_level(q: _QueueModel, days: list[dt.date]) -> np.ndarray:
    """An ordinary weekday's offered per day: the reference volume x trend x yearly season."""
    years = np.array([(d - _REFERENCE_START).days / 365.25 for d in days])
    doy = np.array([d.timetuple().tm_yday for d in days])
    season = 1 + q.season_amplitude * np.cos(2 * np.pi * (doy - 8) / 365.25)
    return q.calls_per_weekday * (1 + q.trend_per_year) ** years * season


def _day_factor(q: _QueueModel, cal: _Calendar) -> np.ndarray:
    """Day type (weekday, weekend, holiday) x calendar events, relative to an ordinary weekday."""
    factor = np.empty(len(cal.days))
    for i in range(len(cal.days)):
        if cal.holiday_kind[i] is not None:
            f = q.holiday[cal.holiday_kind[i]]
        elif cal.working[i]:
            wd = cal.weekday[i]
            f = _DOW_CN[wd] if wd < 5 else _MAKEUP_WORKDAY_FACTOR
        else:
            f = q.weekend_ratio[0] if cal.weekday[i] == 5 else q.weekend_ratio[1]
        if cal.pre[i] is not None:
            f *= q.pre_holiday[cal.pre[i]]
        if cal.post[i] is not None:
            f *= q.post_holiday[cal.post[i]]
        if cal.payday[i]:
            f *= q.payday
        if cal.month_end[i] is not None:
            f *= q.month_end[cal.month_end[i]]
        if cal.double11[i]:
            f *= q.double11
        factor[i] = f
    return factor


# ---------------------------------------------------------------------------
# Intraday shapes
# ---------------------------------------------------------------------------
def _profiles(q: _QueueModel, interval_minutes: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Open interval starts (minutes after midnight) and the intraday shares (each sums to 1).

    The Anonymous Bank profile is used at the same wall-clock time: its 08:00-22:00
    carries 91% of the Israeli day and has the mid-morning and early-afternoon peaks a
    Chinese bank shows.  Chat and the card line add an evening bump (after-work and
    WeChat use); weekends and holidays are flatter.
    """
    minutes = np.arange(q.open_minute, q.close_minute, interval_minutes)
    idx = np.clip((minutes - 8 * 60) // 30, 0, len(_AB_PROFILE) - 1)
    base = np.asarray(_AB_PROFILE)[idx] * (interval_minutes / 30)
    base = base / base.sum()
    weight, centre, sd = q.evening_bump
    mid_hours = (minutes + interval_minutes / 2) / 60
    bump = np.exp(-0.5 * ((mid_hours - centre) / sd) ** 2)
    weekday = (1 - weight) * base + weight * bump / bump.sum()
    flat = np.full(len(minutes), 1 / len(minutes))
    weekend = (1 - _WEEKEND_PROFILE_FLAT) * weekday + _WEEKEND_PROFILE_FLAT * flat
    return minutes, {"weekday": weekday / weekday.sum(), "weekend": weekend / weekend.sum()}


def _aht_relative(minutes: np.ndarray) -> np.ndarray:
    idx = np.clip((minutes - 8 * 60) // 30, 0, len(_AB_AHT_RELATIVE) - 1)
    return np.asarray(_AB_AHT_RELATIVE)[idx]


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------
def _make_history(
    start: dt.date, end: dt.date, interval_minutes: int, volume_scale: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, list[tuple[dt.date, dt.date, tuple[str, ...], str]]]:
    """Draw history.csv and return it with the outages that fall inside it."""
    days = _date_range(start, end)
    cal = _Calendar(days)
    n = len(days)
    common = rng.normal(size=n)
    frames = []
    for q in _QUEUES:
        minutes, share = _profiles(q, interval_minutes)
        base = _base_level(q, days) * volume_scale
        level = base * _day_factor(q, cal)
        shock = np.exp(
            _DAY_SHOCK_COMMON * common
            + _DAY_SHOCK_QUEUE * rng.normal(size=n)
            - 0.5 * (_DAY_SHOCK_COMMON**2 + _DAY_SHOCK_QUEUE**2)
        )
        share_by_day = np.where(cal.weekend_like[:, None], share["weekend"], share["weekday"])
        mean = (level * shock)[:, None] * share_by_day
        offered = _overdispersed(mean, rng)

        # Abandonment grows with load: offered relative to an ordinary weekday's mean interval.
        typical = base[:, None] / len(minutes)
        load = offered / typical
        p = np.minimum(_ABANDON_CAP, q.base_abandon * load**_AB_ABANDON_LOAD_EXPONENT)
        abandoned = rng.binomial(offered, p)
        answered = offered - abandoned

        # Handle time: time-of-day shape x a day factor; the interval mean of `answered` calls.
        day_aht = np.exp(_AB_AHT_DAY_CV * rng.normal(size=n) - 0.5 * _AB_AHT_DAY_CV**2)
        expected_aht = q.aht_seconds * _aht_relative(minutes)[None, :] * day_aht[:, None]
        cv2 = _HANDLE_PER_CALL_CV[q.channel] ** 2
        shape = np.maximum(answered, 1) / cv2
        drawn = rng.gamma(shape, expected_aht / shape)
        aht = np.where(answered > 0, drawn, expected_aht)
        frames.append(
            _grid_frame(q.name, days, minutes, offered, aht, answered=answered, abandoned=abandoned)
        )
    history = pd.concat(frames, ignore_index=True)
    # Chronological, queues in scenario order within an interval (a stable sort keeps that order).
    history = history.sort_values(schema.INTERVAL_START, kind="stable", ignore_index=True)

    outages = []
    day_of_row = history[schema.INTERVAL_START].str.slice(0, 10)
    drop = np.zeros(len(history), bool)
    for o_start, o_end, queues, why in _OUTAGES:
        lo, hi = max(o_start, start), min(o_end, end)
        if lo > hi:
            continue
        outages.append((lo, hi, queues, why))
        drop |= (
            history[schema.QUEUE].isin(queues).to_numpy()
            & day_of_row.between(lo.isoformat(), hi.isoformat()).to_numpy()
        )
    return history[~drop].reset_index(drop=True), outages


def _overdispersed(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Counts with the given mean and variance = _PHI x mean (negative binomial)."""
    m = np.maximum(mean, 1e-9)
    n = m / (_PHI - 1)
    return rng.negative_binomial(n, 1 / _PHI).astype(np.int64)


def _grid_frame(
    queue: str,
    days: list[dt.date],
    minutes: np.ndarray,
    offered: np.ndarray,
    aht: np.ndarray,
    answered: np.ndarray | None = None,
    abandoned: np.ndarray | None = None,
) -> pd.DataFrame:
    stamps = [f"{d.isoformat()}T{m // 60:02d}:{m % 60:02d}:00" for d in days for m in minutes]
    frame = pd.DataFrame(
        {
            schema.QUEUE: queue,
            schema.INTERVAL_START: stamps,
            schema.OFFERED: np.asarray(offered).ravel(),
            schema.AHT_SECONDS: np.round(np.asarray(aht, float).ravel(), 1),
        }
    )
    if answered is not None and abandoned is not None:
        frame[schema.ANSWERED] = answered.ravel()
        frame[schema.ABANDONED] = abandoned.ravel()
    return frame


# ---------------------------------------------------------------------------
# Workforce
# ---------------------------------------------------------------------------
def _largest_remainder(total: int, shares: Sequence[float]) -> list[int]:
    raw = [total * s / sum(shares) for s in shares]
    counts = [int(math.floor(r)) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _cn_number(k: int) -> str:
    """1..99 in Chinese numerals (一, 十, 十一, 二十三)."""
    tens, ones = divmod(k, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def _names(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct Chinese names: a common surname (frequency-weighted) and a 1-2 character given name."""
    ranks = np.arange(1, len(_SURNAMES) + 1)
    p = 1 / ranks**0.9
    p = p / p.sum()
    seen: set[str] = set()
    names = []
    while len(names) < n:
        surname = _SURNAMES[rng.choice(len(_SURNAMES), p=p)]
        k = 1 if rng.random() < 0.3 else 2
        given = "".join(_GIVEN_CHARS[i] for i in rng.choice(len(_GIVEN_CHARS), size=k, replace=False))
        name = surname + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _make_agents(n: int, start: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """agents.csv: leads (one per team, all three skills), mentors, new hires and agents."""
    skill_counts = _largest_remainder(n, [s for _, s in _SKILL_MIX])
    skills: list[tuple[str, ...]] = [
        combo for (combo, _), c in zip(_SKILL_MIX, skill_counts, strict=True) for _ in range(c)
    ]
    n_teams = max(1, round(n / _TEAM_SIZE))
    n_mentor = max(1, round(n * _ROLE_SHARE["mentor"]))
    n_new = max(1, round(n * _ROLE_SHARE["new_hire"]))
    all_three = ("phone_retail", "phone_card", "chat")
    # Leads need every skill; convert single-skilled retail agents if the mix is too small.
    while sum(s == all_three for s in skills) < n_teams:
        skills[skills.index(("phone_retail",))] = all_three

    order = rng.permutation(n)
    skills = [skills[i] for i in order]
    role = ["agent"] * n
    idx_all = [i for i, s in enumerate(skills) if s == all_three]
    for i in idx_all[:n_teams]:
        role[i] = "lead"
    multi = [i for i, s in enumerate(skills) if len(s) > 1 and role[i] == "agent"]
    multi.sort(key=lambda i: -len(skills[i]))
    for i in multi[:n_mentor]:
        role[i] = "mentor"
    singles = [i for i, s in enumerate(skills) if len(s) == 1 and s != ("phone_card",) and role[i] == "agent"]
    for i in singles[:n_new]:
        role[i] = "new_hire"

    # Contracts: part-timers are experienced single- or dual-skilled agents.
    contract = [_FULL_TIME_MINUTES] * n
    plain = [i for i in range(n) if role[i] == "agent"]
    for i in plain[: round(n * _PART_TIME_SHARE)]:
        contract[i] = int(_PART_TIME_MINUTES[rng.integers(len(_PART_TIME_MINUTES))])

    # Start dates: new hires from six weeks before to ten days into the horizon; others 1-12 years back.
    start_dates = []
    for i in range(n):
        if role[i] == "new_hire":
            back = int(rng.integers(-10, 43))
        else:
            lo, hi = (3 * 365, 12 * 365) if role[i] in ("lead", "mentor") else (180, 8 * 365)
            back = int(rng.integers(lo, hi))
        start_dates.append(start - dt.timedelta(days=back))

    teams = _teams(skills, role, contract, n_teams)
    names = _names(n, rng)
    rates = [
        _HOURLY_RATE_CNY[role[i]] + min(8, (start - start_dates[i]).days // 365) + int(rng.integers(0, 3))
        for i in range(n)
    ]
    rank = {"lead": 0, "mentor": 1, "agent": 2, "new_hire": 3}
    # One lead per team, given the team labels in order (零售..., 信用卡..., 在线...).
    team_order = {teams[i]: k for k, i in enumerate(i for i in range(n) if role[i] == "lead")}
    rows = sorted(range(n), key=lambda i: (team_order[teams[i]], rank[role[i]], i))
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            schema.EMPLOYEE_ID: [f"E{k + 1:0{width}d}" for k in range(n)],
            schema.NAME: [names[i] for i in rows],
            schema.TEAM: [teams[i] for i in rows],
            schema.SKILLS: [";".join(skills[i]) for i in rows],
            schema.CONTRACT_MINUTES_PER_WEEK: [contract[i] for i in rows],
            schema.ROLE: [role[i] for i in rows],
            schema.START_DATE: [start_dates[i].isoformat() for i in rows],
            "hourly_rate": [rates[i] for i in rows],
            # flagged for coaching by a mentor: every 15th plain full-time agent
            schema.COACHING: [
                "yes" if role[i] == "agent" and contract[i] == _FULL_TIME_MINUTES and k % 15 == 7 else ""
                for k, i in enumerate(rows)
            ],
        }
    )


def _teams(skills: list[tuple[str, ...]], role: list[str], contract: list[int], n_teams: int) -> list[str]:
    """Team names by line of business (零售 retail, 信用卡 card, 在线 chat), one lead each.

    Within a line of business members are dealt round-robin by role and contract,
    so mentors, new hires and part-timers spread over the teams.
    """

    def family(s: tuple[str, ...]) -> str:
        return "信用卡" if s == ("phone_card",) else "在线" if s == ("chat",) else "零售"

    rank = {"mentor": 0, "new_hire": 1, "agent": 2}
    n = len(skills)
    members = sorted(
        (i for i in range(n) if role[i] != "lead"), key=lambda i: (rank[role[i]], -contract[i], i)
    )
    leads = [i for i in range(n) if role[i] == "lead"]
    fams = ["零售", "信用卡", "在线"]
    groups: list[tuple[list[str], list[int]]] = []  # (labels, members) dealt over those labels
    if n_teams < len(fams):
        groups.append(([f"客服{_cn_number(k + 1)}组" for k in range(n_teams)], members))
    else:
        sizes = [sum(family(skills[i]) == f for i in members) for f in fams]
        per_family = _largest_remainder(n_teams, sizes)
        for k in range(len(fams)):  # every line of business with members gets a team
            if per_family[k] == 0 and sizes[k]:
                per_family[int(np.argmax(per_family))] -= 1
                per_family[k] = 1
        for f, t in zip(fams, per_family, strict=True):
            if t:
                labels = [f"{f}{_cn_number(k + 1)}组" for k in range(t)]
                groups.append((labels, [i for i in members if family(skills[i]) == f]))
    team = [""] * n
    all_labels = [label for labels, _ in groups for label in labels]
    for label, lead in zip(all_labels, leads, strict=True):
        team[lead] = label
    for labels, group in groups:
        for k, i in enumerate(group):
            team[i] = labels[k % len(labels)]
    return team


def _make_time_off(
    agent_frame: pd.DataFrame,
    shifts: Sequence[_Shift],
    start: dt.date,
    end: dt.date,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """time_off.csv: approved leave blocks, day-off requests and shift requests inside the horizon."""
    days = _date_range(start, end)
    n = len(agent_frame)
    ids = agent_frame[schema.EMPLOYEE_ID].tolist()
    taken: set[tuple[str, dt.date]] = set()
    rows: list[tuple[str, dt.date, str, str]] = []

    eligible = [i for i in range(n) if agent_frame[schema.ROLE].iloc[i] != "new_hire"]
    n_leave = max(1, round(0.15 * n))
    for i in sorted(rng.choice(eligible, size=min(n_leave, len(eligible)), replace=False)):
        length = int(rng.integers(1, 6))
        length = min(length, len(days))
        first = int(rng.integers(0, len(days) - length + 1))
        for d in days[first : first + length]:
            rows.append((ids[i], d, "leave", ""))
            taken.add((ids[i], d))

    n_dor = max(1, round(0.20 * n))
    for i in sorted(rng.choice(n, size=n_dor, replace=False)):
        want = int(rng.integers(1, 3))
        free = [d for d in days if (ids[i], d) not in taken]
        for d in sorted(rng.choice(len(free), size=min(want, len(free)), replace=False)):
            rows.append((ids[i], free[d], "day_off_request", ""))
            taken.add((ids[i], free[d]))

    n_sr = max(1, round(n / 12))
    for _ in range(n_sr * 20):
        if sum(r[2] == "shift_request" for r in rows) >= n_sr:
            break
        i = int(rng.integers(n))
        options = _workable_shifts(agent_frame.iloc[i], shifts)
        free = [d for d in days if (ids[i], d) not in taken]
        if not options or not free:
            continue
        d = free[int(rng.integers(len(free)))]
        rows.append((ids[i], d, "shift_request", options[int(rng.integers(len(options)))]))
        taken.add((ids[i], d))

    rows.sort(key=lambda r: (r[0], r[1]))
    return pd.DataFrame(
        {
            schema.EMPLOYEE_ID: [r[0] for r in rows],
            schema.DATE: [r[1].isoformat() for r in rows],
            schema.KIND: [r[2] for r in rows],
            schema.SHIFT_CODE: [r[3] for r in rows],
        }
    )


def _workable_shifts(agent: pd.Series, shifts: Sequence[_Shift]) -> list[str]:
    """Shift codes an agent can sensibly work: full-time codes for full-timers, part-time otherwise;
    shifts past the phones' 22:00 close only for chat-skilled agents."""
    full = int(agent[schema.CONTRACT_MINUTES_PER_WEEK]) >= _FULL_TIME_MINUTES
    chat = "chat" in str(agent[schema.SKILLS]).split(";")
    out = []
    for s in shifts:
        if (s.kind == "full") != full:
            continue
        if s.end_minute > 22 * 60 and not chat:
            continue
        out.append(s.code)
    return out


# ---------------------------------------------------------------------------
# Sizing
# ---------------------------------------------------------------------------
def _sizing(
    expected: pd.DataFrame, agent_frame: pd.DataFrame, time_off: pd.DataFrame, start: dt.date, end: dt.date
) -> SizingReport:
    conc = {q.name: q.concurrency for q in _QUEUES}
    e = expected.copy()
    step = _interval_minutes_of(e)
    # Agents on the phone for the offered load at the sizing occupancy, grossed up for shrinkage.
    e["agents"] = (
        e[schema.OFFERED]
        * e[schema.AHT_SECONDS]
        / (step * 60.0)
        / _SIZING_OCCUPANCY
        / e[schema.QUEUE].map(conc)
        / (1 - _SHRINKAGE_UNPLANNED)
    )
    e["hours"] = e["agents"] * step / 60.0
    by_queue = {q.name: float(e.loc[e[schema.QUEUE] == q.name, "hours"].sum()) for q in _QUEUES}
    per_interval = e.groupby(schema.INTERVAL_START)["agents"].sum()
    daily_peak = per_interval.groupby(per_interval.index.str.slice(0, 10)).max()
    weekday_peaks = daily_peak[pd.to_datetime(daily_peak.index).day_of_week < 5]
    contract_hours, leave_hours = _paid_hours(agent_frame, time_off, start, end)
    available = contract_hours - leave_hours
    required = sum(by_queue.values())
    return SizingReport(
        start=start,
        end=end,
        occupancy=_SIZING_OCCUPANCY,
        shrinkage=_SHRINKAGE_UNPLANNED,
        required_hours_by_queue={k: round(v, 1) for k, v in by_queue.items()},
        required_hours=round(required, 1),
        contract_hours=round(contract_hours, 1),
        leave_hours=round(leave_hours, 1),
        available_hours=round(available, 1),
        ratio=required / available if available > 0 else float("inf"),
        peak_required=round(float(per_interval.max()), 1),
        peak_interval=str(per_interval.idxmax()) if len(per_interval) else "",
        median_weekday_peak=round(float(weekday_peaks.median()), 1) if len(weekday_peaks) else 0.0,
        mean_required_open=round(float(per_interval.mean()), 1) if len(per_interval) else 0.0,
    )


def _paid_hours(
    agent_frame: pd.DataFrame, time_off: pd.DataFrame, start: dt.date, end: dt.date
) -> tuple[float, float]:
    """(contract hours prorated to the horizon from each start date, hours of approved leave).

    A leave day costs a fifth of the weekly contract.
    """
    a_start = pd.to_datetime(agent_frame[schema.START_DATE]).dt.date
    active_days = [max(0, (end - max(start, s)).days + 1) for s in a_start]
    weekly = agent_frame[schema.CONTRACT_MINUTES_PER_WEEK].astype(float).to_numpy()
    contract_hours = float(sum(w / 60 * d / 7 for w, d in zip(weekly, active_days, strict=True)))
    leave = time_off[time_off[schema.KIND] == "leave"]
    per_day = dict(zip(agent_frame[schema.EMPLOYEE_ID], weekly / 5 / 60, strict=True))
    return contract_hours, float(leave[schema.EMPLOYEE_ID].map(per_day).sum())


def _auto_volume_scale(
    agent_frame: pd.DataFrame, time_off: pd.DataFrame, start: dt.date, end: dt.date
) -> float:
    """Volume relative to the 120-agent reference: the workforce's paid hours per week net of leave
    against the reference's, so a bigger or smaller workforce is about as tight."""
    contract_hours, leave_hours = _paid_hours(agent_frame, time_off, start, end)
    weekly_available = (contract_hours - leave_hours) * 7 / ((end - start).days + 1)
    reference = _REFERENCE_AGENTS * _REFERENCE_MINUTES_PER_AGENT / 60 * _REFERENCE_AVAILABLE_SHARE
    return weekly_available / reference


def _interval_minutes_of(frame: pd.DataFrame) -> int:
    stamps = pd.to_datetime(frame[schema.INTERVAL_START].drop_duplicates().sort_values().head(2))
    return int((stamps.iloc[1] - stamps.iloc[0]).total_seconds() // 60) if len(stamps) > 1 else 30


# ---------------------------------------------------------------------------
# Arguments, files
# ---------------------------------------------------------------------------
def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _date_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _check_arguments(
    agents: int,
    start: dt.date,
    end: dt.date,
    history_start: dt.date,
    history_end: dt.date,
    interval_minutes: int,
    shift_codes: Sequence[str] | None,
    volume_scale: float | None,
) -> None:
    problems = []
    if agents < 6:
        problems.append(f"demo: agents {agents} is too few; use at least 6")
    if end < start:
        problems.append(f"demo: horizon end {end} is before its start {start}")
    if history_end < history_start:
        problems.append(f"demo: history end {history_end} is before its start {history_start}")
    if interval_minutes not in schema.INTERVAL_MINUTES_ALLOWED:
        problems.append(f"demo: interval_minutes {interval_minutes} must be one of 15, 30")
    if volume_scale is not None and not volume_scale > 0:
        problems.append(f"demo: volume_scale {volume_scale} must be positive")
    if shift_codes is not None:
        unknown = sorted(set(shift_codes) - set(SHIFT_CODES))
        if unknown or not shift_codes:
            problems.append(
                f"demo: shift codes {', '.join(unknown) or '(none)'} unknown; choose from {', '.join(SHIFT_CODES)}"
            )
    if problems:
        raise InputError(problems)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.1f").encode("utf-8")


SMALL_CENTER_AGENTS = 60  # below this headcount every queue's minimum while open is 1 agent


def _min_agents(q: _QueueModel, headcount: int) -> int:
    """A queue's minimum staffing while open: small centers cannot man every queue twice all day."""
    return q.min_agents if headcount >= SMALL_CENTER_AGENTS else 1


def _scenario_toml(
    name: str,
    start: dt.date,
    end: dt.date,
    interval_minutes: int,
    shifts: Sequence[_Shift],
    time_limit: float,
    headcount: int,
    breaks: bool = True,
    activities: bool = True,
) -> str:
    lines = [
        f'name = "{name}"',
        'country = "CN"',
        'description = "Mid-size Chinese retail bank contact center (synthetic, wfm.demo): retail and credit-card '
        'phone lines and a web/app/WeChat chat queue, Asia/Shanghai."',
        "",
        "[horizon]",
        f'start = "{start.isoformat()}"',
        f'end = "{end.isoformat()}"',
        f"interval_minutes = {interval_minutes}",
        'timezone = "Asia/Shanghai"',
    ]
    for q in _QUEUES:
        lines += [
            "",
            "[[queues]]",
            f'name = "{q.name}"',
            f'channel = "{q.channel}"',
            f"service_level = {q.service_level}",
            f"answer_seconds = {q.answer_seconds}",
            f"max_occupancy = {q.max_occupancy}",
        ]
        if q.patience_seconds is not None:
            lines.append(f"patience_seconds = {q.patience_seconds}")
        lines += [
            f"concurrency = {q.concurrency}",
            f'open = "{q.open}"',
            f'close = "{q.close}"',
            f"min_agents = {_min_agents(q, headcount)}",
        ]
    for s in shifts:
        lines += [
            "",
            "[[shifts]]",
            f'code = "{s.code}"',
            f'start = "{s.start}"',
            f"paid_minutes = {s.paid_minutes}",
            f"unpaid_minutes = {s.unpaid_minutes}",
        ]
    if breaks:
        lines += _breaks_toml(shifts)
    if activities:
        lines += ACTIVITIES_TOML.splitlines()
    rules, weights = schema.Rules(), schema.Weights()
    limit = int(time_limit) if float(time_limit).is_integer() else time_limit
    lines += [
        "",
        "[rules]",
        f"min_rest_hours = {int(rules.min_rest_hours)}",
        f"max_consecutive_days = {rules.max_consecutive_days}",
        f"min_days_off_per_week = {rules.min_days_off_per_week}",
        f"max_weekly_minutes = {rules.max_weekly_minutes}",
        "",
        "[shrinkage]",
        f"unplanned = {_SHRINKAGE_UNPLANNED}",
        "",
        "[solver]",
        f"time_limit_seconds = {limit}",
        "workers = 2",
        "seed = 7",
        "",
        "[weights]",
        f"short_agent_interval = {int(weights.short_agent_interval)}",
        f"over_agent_interval = {int(weights.over_agent_interval)}",
        f"contract_shortfall_hour = {int(weights.contract_shortfall_hour)}",
        f"day_off_request = {int(weights.day_off_request)}",
        f"shift_request = {int(weights.shift_request)}",
        "",
    ]
    return "\n".join(lines)


def _break_rules(shifts: Sequence[_Shift]) -> list[tuple]:
    """The demo's break rules that apply to ``shifts`` (a rule naming shift codes keeps the present ones)."""
    codes = {s.code for s in shifts}
    out = []
    for comment, min_minutes, named, lengths, lunch, window, offset, before_end, gap in _BREAK_RULES:
        present = tuple(c for c in named if c in codes)
        if named and not present:
            continue
        if not any(s.paid_minutes + s.unpaid_minutes >= min_minutes for s in shifts):
            continue
        out.append((comment, min_minutes, present, lengths, lunch, window, offset, before_end, gap))
    return out


def _breaks_toml(shifts: Sequence[_Shift]) -> list[str]:
    lines = []
    for comment, min_minutes, named, lengths, lunch, window, offset, before_end, gap in _break_rules(shifts):
        lines += ["", f"[[breaks]]  # {comment}", f"min_shift_minutes = {min_minutes}"]
        if named:
            lines.append("shifts = [" + ", ".join(f'"{c}"' for c in named) + "]")
        lines += [f"breaks = [{', '.join(map(str, lengths))}]", f"lunch_minutes = {lunch}"]
        if window:
            lines.append(f'lunch_window = ["{window[0]}", "{window[1]}"]')
        lines += [
            f"min_offset_minutes = {offset}",
            f"min_before_end_minutes = {before_end}",
            f"min_gap_minutes = {gap}",
        ]
    return lines


def _breaks_readme(shifts: Sequence[_Shift]) -> list[str]:
    rules = _break_rules(shifts)
    if not rules:
        return []
    rows = [
        (
            f"{comment} ({', '.join(f'`{c}`' for c in named)})" if named else comment,
            f"{min_minutes} min",
            " + ".join(f"{m} min" for m in lengths) or "none",
            f"{lunch} min" if lunch else "none",
            f"{window[0]}-{window[1]}" if window else "any",
            f"{offset} / {before_end} / {gap} min",
        )
        for comment, min_minutes, named, lengths, lunch, window, offset, before_end, gap in rules
    ]
    return [
        "",
        "Breaks and lunches (`[[breaks]]`; wfm places each on the 15-minute grid where coverage misses the agent "
        "least):",
        "",
        *_md_table(
            (
                "shifts",
                "span at least",
                "paid breaks",
                "unpaid lunch",
                "lunch window",
                "from start / before end / gap",
            ),
            rows,
        ),
    ]


def _activities_readme(agents: pd.DataFrame) -> list[str]:
    roles = agents[schema.ROLE]
    coached = int((agents[schema.COACHING] == "yes").sum())
    return [
        "",
        "## Training, mentoring and wellbeing",
        "",
        f"- **Mentoring** (`[mentoring]`): each of the {int((roles == 'new_hire').sum())} new hires and the "
        f"{coached} agents flagged `coaching = yes` in `agents.csv` is paired with a mentor or team lead who has all "
        "their skills (at most 2 mentees each); the pair works the same shift on at least 80% of the mentee's "
        "working days and meets for 30 minutes of coaching every week.",
        "- **Onboarding** (`[onboarding]`): a new hire spends half of each working day of their first 14 days in "
        "training, and counts as half an agent (on their first skill only) for their first 42 days.",
        "- **Training** (`training.csv`): a two-part card compliance refresher for everyone with the `phone_card` "
        "skill (cohorts of at most 12, Tuesday to Thursday, 09:30-17:00) and a 2-hour complaint-handling course "
        "for leads and mentors.",
        "- **Wellbeing** (`[wellbeing]`): nobody is on the phone more than 150 minutes without a break; no late "
        "shift is followed by an early one; at most 4 late shifts in a row; a monthly 60-minute team session "
        "(10:00-17:00, the whole team); and a 10-minute recovery break early in any 2-hour stretch planned at "
        "80% occupancy or more.",
    ]


def _write_folder(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a temporary folder beside ``out_dir`` and rename it into place."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputError(f"{out_dir}: exists and is a file; choose a new folder for the demo scenario")
        if any(out_dir.iterdir()):
            raise OutputError(
                f"{out_dir}: folder exists and is not empty; choose a new folder or remove it first"
            )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the scenario is an ordinary folder
        for file_name, data in files.items():
            (tmp / file_name).parent.mkdir(exist_ok=True)
            (tmp / file_name).write_bytes(data)
        try:
            if out_dir.exists():
                out_dir.rmdir()  # empty, checked above
            os.replace(tmp, out_dir)
        except OSError as exc:  # someone else filled out_dir meanwhile
            raise OutputError(
                f"{out_dir}: cannot be replaced ({exc.strerror}); choose a new folder"
            ) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
        raise


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def _readme(
    *,
    name: str,
    seed: int,
    start: dt.date,
    end: dt.date,
    history_start: dt.date,
    history_end: dt.date,
    interval_minutes: int,
    volume_scale: float,
    shifts: Sequence[_Shift],
    agents: pd.DataFrame,
    time_off: pd.DataFrame,
    history: pd.DataFrame,
    outages: list[tuple[dt.date, dt.date, tuple[str, ...], str]],
    sizing: SizingReport,
    hashes: dict[str, str],
    auto_scale: bool,
    time_limit: float,
    breaks: bool = True,
    activities: bool = True,
) -> str:
    """README.md: the scenario, the demand model, its calibration and the sizing check."""
    n = len(agents)
    roles = agents[schema.ROLE].value_counts()
    skills = agents[schema.SKILLS].value_counts()
    contracts = agents[schema.CONTRACT_MINUTES_PER_WEEK].value_counts().sort_index(ascending=False)
    teams = agents.groupby(schema.TEAM, sort=False).size()
    kinds = time_off[schema.KIND].value_counts()
    hist_days = history[schema.INTERVAL_START].str.slice(0, 10)
    per_queue = history.groupby(schema.QUEUE, sort=False).agg(
        rows=(schema.OFFERED, "size"), offered=(schema.OFFERED, "sum"), abandoned=(schema.ABANDONED, "sum")
    )
    per_queue["aht"] = (history[schema.OFFERED] * history[schema.AHT_SECONDS]).groupby(
        history[schema.QUEUE]
    ).sum() / per_queue["offered"]
    per_queue["days"] = hist_days.groupby(history[schema.QUEUE]).nunique()

    def day(d: dt.date) -> str:
        return f"date({d.year}, {d.month}, {d.day})"

    call = [f"agents={n}", f"start={day(start)}", f"end={day(end)}", f"history_start={day(history_start)}",
            f"history_end={day(history_end)}", f"interval_minutes={interval_minutes}", f"seed={seed}"]  # fmt: skip
    if not auto_scale:
        call.append(f"volume_scale={volume_scale!r}")
    if len(shifts) != len(_SHIFTS):
        call.append(f"shift_codes={tuple(s.code for s in shifts)!r}")
    if name != "demo":
        call.append(f"name={name!r}")
    if time_limit != 120:
        call.append(f"time_limit_seconds={time_limit!r}")
    if not breaks:
        call.append("breaks=False")

    lines = [
        f"# `{name}`: a Chinese retail bank contact center, {n} agents (synthetic)",
        "",
        "Generated by `wfm.demo` (every file is a pure function of these arguments; the same seed gives the same "
        "bytes). Nothing here is real customer or employee data.",
        "",
        "```python",
        "from datetime import date",
        "from pathlib import Path",
        "from wfm.demo import generate",
        "",
        f'generate(Path("{name}"), ' + ", ".join(call) + ")",
        "```",
        "",
        "The bank runs a contact center in Asia/Shanghai (no daylight-saving time) with the Chinese public-holiday "
        'calendar (`holidays.country_holidays("CN")`, including the official make-up working days, 调休). '
        f"The planning horizon is {start} .. {end} ({(end - start).days + 1} days) at {interval_minutes}-minute intervals.",
        "",
        "## Files",
        "",
        *_md_table(
            ("file", "content", "sha256 (first 16)"),
            [
                (
                    "`scenario.toml`",
                    "horizon, queues and service targets, shift templates, rules, shrinkage, solver, weights",
                    hashes["scenario.toml"][:16],
                ),
                (
                    "`history.csv`",
                    f"{len(history):,} rows: offered, AHT, answered and abandoned per queue and open "
                    f"interval, {history_start} .. {history_end}",
                    hashes["history.csv"][:16],
                ),
                (
                    "`agents.csv`",
                    f"{n} agents; extra column `hourly_rate` (CNY, loaded cost per paid hour)",
                    hashes["agents.csv"][:16],
                ),
                (
                    "`time_off.csv`",
                    f"{len(time_off)} rows: approved leave, day-off and shift requests",
                    hashes["time_off.csv"][:16],
                ),
            ],
        ),  # fmt: skip
        "",
        "CSV files are UTF-8 without a byte-order mark (names are in Chinese characters; in Excel use "
        "*Data > From Text/CSV* with UTF-8).",
        "",
        "## Queues",
        "",
        *_md_table(
            (
                "queue",
                "channel",
                "target",
                "max occupancy",
                "patience",
                "concurrency",
                "open",
                "min agents",
                "AHT",
            ),
            [
                (
                    f"`{q.name}`",
                    q.channel,
                    f"{q.service_level:.0%} in {q.answer_seconds} s",
                    q.max_occupancy,
                    f"{q.patience_seconds} s" if q.patience_seconds else "-",
                    q.concurrency,
                    f"{q.open}-{'24:00' if q.close == '00:00' else q.close}",
                    _min_agents(q, len(agents)),
                    f"~{q.aht_seconds:.0f} s" + (" per session (2 at a time)" if q.concurrency > 1 else ""),
                )
                for q in _QUEUES
            ],
        ),  # fmt: skip
        "",
        "## Shifts",
        "",
        *_md_table(
            ("code", "start", "end", "paid", "unpaid lunch", "for"),
            [
                (
                    f"`{s.code}`",
                    s.start,
                    f"{s.end_minute // 60 % 24:02d}:{s.end_minute % 60:02d}",
                    f"{s.paid_minutes} min",
                    f"{s.unpaid_minutes} min",
                    {"full": "full-time", "part4": "part-time (4 h)", "part6": "part-time (6 h)"}[s.kind]
                    + (" (chat after 22:00)" if s.end_minute > 22 * 60 else ""),
                )
                for s in shifts
            ],
        ),  # fmt: skip
        "",
        "Rules: 11 h rest between shifts, at most 6 consecutive working days, at least 2 days off per week, "
        "at most 2,400 paid minutes per week. Unplanned shrinkage 8%.",
        *_breaks_readme(shifts if breaks else ()),
        *(_activities_readme(agents) if activities else []),
        "",
        "## Workforce",
        "",
        f"{n} agents in {len(teams)} teams (" + ", ".join(f"{t} {c}" for t, c in teams.items()) + "). "
        "Each team has one lead (`lead`, all three skills; leads also take contacts). "
        "Mentors are experienced multi-skilled agents; new hires joined in the six weeks up to the horizon start "
        "and hold one skill.",
        "",
        *_md_table(("role", "agents"), [(r, int(roles.get(r, 0))) for r in schema.ROLES]),
        "",
        *_md_table(("skills", "agents"), [(f"`{s}`", int(c)) for s, c in skills.items()]),
        "",
        *_md_table(("contract minutes per week", "agents"), [(m, int(c)) for m, c in contracts.items()]),
        "",
        "Time off (all inside the horizon): "
        + ", ".join(
            f"{int(kinds.get(k, 0))} `{k}` rows" for k in ("leave", "day_off_request", "shift_request")
        )
        + f" ({time_off.loc[time_off[schema.KIND] == 'leave', schema.EMPLOYEE_ID].nunique()} agents on approved "
        "leave in blocks of 1-5 days; shift requests name a shift the agent's contract and skills fit).",
        "",
        "## History",
        "",
        f"`history.csv` covers {history_start} .. {history_end}. One row per queue and interval during the queue's "
        "opening hours; closed intervals have no rows. `aht_seconds` is the mean handle time of the interval's "
        "answered contacts (the expected handle time where none were answered); `answered + abandoned = offered`.",
        "",
        *_md_table(
            ("queue", "rows", "days with data", "offered", "mean AHT", "abandoned"),
            [
                (
                    f"`{q}`",
                    f"{int(r['rows']):,}",
                    int(r["days"]),
                    f"{int(r['offered']):,}",
                    f"{r['aht']:.0f} s",
                    f"{r['abandoned'] / max(1, r['offered']):.1%}",
                )
                for q, r in per_queue.iterrows()
            ],
        ),  # fmt: skip
        "",
        "**Missing data** (no rows at all, so downstream code must cope with gaps):",
        "",
    ]
    if outages:
        lines += [
            f"- {lo}" + (f" .. {hi}" if hi != lo else "") + f" ({lo:%a}" + (f"-{hi:%a}" if hi != lo else "")
            + f"): {', '.join(f'`{q}`' for q in queues)}: {why}."
            for lo, hi, queues, why in outages
        ]  # fmt: skip
    else:
        lines.append("- none in this history window.")
    lines += [
        "",
        "### What the history shows",
        "",
        "- **Intraday**: phone peaks mid-morning (10:00-10:30) and early afternoon (14:00-16:30) with a lunch dip; "
        "the card line and, more strongly, chat (WeChat, app) have an evening peak around 19:30-21:00; chat runs "
        "until midnight. Weekends and holidays have a flatter shape.",
        "- **Week**: Monday is the busiest day, Saturday and Sunday are lighter "
        f"(retail {_QUEUES[0].weekend_ratio[0]:.2f}/{_QUEUES[0].weekend_ratio[1]:.2f} of a weekday, card "
        f"{_QUEUES[1].weekend_ratio[0]:.2f}/{_QUEUES[1].weekend_ratio[1]:.2f}, chat "
        f"{_QUEUES[2].weekend_ratio[0]:.2f}/{_QUEUES[2].weekend_ratio[1]:.2f}). Make-up working days (调休) run at "
        f"{_MAKEUP_WORKDAY_FACTOR:.0%} of an average weekday.",
        "- **Public holidays**: Spring Festival drops retail phone volume to "
        f"{_QUEUES[0].holiday['spring_core']:.0%} of a weekday on Chinese New Year's Eve and the three days after "
        f"({_QUEUES[0].holiday['spring']:.0%} later in the week), after a pre-holiday surge on the five working "
        f"days before (+{_QUEUES[0].pre_holiday['spring'] - 1:.0%}); National Day golden week runs at "
        f"{_QUEUES[0].holiday['national_core']:.0%}-{_QUEUES[0].holiday['national']:.0%}; single-day holidays at "
        f"{_QUEUES[0].holiday['other']:.0%}. After any block of 3+ days off the card line surges "
        f"(+{_QUEUES[1].post_holiday[0] - 1:.0%}, +{_QUEUES[1].post_holiday[1] - 1:.0%}, "
        f"+{_QUEUES[1].post_holiday[2] - 1:.0%} on the first three working days), retail less so.",
        f"- **Paydays and month-end**: the 10th and 25th (or the working day before) +{_QUEUES[0].payday - 1:.0%} "
        f"retail; the last working day of the month +{_QUEUES[0].month_end[0] - 1:.0%} retail and "
        f"+{_QUEUES[1].month_end[0] - 1:.0%} card (repayments). Card instalment queries after the 11.11 shopping "
        f"festival (12-14 Nov) +{_QUEUES[1].double11 - 1:.0%}.",
        f"- **Trend and season**: chat grows {_QUEUES[2].trend_per_year:+.0%} a year, retail phone "
        f"{_QUEUES[0].trend_per_year:+.0%}, card {_QUEUES[1].trend_per_year:+.0%}; a yearly cycle of "
        f"±{_QUEUES[0].season_amplitude:.0%} peaks in early January (year-end, pre-Spring-Festival) with a summer low.",
        "- **Handle time** follows the time of day (longer mid-morning and mid-afternoon, shorter early and in the "
        "evening), varies from day to day, and is noisier in quiet intervals (it is a mean over fewer contacts).",
        "- **Noise**: a day shock (common to all queues plus one per queue) and overdispersed interval counts "
        f"(negative binomial, variance = {_PHI} x mean).",
        "- **Abandonment** grows with load: a few percent in ordinary intervals, more at intraday peaks and on surge days.",
        "",
        "## Calibration",
        "",
        'Source: Guedj, I. & Mandelbaum, A. (2000). *"Anonymous Bank" Call-Center Data, Documentation*. Technion - '
        "Israel Institute of Technology (1999 call log of an Israeli bank; free for use with acknowledgement). "
        "Figures from `python benchmarks/calibrate_demo.py --data <data dir>` on `anonymous_bank_1999/"
        "intervals_30min.csv` (and the call-level file for the per-call spread). Regular days there are Sun-Thu "
        "with at least 300 offered calls (184 days; lower days are Israeli holidays or an outage).",
        "",
        *_md_table(
            ("figure (Anonymous Bank, 1999)", "value", "used in the demo as"),
            [
                (
                    "intraday profile, regular day, share per 30 min",
                    "peak 10:00 4.53%, lunch dip 12:30 3.46%, "
                    "2nd peak 14:00-16:30 3.8-4.0%, 91.1% of the day in 08:00-22:00",
                    "the phone profile at the same wall-clock time, renormalised to 08:00-22:00; chat uses 08:00-24:00",
                ),
                (
                    "day of week, Sun..Thu / mean",
                    "1.102, 0.971, 0.996, 0.954, 0.977",
                    "Mon..Fri (first working day after the weekend = Israeli Sunday)",
                ),
                (
                    "lighter days / regular days, same hours",
                    "Fri (08-14) 0.634, Sat (19:30-24) 0.626",
                    "retail Saturday 0.634 and Sunday 0.626 of an average weekday",
                ),
                (
                    "overdispersion vs weekday x interval mean, var/mean by level",
                    "27 calls 7.2, 35 5.4, 45 7.3, 55 4.7, 66 4.3 (pooled 5.3)",
                    "reproduced by day shock + interval noise, see below",
                ),
                (
                    "within-day overdispersion (given the day total)",
                    "2.5-3.7 at 20-87 calls, pooled 2.95",
                    "negative-binomial interval counts, variance = 2.95 x mean",
                ),
                (
                    "day-level CV of daily totals vs weekday x month",
                    "sd 0.192, robust 0.171",
                    "explicit calendar effects + a random day shock of CV "
                    f"{math.hypot(_DAY_SHOCK_COMMON, _DAY_SHOCK_QUEUE):.2f}",
                ),
                (
                    "talk time (excludes wrap-up, not recorded)",
                    "mean 192 s, per-call CV 1.28, day CV 0.087",
                    "AHT scale set per queue (240/300/480 s); handle-time per-call CV "
                    f"{_HANDLE_PER_CALL_CV['voice']:.2f} voice (talk + 45 s wrap-up), 0.80 chat; day CV 0.087",
                ),
                (
                    "talk time by interval / day mean (3-pt smoothed)",
                    "0.90 at 08:00, 1.12 at 10:00, 1.16 at 15:00, 0.89 at 17:00, 0.94 at 21:30",
                    "AHT time-of-day factor (held at 0.94 after 21:30 for chat)",
                ),
                (
                    "mean talk time CV across days, per interval",
                    "0.21-0.36 (0.46 at 18:00)",
                    "emerges from the day factor + the mean of N contacts with per-call CV",
                ),
                (
                    "abandonment by load (offered / mean interval)",
                    "3.5% at 0.3, 11% at 0.95, 19% at 1.3, 30% at 1.95; fit 0.124 x load^1.28",
                    "same exponent 1.28; level at load 1 set to "
                    + ", ".join(f"{q.base_abandon:.1%} {q.name}" for q in _QUEUES),
                ),
            ],
        ),  # fmt: skip
        "",
        "`python benchmarks/calibrate_demo.py --data <data dir> --demo <this folder>` prints the same figures "
        "computed on this folder's `history.csv` beside the data's (weekend ratios, within-day variance/mean, "
        "day-level CV, AHT, abandonment) and the sizing check below.",
        "",
        "Mapping to the Chinese bank:",
        "",
        "- **Weekend**: Israel works Sun-Thu and rests Fri-Sat; China works Mon-Fri and rests Sat-Sun. Days map by "
        "position in the week (first working day after the weekend IL Sun -> CN Mon ... IL Thu -> CN Fri; first "
        "rest day IL Fri -> CN Sat, second IL Sat -> CN Sun). The Israeli center is closed on Friday afternoon and "
        "Saturday daytime, so the lighter-day ratios compare the hours both day types are staffed. The card line "
        "(0.74/0.70) and chat (0.86/0.84) drop less at weekends: an assumption (card spending and app use happen at "
        "weekends), not in the data.",
        "- **Opening hours**: the Israeli regular day is staffed 07:00-24:00; the demo uses its shape at the same "
        "wall-clock times (08:00-22:00 carries 91% of it and keeps both peaks). The evening bump of chat "
        "(45% of its volume, centred 20:30) and of the card line (15%, centred 19:30) is an assumption.",
        "- **Scale**: the Israeli center answered ~1,500 calls a day with 8 positions and reached only 47% in 20 s "
        "(15% abandonment). The demo bank is sized for 80% in 20-60 s, so abandonment is set lower at the same load "
        "while keeping the calibrated growth with load. Interval noise keeps variance/mean = 2.95 at the demo's "
        "larger volumes (clustered arrivals such as redials scale with volume).",
        "- **Not from the data** (assumptions from Chinese bank practice): the holiday calendar effects, paydays and "
        "month-end, 11.11, trend, yearly season, the per-queue AHT levels and the DST-free time zone.",
        "",
        "## Sizing check",
        "",
        f"Expected volume of the horizon from the demand model (no noise; what a perfect forecast would say), "
        f"volume scale {volume_scale:.3f} "
        + (
            "(automatic: the 120-agent reference scaled by the workforce's weekly paid hours net of approved leave):"
            if auto_scale
            else "(given as an argument):"
        ),
        "",
        "```",
        format_sizing(sizing),
        "```",
        "",
        "Required agent-hours = sum over intervals of contacts x AHT / 3600 / 0.8 (chat divided by its concurrency "
        "2), grossed up for 8% unplanned shrinkage (/ 0.92). Available = contract minutes prorated to the horizon "
        "minus approved leave at a fifth of the weekly contract per day. A ratio of 85-95% is realistically (slightly) "
        "tight once lunches, breaks, training and the shape of the day are placed.",
        "",
        "## Acknowledgement",
        "",
        'Calibrated on the "Anonymous Bank" call-center data: Guedj, I. & Mandelbaum, A. (2000), Technion - Israel '
        "Institute of Technology. The data are free for use; the source is acknowledged here as its terms ask. "
        "No record of those data is included in this folder.",
        "",
    ]
    return "\n".join(lines)
