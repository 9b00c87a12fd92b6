"""Write a small valid scenario folder as text files, for validation and CLI error-path tests.

Each test copies it and breaks exactly one thing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

SCENARIO_TOML = """\
name = "mini"
country = "CN"

[horizon]
start = "2026-12-07"
end = "2026-12-13"
interval_minutes = 30
timezone = "Asia/Shanghai"

[[queues]]
name = "phone_retail"
channel = "voice"
service_level = 0.8
answer_seconds = 20
max_occupancy = 0.85
open = "08:00"
close = "20:00"

[[queues]]
name = "chat"
channel = "chat"
service_level = 0.8
answer_seconds = 60
max_occupancy = 0.9
concurrency = 2
open = "08:00"
close = "22:00"

[[shifts]]
code = "D08"
start = "08:00"
paid_minutes = 480
unpaid_minutes = 60

[[shifts]]
code = "D12"
start = "12:00"
paid_minutes = 480
unpaid_minutes = 60

[rules]
min_rest_hours = 11
max_consecutive_days = 6
min_days_off_per_week = 2
max_weekly_minutes = 2400

[shrinkage]
unplanned = 0.1

[solver]
time_limit_seconds = 10
workers = 1
seed = 3
"""

AGENTS_CSV = """\
employee_id,name,team,skills,contract_minutes_per_week,role,start_date
E001,王芳,零售一组,phone_retail;chat,2400,mentor,2019-03-04
E002,李娜,零售一组,phone_retail,2400,agent,2021-05-10
E003,张伟,零售一组,chat,1200,agent,2022-01-03
E004,刘洋,零售二组,phone_retail;chat,2400,new_hire,2026-11-16
"""

TIME_OFF_CSV = """\
employee_id,date,kind,shift_code
E002,2026-12-09,leave,
E003,2026-12-10,day_off_request,
E001,2026-12-08,shift_request,D12
"""


def history_csv(weeks: int = 3, seed: int = 1) -> str:
    rng = np.random.default_rng(seed)
    lines = ["queue,interval_start,offered,aht_seconds,answered,abandoned"]
    end = dt.date(2026, 12, 6)
    start = end - dt.timedelta(days=7 * weeks - 1)
    day = start
    while day <= end:
        for queue, (open_h, close_h, level, aht) in {
            "phone_retail": (8, 20, 30, 240.0),
            "chat": (8, 22, 12, 480.0),
        }.items():
            for k in range(open_h * 2, close_h * 2):
                t = dt.datetime.combine(day, dt.time(k // 2, 30 * (k % 2)))
                shape = 1.0 + 0.6 * np.sin(np.pi * (k - open_h * 2) / ((close_h - open_h) * 2))
                lam = level * shape * (0.6 if day.weekday() >= 5 else 1.0)
                n = int(rng.poisson(lam))
                a = round(aht * float(rng.uniform(0.9, 1.1)), 1)
                lines.append(f"{queue},{t:%Y-%m-%dT%H:%M:%S},{n},{a},{n},0")
        day += dt.timedelta(days=1)
    return "\n".join(lines) + "\n"


def write_scenario(folder: Path, **replace: str) -> Path:
    """Write the mini scenario into ``folder``; keyword args replace a file's text (name with '.' as '_')."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "scenario.toml": SCENARIO_TOML,
        "agents.csv": AGENTS_CSV,
        "time_off.csv": TIME_OFF_CSV,
        "history.csv": history_csv(),
    }
    for key, text in replace.items():
        files[key.replace("_toml", ".toml").replace("_csv", ".csv")] = text
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder
