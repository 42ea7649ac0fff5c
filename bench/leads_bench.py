"""Lead desk benchmark: scoring and dispatching 10,000 open leads in one sweep on SQLite.

    .venv/bin/python -m bench.leads_bench [--leads N] [--reps N] [--db URL]

Leads are inserted in bulk (random regions, budgets, behaviour, ages up to 3 days), the team has
--reps reps with chat accounts and a manager. Timed: the first sweep (score all, offer all to the reps
with the fewest open leads, write every offer and late-lead notice to the outbox), a steady-state
sweep one minute later (score all again, nothing new to offer), a sweep 15 minutes later (hot leads
offered again), and scoring alone. Nothing is sent: this measures the decision side (LeadDesk.collect).
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.config import load_config
from reminders.lead_sweep import LeadDesk, known_products
from reminders.leads import LeadView, ProductFit, score, settings_from_config
from storage import leads as lead_ops
from storage import teams
from storage.db import make_engine, session_factory, upgrade_database
from storage.lead_models import Lead
from storage.models import Notification, Team

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, within working hours
REGIONS = ["上海", "江苏南京", "浙江杭州", "安徽合肥", "广东深圳", "新疆", "北京", ""]
PRODUCTS = ["挖掘机", "装载机", "叉车", "", "服务器", "办公桌"]


def build(url: str, leads: int, reps: int) -> None:
    engine = make_engine(url)
    upgrade_database(engine)
    sessions = session_factory(engine)
    rng = random.Random(7)
    with sessions() as s:
        team = teams.add_team(session=s, name="华东", industry="机械设备")
        boss = teams.add_member(session=s, team=team, name="周经理", role="manager")
        teams.bind_account(session=s, member=boss, channel="local", external_id="boss")
        for i in range(reps):
            rep = teams.add_member(session=s, team=team, name=f"销售{i:03d}", role="rep", manager=boss)
            teams.bind_account(session=s, member=rep, channel="local", external_id=f"rep{i}")
        rows = []
        for i in range(leads):
            created = NOW - timedelta(minutes=rng.randint(0, 72 * 60))
            rows.append(dict(team_id=team.id, source="bench", name=f"客户{i}", company=f"公司{i}", phone=f"138{i:08d}",
                             region=rng.choice(REGIONS), budget=rng.choice([None, 5e3, 3e4, 8e4, 3e5, 2e6]),
                             product=rng.choice(PRODUCTS), dwell_seconds=rng.randint(0, 400),
                             video_completed=rng.random() < 0.4, visits=rng.randint(0, 6), created_at=created,
                             received_at=created, state="new"))
        s.execute(insert(Lead), rows)
        s.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times grow with it)")
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'leads_bench.db'}"
    started = time.perf_counter()
    build(url, args.leads, args.reps)
    print(f"setup: {args.leads} open leads, {args.reps} reps on {url.split(':')[0]} in {time.perf_counter() - started:.1f} s")

    config = load_config(None, env={})
    engine = make_engine(url)
    sessions = session_factory(engine)
    desk = LeadDesk(sessions=sessions, config=config)
    t0 = time.perf_counter()
    with sessions() as s:
        known = known_products(s.get(Team, 1))
    print(f"industry pack products, loaded once per process (the parser loads the same packs): "
          f"{len(known)} forms in {(time.perf_counter() - t0) * 1000:.0f} ms")
    with sessions() as s:
        views = [LeadView(*row) for row in lead_ops.open_leads(session=s, team_id=1)]
    settings = settings_from_config(config)
    t0 = time.perf_counter()
    fit = ProductFit(known, settings)
    scores = [score(v, NOW, settings, fit) for v in views]
    print(f"scoring alone: {len(scores)} leads in {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"(hot >= {settings.hot_score:g}: {sum(x >= settings.hot_score for x in scores)})")

    for label, at in [("first sweep (score, offer all, write outbox)", NOW),
                      ("steady sweep +1 min (nothing new)", NOW + timedelta(minutes=1)),
                      ("sweep +15 min (hot leads offered again)", NOW + timedelta(minutes=15))]:
        t0, c0 = time.perf_counter(), time.process_time()
        written = desk.collect(at)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{label}: {elapsed * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU, {written} notices written")
    with sessions() as s:
        offered = s.execute(select(func.count()).select_from(Lead).where(Lead.state == "offered")).scalar()
        per_rep = s.execute(select(Lead.offered_to_id, func.count()).group_by(Lead.offered_to_id)
                            .where(Lead.state == "offered")).all()
        outbox = s.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all()
    counts = [n for _, n in per_rep]
    print(f"offered: {offered} leads, per rep {min(counts)}-{max(counts)}; outbox by kind: {dict(outbox)}")
    engine.dispose()


if __name__ == "__main__":
    main()
