"""Run one command and record its wall time, CPU time and peak memory as JSON.

    python -S -I benchmarks/measure.py RESULT.json COMMAND [ARG...]

Peak memory is measured two ways. `max_rss_kb` is the kernel's own high-water mark of the
resident set (`ru_maxrss` from `wait4`), exact and not sampled; for a command that runs
several processes it is the largest of them, not their sum. `tree_pss_kb` is the highest sum,
sampled every SAMPLE seconds, of the proportional set size (PSS, from smaps_rollup) of every
process in this launcher's process group: the command and all it started (render workers,
Pagefind), each shared page counted once in all. A forked build's memory is the second.
This small launcher exists because a child's `ru_maxrss` starts at the RSS of the process that
spawned it: started from here (about 9 MB) rather than from the harness, the figure is the
command's own. Standard library only, so it starts fast under `-S -I`.
"""

import json
import os
import sys
import threading
import time

SAMPLE = 0.2  # seconds between samples of the process tree's memory: about 1 % of a core
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def pss_kb(pid: str) -> int:
    """A process's proportional set size; its RSS where smaps_rollup is missing."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE_KB


def group_pss_kb(group: int, me: int) -> int:
    """The PSS summed over the processes of `group`, this launcher left out."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                # After the command name in parentheses: state, ppid, pgrp, …
                if int(stat.read().rpartition(b")")[2].split()[2]) != group:
                    continue
            total += pss_kb(entry.name)
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
    return total


def main() -> int:
    result_path, command = sys.argv[1], sys.argv[2:]
    group, me, peak = os.getpgrp(), os.getpid(), [0]
    done = threading.Event()

    def sample() -> None:
        if not os.path.isdir("/proc"):
            return
        while not done.wait(SAMPLE):
            peak[0] = max(peak[0], group_pss_kb(group, me))

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    sampler.start()
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    result = {
        "seconds": seconds,
        "max_rss_kb": usage.ru_maxrss,  # kilobytes on Linux
        "tree_pss_kb": peak[0],
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "exit": os.waitstatus_to_exitcode(status),
    }
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
