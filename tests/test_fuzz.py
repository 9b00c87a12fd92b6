"""Fuzzing the input files: every broken variant either loads or exits 2 with one clear message.

Hypothesis mutates one file of the mini scenario at a time -- random bytes,
GBK encoding, a byte-order mark, mixed line endings, dropped, extra and
reordered columns, huge, NaN, infinite and negative numbers, impossible dates
and times that daylight saving skips -- and runs ``wfm validate`` and, when
the input is refused, ``wfm run --out``.  The properties:

* the exit code is 0 or 2, never a traceback (click's runner keeps the
  exception; only ``SystemExit`` is allowed);
* a refusal prints ``error:`` lines that name a file of the scenario;
* a refused run leaves no output folder behind.

The default run tries a fast subset; ``-m slow`` runs the 2,000-input campaign.
"""

from __future__ import annotations

import random
import shutil

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_files import write_scenario

from wfm.cli import main

FILES = {
    "scenario.toml": None,
    "history.csv": None,
    "agents.csv": None,
    "time_off.csv": None,
    "availability.csv": "employee_id,day,start,end\nE001,monday,09:00,18:00\nE003,2026-12-09,12:00,00:00\n",
    "shift_cover.csv": "date,shift_code,required,under_weight,over_weight\n2026-12-07,D08,1,100,5\n",
    "special_days.csv": "date,name,behaves_like\n2026-12-09,eve,saturday\n",
}
NASTY_VALUES = [
    "", " ", "NaN", "nan", "inf", "-inf", "1e308", "-1e308", "99999999999999999999999", "-5", "0", "3.5",
    "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "24:00", "25:61", "2026-03-08 02:30",
    "2026-03-08T02:30:00-05:00", "王芳", "=1+1", "\x00", "'", '"', ";;", "TRUE",
]
MUTATIONS = (
    "random_bytes", "truncate", "gbk", "bom", "mixed_line_endings", "drop_column", "extra_column",
    "reorder_columns", "nasty_cell", "duplicate_row", "empty", "header_only", "dst_timezone",
)


def _mutate(text: str, mutation: str, rng: random.Random) -> bytes:
    lines = text.splitlines()
    if mutation == "random_bytes":
        data = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 8)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if mutation == "truncate":
        data = text.encode("utf-8")
        return data[: rng.randrange(len(data) + 1)]
    if mutation == "gbk":
        return text.encode("gbk", errors="replace")
    if mutation == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if mutation == "mixed_line_endings":
        return "".join(line + rng.choice(["\n", "\r\n", "\r"]) for line in lines).encode("utf-8")
    if mutation == "empty":
        return b""
    if mutation == "header_only":
        return (lines[0] + "\n").encode("utf-8") if lines else b""
    if mutation == "duplicate_row" and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        lines.insert(i, lines[i])
        return ("\n".join(lines) + "\n").encode("utf-8")
    if mutation == "dst_timezone":
        # a zone with daylight saving: wall-clock times that do not exist or happen twice
        text = text.replace("Asia/Shanghai", "America/New_York").replace("+08:00", "-05:00")
        return text.encode("utf-8")
    rows = [line.split(",") for line in lines]
    if not rows or len(rows[0]) < 2:
        return text.encode("utf-8")
    width = len(rows[0])
    if mutation == "drop_column":
        j = rng.randrange(width)
        rows = [r[:j] + r[j + 1 :] for r in rows]
    elif mutation == "extra_column":
        rows = [[*r, "extra" if i == 0 else rng.choice(NASTY_VALUES)] for i, r in enumerate(rows)]
    elif mutation == "reorder_columns":
        order = list(range(width))
        rng.shuffle(order)
        rows = [[r[j] if j < len(r) else "" for j in order] for r in rows]
    elif mutation == "nasty_cell" and len(rows) > 1:
        i, j = rng.randrange(1, len(rows)), rng.randrange(width)
        if j < len(rows[i]):
            rows[i][j] = rng.choice(NASTY_VALUES)
    return ("\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def _mutate_toml(text: str, mutation: str, rng: random.Random) -> bytes:
    if mutation in ("random_bytes", "truncate", "gbk", "bom", "mixed_line_endings", "empty", "dst_timezone"):
        return _mutate(text, mutation, rng)
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    if "=" in lines[i]:
        key = lines[i].split("=")[0].strip()
        value = rng.choice(NASTY_VALUES + ["-1", "true", "[1, 2]", '"x"', "{a = 1}", "1979-05-27", "1e999"])
        lines[i] = f"{key} = {value}" if rng.random() < 0.7 else f'{key} = "{value}"'
    else:
        lines.insert(i, rng.choice(["[rules]", "[[shifts]]", "[unknown]", "= 3", "x = ", "[[contracts]]"]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _check_one(tmp_path, file: str, mutation: str, seed: int) -> int:
    folder = write_scenario(tmp_path / "sc", **{k.replace(".", "_"): v for k, v in FILES.items() if v is not None})
    path = folder / file
    original = path.read_text(encoding="utf-8")
    rng = random.Random(seed)
    mutate = _mutate_toml if file.endswith(".toml") else _mutate
    path.write_bytes(mutate(original, mutation, rng))
    if mutation == "dst_timezone" and file != "scenario.toml":
        toml = folder / "scenario.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("Asia/Shanghai", "America/New_York"), "utf-8")

    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (file, mutation, result.output)
    assert result.exit_code in (0, 2), (file, mutation, result.exit_code, result.output)
    if result.exit_code == 2:
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert errors, result.output
        assert any(name in result.output for name in FILES) or str(folder) in result.output, result.output
        out = tmp_path / "out"
        run = runner.invoke(main, ["run", str(folder), "--out", str(out), "--time-limit", "5"])
        assert run.exit_code == 2, (file, mutation, run.output)
        assert not out.exists()
        assert not (tmp_path / "outputs").exists()
    shutil.rmtree(tmp_path / "sc")
    return result.exit_code


inputs = st.tuples(st.sampled_from(list(FILES)), st.sampled_from(MUTATIONS), st.integers(0, 2**31 - 1))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(inputs)
def test_broken_inputs_load_or_exit_2_with_a_message(tmp_path_factory, case):
    _check_one(tmp_path_factory.mktemp("fuzz"), *case)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(inputs)
def test_fuzz_campaign_2000_inputs(tmp_path_factory, case):
    _check_one(tmp_path_factory.mktemp("fuzz"), *case)


def test_gbk_agents_file_is_read_with_its_chinese_names(tmp_path):
    """Excel on Chinese Windows saves CSV as GBK: wfm reads it (with a warning) rather than refusing it."""
    folder = write_scenario(tmp_path / "sc")
    agents = folder / "agents.csv"
    agents.write_bytes(agents.read_text(encoding="utf-8").encode("gbk"))
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    from wfm.io import load_scenario

    assert load_scenario(folder).agents[0].name == "王芳"
