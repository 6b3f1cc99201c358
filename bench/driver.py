"""Run archiver's command line in this process, then print, as the last line on stderr, the wall
time, the peak RSS and the CPU time of this process alone (the driver; its workers are other
processes).

    python bench/driver.py pack SEEDS --out OUT --executor dask --jobs 2
"""

import atexit
import json
import resource
import runpy
import sys
import time

if __name__ == "__main__":  # Dask's worker processes start by importing this module again
    started = time.perf_counter()

    def _report() -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"wall": time.perf_counter() - started,
                          "rss_mib": usage.ru_maxrss / 1024,
                          "cpu": usage.ru_utime + usage.ru_stime}), file=sys.stderr)

    atexit.register(_report)
    sys.argv = ["archiver", *sys.argv[1:]]
    runpy.run_module("archiver", run_name="__main__", alter_sys=True)
