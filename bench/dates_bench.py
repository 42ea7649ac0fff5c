"""Time-expression resolver speed on one core: cold start, then find_days / find_times per note.

usage: python -m bench.dates_bench [NOTES.jsonl] [--rounds N]
Prints the cold import, the first call (it compiles the regexes it needs), notes per second and the
p50 / p99 latency per note after warm-up, in CPU time (other processes on the machine do not count).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "notes_dev.jsonl"


def cold_start() -> tuple[float, float]:
    """(import seconds, first find_days seconds) measured in a fresh interpreter."""
    code = ("import time; t=time.perf_counter(); from nlu.dates import find_days; a=time.perf_counter()-t; "
            "from datetime import datetime; t=time.perf_counter(); "
            "find_days('张总说下周三下午三点前把3月15号的货送到，国庆后再联系', datetime.now()); "
            "print(a, time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.split()
    return float(out[0]), float(out[1])


def per_note(func, items, rounds: int) -> list[float]:
    for text, ref in items:  # warm-up: compile what the notes need
        func(text, ref)
    times = []
    for _ in range(rounds):
        for text, ref in items:
            t = time.process_time_ns()
            func(text, ref)
            times.append((time.process_time_ns() - t) / 1e3)
    return sorted(times)


def main() -> None:
    args = sys.argv[1:]
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 30
    path = Path(next((a for a in args if not a.startswith("--") and not a.isdigit()), DEFAULT))
    from nlu.dates import find_days, find_times

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [(row["text"], datetime.fromisoformat(row["ref"])) for row in rows]
    imported, first = cold_start()
    print(f"notes: {len(items)} from {path.name}, {rounds} rounds")
    print(f"cold start: import {imported * 1e3:.0f} ms, first call {first * 1e3:.0f} ms")
    for func in (find_days, find_times):
        times = per_note(func, items, rounds)
        mean = sum(times) / len(times)
        p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
        print(f"{func.__name__}: {1e6 / mean:,.0f} notes/s, p50 {p50:.0f} us, p99 {p99:.0f} us (CPU time)")


if __name__ == "__main__":
    main()
