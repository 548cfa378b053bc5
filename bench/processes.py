"""What a benchmark reads of a running process from /proc (Linux): its resident memory, its child processes."""

from __future__ import annotations

from pathlib import Path


def rss_kib(pid: int) -> int:
    """The process's resident memory (VmRSS), in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The process's children, started by any of its threads (each thread lists its own children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found
