"""Sweep benchmark of the distributed mode: minute sweeps across workers, a sweeping worker killed,
20,000 nudges through two senders, and the per-bot rate limit under a burst.

On one machine, loopback only, against the real PostgreSQL (SALESBOT_TEST_PG_URL, a schema of its
own), Telegram against the suite's fake Bot API:

1. cadence — 3 workers (sweep,send) for --minutes minutes, a few due nudges every minute: one
   reminder sweep per minute; in the third minute 3,000 nudges fall due at once and the worker that
   runs that sweep is `kill -9`ed while it runs it (restarted 5 s later): another carries the minute.
2. volume — 20,000 due nudges, 2 senders (+1 sweeping worker), the fake API capped at 200/s and
   [queue] send_per_second = 200: each nudge sent exactly once.
3. burst — 600 due nudges, 2 senders, the product's own limit ([queue] send_per_second, 25) under
   Telegram's 30/s, the fake capped at 30/s: no second (sliding or on the clock) above 30.

The last line printed is one JSON object with the figures; exit 0 when all of that held.

    SALESBOT_TEST_PG_URL=postgresql+psycopg://sb:sb@127.0.0.1:5432/sb .venv/bin/python -m bench.dist_sweep
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.dist_common import Proc, Schema, jobs_left, open_jobs, salesbot, write_config
from tests.fake_botapi import FakeBotAPI


def telegram_section(fake: FakeBotAPI) -> str:
    return (f'\n[telegram]\ntoken = "{fake.token}"\nbase_url = "{fake.base_url}"\n'
            f'base_file_url = "{fake.base_file_url}"\nmode = "webhook"\n'
            f'webhook_url = "https://bot.example.com/telegram/webhook"\n')


def add_due(sessions, members: list[int], count: int, tag: str) -> None:
    """`count` nudges due now, round-robin over the members, each with a text of its own."""
    from sqlalchemy import insert

    from storage.models import Notification, utcnow

    now = utcnow() - timedelta(seconds=5)
    rows = [{"kind": "nudge", "recipient_id": members[i % len(members)], "subject": "",
             "text": f"提醒 {tag}-{i}：明天给客户送样品", "send_at": now, "dedupe_key": f"bench:{tag}:{i}",
             "created_at": now} for i in range(count)]
    with sessions() as session:
        for start in range(0, len(rows), 2000):
            session.execute(insert(Notification), rows[start:start + 2000])
        session.commit()


def unsent(sessions) -> int:
    from sqlalchemy import text

    with sessions() as session:
        return int(session.execute(text("SELECT count(*) FROM notification WHERE sent_at IS NULL")).scalar())


def texts_with(fake: FakeBotAPI, tag: str) -> list[str]:
    return [s.text for s in list(fake.sent) if s.method == "sendMessage" and f" {tag}-" in s.text]


def wait_sent(fake, sessions, tag: str, count: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if len(set(texts_with(fake, tag))) >= count and unsent(sessions) == 0:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def busiest_second(times: list[float]) -> tuple[int, int]:
    """(most sends in any sliding 1-second window, most in one second of the clock)."""
    times = sorted(times)
    sliding, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        sliding = max(sliding, i - j + 1)
    clock: dict[int, int] = {}
    for t in times:
        clock[int(t)] = clock.get(int(t), 0) + 1
    return sliding, max(clock.values(), default=0)


def sweeps_started(procs: list[Proc]) -> dict[int, int]:
    """Periodic reminder sweeps started, per minute timestamp, over every worker's log."""
    found: dict[int, int] = {}
    for proc in procs:
        for stamp in re.findall(r"Starting job sweep_reminders\[\d+\]\(timestamp=(\d+)\)", proc.log_text()):
            found[int(stamp)] = found.get(int(stamp), 0) + 1
    return found


def sweeps_ended(procs: list[Proc]) -> set[int]:
    ended = set()
    for proc in procs:
        ended |= {int(s) for s in re.findall(
            r"Job sweep_reminders\[\d+\]\(timestamp=(\d+)\) ended with status: Success", proc.log_text())}
    return ended


def cadence(*, args, tmp, sessions, members, fake, config, report, procs, **_):
    """3 workers, one sweep a minute; the worker running the sweep of the third minute is killed."""
    workers = [Proc(f"cadence{n}", config, ["worker", "--queues", "sweep,send"], tmp).start() for n in range(3)]
    procs.extend(workers)
    started = time.monotonic()
    killed = None
    minute = 0
    while time.monotonic() - started < args.minutes * 60:
        add_due(sessions, members, 5, f"m{minute}")
        if minute == 2 and killed is None:   # 3,000 due at once: that minute's sweep takes a while
            while time.time() % 60 < 55:
                time.sleep(0.2)
            add_due(sessions, members, 3000, "big")
            deadline = time.monotonic() + 30
            while killed is None and time.monotonic() < deadline:
                for w in workers:
                    if any(j.startswith("sweep_reminders") for j in open_jobs(w)):
                        killed = w
                        report["cadence_killed"] = {"worker": w.name, "jobs": sorted(open_jobs(w))}
                        w.kill9()
                        break
                time.sleep(0.01)
            if killed is not None:
                time.sleep(5)
                killed.start()
        minute += 1
        target = started + minute * 60
        while time.monotonic() < min(target, started + args.minutes * 60):
            time.sleep(0.5)
    waited = wait_sent(fake, sessions, "big", 3000, 300)
    started_sweeps, ended_sweeps = sweeps_started(workers), sweeps_ended(workers)
    texts = texts_with(fake, "big") + [t for m in range(minute) for t in texts_with(fake, f"m{m}")]
    report["cadence"] = {
        "minutes": args.minutes, "sweep_minutes_started": len(started_sweeps),
        "sweep_minutes_completed": len(ended_sweeps),
        "minutes_started_twice": sum(1 for c in started_sweeps.values() if c > 1),
        "messages": len(texts), "distinct": len(set(texts)), "expected": 3000 + 5 * minute,
        "drained_after_s": round(waited, 1)}


SENDER = ["worker", "--queues", "send", "--concurrency", "8"]


def volume(*, args, tmp, schema, sessions, members, fake, report, procs, **_):
    """20,000 due nudges, one sweeping worker and 2 senders at 200/s, the fake capped at 200/s."""
    config = write_config(tmp / "config200.toml", schema.url, telegram_section(fake), "send_per_second = 200")
    workers = [Proc("sweeper", config, ["worker", "--queues", "sweep"], tmp),
               *(Proc(f"sender{n}", config, SENDER, tmp) for n in range(2))]
    procs.extend(workers)
    add_due(sessions, members, args.volume, "vol")
    refusals = fake.flood_refusals
    for proc in workers:
        proc.start()
    took = wait_sent(fake, sessions, "vol", args.volume, 1200)
    sent = texts_with(fake, "vol")
    report["volume"] = {"nudges": args.volume, "sent": len(sent), "distinct": len(set(sent)),
                        "seconds": round(took, 1), "per_second": round(len(set(sent)) / max(took, 0.001), 1),
                        "flood_refusals": fake.flood_refusals - refusals,
                        "jobs_left": jobs_left(sessions, ("send_outbox",))}


def burst(*, args, tmp, schema, sessions, members, fake, report, procs, fakes, **_):
    """600 due nudges through 2 senders at the product's own limit, the fake capped at 30/s."""
    fake30 = FakeBotAPI(token=fake.token, max_per_second=30).start()
    fakes.append(fake30)
    config = write_config(tmp / "config30.toml", schema.url, telegram_section(fake30))
    workers = [Proc("sweeper30", config, ["worker", "--queues", "sweep"], tmp),
               *(Proc(f"sender30_{n}", config, SENDER, tmp) for n in range(2))]
    procs.extend(workers)
    add_due(sessions, members, args.burst, "burst")
    for proc in workers:
        proc.start()
    took = wait_sent(fake30, sessions, "burst", args.burst, 300)
    times = [s.at for s in list(fake30.sent) if s.method == "sendMessage" and " burst-" in s.text]
    sliding, clock = busiest_second(times)
    sent = texts_with(fake30, "burst")
    report["burst"] = {"messages": args.burst, "sent": len(sent), "distinct": len(set(sent)),
                       "seconds": round(took, 1), "max_in_any_second": sliding, "max_in_a_clock_second": clock,
                       "flood_refusals": fake30.flood_refusals}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=int, default=5)
    p.add_argument("--volume", type=int, default=20_000)
    p.add_argument("--burst", type=int, default=600)
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--phases", default="cadence,volume,burst", help="which of the three to run")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)

    from storage import teams
    from storage.db import open_database

    tmp = Path(tempfile.mkdtemp(prefix="salesbot-sweep-"))
    schema = Schema()
    report: dict = {}
    procs: list[Proc] = []
    fakes: list[FakeBotAPI] = []
    try:
        fake = FakeBotAPI(max_per_second=200).start()
        fakes.append(fake)
        config = write_config(tmp / "config.toml", schema.url, telegram_section(fake))
        salesbot(config, "db", "upgrade")
        engine, sessions = open_database(schema.url, migrate=False)
        with sessions() as session:
            team = teams.add_team(session=session, name="压测团队")
            members = []
            for i in range(args.reps):
                member = teams.add_member(session=session, team=team, name=f"销售{i:03d}", role="rep")
                teams.bind_account(session=session, member=member, channel="telegram", external_id=str(80_000 + i))
                members.append(member.id)

        phases = args.phases.split(",")
        ctx = dict(args=args, tmp=tmp, schema=schema, sessions=sessions, members=members, fake=fake,
                   config=config, report=report, procs=procs, fakes=fakes)
        for name, phase in (("cadence", cadence), ("volume", volume), ("burst", burst)):
            if name in phases:
                phase(**ctx)
                for proc in procs:
                    proc.stop()
                procs.clear()
        engine.dispose()
    finally:
        for proc in procs:
            proc.stop()
        for f in fakes:
            f.stop()
        if not args.keep:
            schema.drop()
        print(f"logs in {tmp}", file=sys.stderr)
    c, v, b = report.get("cadence", {}), report.get("volume", {}), report.get("burst", {})
    phases = args.phases.split(",")
    ok = (("cadence" not in phases or (c.get("sweep_minutes_completed", 0) >= args.minutes
                                       and c.get("messages") == c.get("distinct") == c.get("expected")
                                       and "cadence_killed" in report and c.get("minutes_started_twice", 9) <= 1))
          and ("volume" not in phases or v.get("sent") == v.get("distinct") == args.volume)
          and ("burst" not in phases or (b.get("sent") == b.get("distinct") == args.burst
                                         and b.get("max_in_any_second", 99) <= 30)))
    print(json.dumps({"sweep_minutes": c.get("sweep_minutes_completed"),
                      "killed_sweeper": report.get("cadence_killed", {}).get("worker"),
                      "nudges": v.get("nudges"), "nudges_sent": v.get("sent"), "nudges_distinct": v.get("distinct"),
                      "nudges_per_second": v.get("per_second"), "burst_max_per_second": b.get("max_in_any_second"),
                      "ok": ok, "details": report}, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
