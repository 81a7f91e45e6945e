"""Run one command and record its wall time, CPU time and peak resident memory as JSON.

    python -S -I benchmarks/measure.py RESULT.json COMMAND [ARG...]

Peak memory is the kernel's own high-water mark of the command's resident set (`ru_maxrss`
from `wait4`), exact and not sampled; it covers the command and any processes it waited for.
This small launcher exists because a child's `ru_maxrss` starts at the RSS of the process that
spawned it: started from here (about 9 MB) rather than from the harness, the figure is the
command's own. Standard library only, so it starts fast under `-S -I`.
"""

import json
import os
import sys
import time


def main() -> int:
    result_path, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "max_rss_kb": usage.ru_maxrss,  # kilobytes on Linux
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "exit": os.waitstatus_to_exitcode(status),
    }
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
