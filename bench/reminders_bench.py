"""Reminders benchmark: a sweep over 100,000 open commitments, and the delay of sending in a running app.

    .venv/bin/python -m bench.reminders_bench [--commitments N] [--deals N] [--db URL]
                                              [--live-notes N] [--live-seconds S] [--skip-live]

1. Sweep: a SQLite file (or --db URL) with one team of 1 manager and 50 reps, N open commitments
   (due from 30 days ago to 60 days ahead: a third overdue and never closed, some due for a nudge) and open deals with
   activity spread over the last 30 days, inserted with SQLAlchemy Core. Times: reading the team
   state, the rules, the first sweep (which writes the outbox rows due), and a steady-state sweep
   (everything already written: what runs every minute), each with the lease and a no-op send.
2. Live: `salesbot run`'s App (web server, local channel, scheduler with its 60 s sweep) on a fresh
   SQLite file; notes with a 500万 budget arrive at random moments, each due for a manager alert at
   once; the delay is the outbox's sent_at minus the notification's send time. Quiet hours are
   switched off for this run so it measures the sweep whatever the time of day.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bot.config import load_config
from reminders.policy import policy_from_config
from reminders.rules import due_notices
from reminders.scheduler import ReminderScheduler
from reminders.sweep import Sweeper, team_state
from storage.db import make_engine, session_factory, upgrade_database
from storage.models import Commitment, Customer, Deal, Member, Notification, Team

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)  # a Tuesday morning, a working day
KINDS = ["delivery", "followup", "meeting", "payment", "trial", "deadline"]


def seed(sessions, commitments: int, deals: int, rng: random.Random) -> None:
    with sessions() as s:
        team = Team(name="基准团队", timezone="Asia/Shanghai")
        s.add(team)
        s.flush()
        boss = Member(team_id=team.id, name="经理", role="manager")
        s.add(boss)
        s.flush()
        reps = [Member(team_id=team.id, name=f"销售{i:02d}", role="rep", manager_id=boss.id) for i in range(50)]
        s.add_all(reps)
        s.flush()
        rep_ids = [r.id for r in reps]
        s.execute(insert(Customer), [dict(team_id=team.id, name=f"客户{i}", key=f"客户{i}", owner_id=rep_ids[i % 50])
                                     for i in range(deals)])
        customer_ids = list(s.execute(select(Customer.id).order_by(Customer.id)).scalars())
        base = NOW.astimezone(timezone.utc)
        s.execute(insert(Deal), [dict(team_id=team.id, customer_id=cid, owner_id=rep_ids[i % 50], stage="需求探询",
                                      status="open", stage_entered_at=base - timedelta(days=rng.uniform(0, 40)),
                                      last_activity_at=base - timedelta(days=rng.uniform(0, 30)),
                                      created_at=base - timedelta(days=40))
                                 for i, cid in enumerate(customer_ids)])
        deal_ids = list(s.execute(select(Deal.id).order_by(Deal.id)).scalars())
        today = NOW.date()
        rows = []
        for i in range(commitments):
            k = i % len(deal_ids)
            rows.append(dict(owner_id=rep_ids[k % 50], deal_id=deal_ids[k], customer_id=customer_ids[k],
                             kind=KINDS[i % len(KINDS)], due_date=today + timedelta(days=rng.randint(-30, 60)),
                             text="按时交货", state="open", created_at=base - timedelta(days=30)))
            if len(rows) == 20_000:
                s.execute(insert(Commitment), rows)
                rows = []
        if rows:
            s.execute(insert(Commitment), rows)
        s.commit()


async def no_send(message) -> None:
    return None


def sweep_bench(args) -> None:
    config = load_config(None, env={})
    policy = policy_from_config(config)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'reminders.db'}"
        engine = make_engine(url)
        upgrade_database(engine)
        sessions = session_factory(engine)
        started = time.perf_counter()
        seed(sessions, args.commitments, args.deals, random.Random(7))
        print(f"seeded {args.commitments:,} open commitments, {args.deals:,} open deals "
              f"in {time.perf_counter() - started:.1f} s ({engine.url.get_backend_name()})")

        with sessions() as s:
            team = s.execute(select(Team)).scalar_one()
            timings = []
            for _ in range(3):
                t0 = time.perf_counter()
                state = team_state(s, team, NOW, policy)
                t1 = time.perf_counter()
                notices = due_notices(state, NOW, policy)
                t2 = time.perf_counter()
                timings.append((t1 - t0, t2 - t1))
        load, rules = min(t[0] for t in timings), min(t[1] for t in timings)
        print(f"team state: {len(state.commitments):,} of the open commitments can be due now (index range), "
              f"{len(state.deals):,} deals; read in {load * 1000:.0f} ms; "
              f"rules: {len(notices):,} notifications due in {rules * 1000:.0f} ms")

        scheduler = ReminderScheduler(sessions=sessions, policy=policy, send=no_send, clock=lambda: NOW,
                                      holder="bench")
        t0 = time.perf_counter()
        sent = asyncio.run(scheduler.sweep())
        first = time.perf_counter() - t0
        with sessions() as s:
            written = s.execute(select(Notification.id)).all()
        print(f"first sweep (writes {len(written):,} outbox rows, sends {sent:,} messages): {first:.2f} s")

        steady = []
        for minute in range(1, 6):
            clock = NOW + timedelta(minutes=minute)
            scheduler.clock = lambda c=clock: c
            t0 = time.perf_counter()
            asyncio.run(scheduler.sweep())
            steady.append(time.perf_counter() - t0)
        print(f"steady-state sweep over {args.commitments:,} open commitments (nothing new): "
              f"median {statistics.median(steady) * 1000:.0f} ms, max {max(steady) * 1000:.0f} ms")
        cold = Sweeper(sessions, policy)  # a fresh process: no cache of known keys
        t0 = time.perf_counter()
        cold.collect(NOW + timedelta(minutes=6))
        print(f"sweep after a restart (keys checked against the outbox): {(time.perf_counter() - t0) * 1000:.0f} ms")
        engine.dispose()


async def live_bench(args) -> None:
    from bot.app import build_app, serve
    from storage import teams
    from storage.notes import apply_extraction, record_inbound

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(None, env={})
        config["database"]["url"] = f"sqlite:///{Path(tmp) / 'live.db'}"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            config["web"]["port"] = probe.getsockname()[1]
        local_day = datetime.now(TZ).date()
        config["reminders"].update(quiet_start="00:00", quiet_end="00:00",
                                   extra_workdays=[str(local_day + timedelta(days=d)) for d in range(2)])
        app = build_app(config, transcriber=_NoSpeech(), audio_dir=Path(tmp) / "audio")
        started, stop = asyncio.Event(), asyncio.Event()
        server = asyncio.create_task(serve(app, started=started, stop=stop))
        await started.wait()
        stages = app.conversation.stages
        with app.sessions() as s:
            rep = teams.find_member(session=s, name="演示销售")
        rng = random.Random(11)
        moments = sorted(rng.uniform(0, args.live_seconds) for _ in range(args.live_notes))
        t0 = time.monotonic()
        print(f"live: {args.live_notes} notes with a 500万 budget over {args.live_seconds:.0f} s; sweep every 60 s ...")
        for i, moment in enumerate(moments):
            await asyncio.sleep(max(0.0, moment - (time.monotonic() - t0)))

            def store(i=i):
                with app.sessions() as s:
                    note = record_inbound(session=s, author_id=rep.id, channel="cli", channel_message_id=f"live{i}",
                                          received_at=datetime.now(timezone.utc), text="预算500万").note
                    apply_extraction(session=s, note=note, stages=stages, extraction={
                        "customer": {"name": "赵总", "company": f"远大集团{i}"},
                        "money": [{"amount": 5_000_000, "kind": "budget"}]})
            await asyncio.to_thread(store)
        deadline = time.monotonic() + 75
        delays = []
        while time.monotonic() < deadline:
            with app.sessions() as s:
                rows = s.execute(select(Notification.send_at, Notification.sent_at)
                                 .where(Notification.kind == "alert")).all()
            if len(rows) == args.live_notes and all(sent for _, sent in rows):
                delays = [(_utc(sent) - _utc(send)).total_seconds() for send, sent in rows]
                break
            await asyncio.sleep(1)
        stop.set()
        await server
        app.engine.dispose()
        if not delays:
            print("live: not every alert was sent within 75 s of the last note")
            return
        print(f"live: {len(delays)} alerts, delay send time -> sent: median {statistics.median(delays):.1f} s, "
              f"max {max(delays):.1f} s (limit: the 60 s sweep)")


class _NoSpeech:
    """The live run needs no speech model."""

    model = None

    def close(self) -> None:
        pass


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commitments", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=5_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--live-notes", type=int, default=8)
    parser.add_argument("--live-seconds", type=float, default=150)
    parser.add_argument("--skip-live", action="store_true")
    args = parser.parse_args()
    sweep_bench(args)
    if not args.skip_live:
        asyncio.run(live_bench(args))


if __name__ == "__main__":
    main()
