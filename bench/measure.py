"""One timed run of a shell command: wall time and the peak RSS of its largest process.

Each run happens in a fresh helper process, so getrusage(RUSAGE_CHILDREN) covers that run only.
A setup command (removing the last run's output, making a bag's copy) runs first, untimed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

_HELPER = r'''
import json, resource, subprocess, sys, time
if sys.argv[2]:
    subprocess.run(sys.argv[2], shell=True, check=True)
start = time.perf_counter()
code = subprocess.run(sys.argv[1], shell=True).returncode
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "code": code}))
'''


@dataclass(frozen=True)
class Command:
    """A timed command; `side` is what archiver's ratio compares it with ("pack" or "verify")."""
    run: str
    side: str
    setup: str = ""


@dataclass(frozen=True)
class Result:
    wall: float
    rss_kib: int


def timed(command: Command) -> Result:
    """Run `command` once via a fresh helper; a non-zero exit stops the benchmark."""
    out = subprocess.run([sys.executable, "-c", _HELPER, command.run, command.setup],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"setup failed: {command.setup}\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"failed ({result['code']}): {command.run}\n{out.stderr[-2000:]}")
    return Result(wall=result["wall"], rss_kib=result["rss"])


def load() -> str:
    """The machine's load averages, as `uptime` gives them (others share its cores)."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
