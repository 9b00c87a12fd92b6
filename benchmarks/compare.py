"""Time the what-if commands on inputs/demo: a staffing-only what-if, and `wfm compare` with base + 4 overlays.

    python benchmarks/compare.py [--time-limit 60] [--jobs 2] [--skip-compare]

Prints each figure beside its target from issue 8 (staffing-only within 10 s; the comparison of base + 4 overlays
within 15 minutes on 2 cores).  The comparison is written to a fresh outputs/demo-compare-<time>/ folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "inputs" / "demo"


def _timed(args: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    cmd = [sys.executable, "-c", "import sys; from wfm.cli_whatif import whatif, compare; "
           "{'whatif': whatif, 'compare': compare}[sys.argv[1]](sys.argv[2:])", *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-compare", action="store_true")
    a = ap.parse_args()

    s, out = _timed(["whatif", str(DEMO), "--staffing-only", "--set", "volume=+20%"])
    print(out.splitlines()[-1])
    print(f"staffing-only what-if, whole command (load + forecast + staffing): {s:6.1f} s   target  10 s")
    if a.skip_compare:
        return
    s, out = _timed(["compare", str(DEMO), "--jobs", str(a.jobs), "--time-limit", f"{a.time_limit:g}"])
    print(out)
    print(f"compare base + 4 overlays, --jobs {a.jobs}, --time-limit {a.time_limit:g}: {s:6.1f} s   target 900 s")


if __name__ == "__main__":
    main()
