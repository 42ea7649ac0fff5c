"""Storage benchmark: 100,000 notes with their facts, then the report queries.

    .venv/bin/python -m bench.storage_bench [--notes N] [--db URL] [--apply N]

Rows are the ones the ingest writes (teams, members, customers, contacts, deals with stage history,
notes with their Extraction JSON, items, money facts, mentions, commitments), inserted in bulk with
SQLAlchemy Core so the load takes seconds; --apply N notes additionally go through the real
record_inbound + apply_extraction path to time the per-note ingest. Default database: a fresh SQLite
file in a temporary directory; a PostgreSQL URL gets a schema of its own, dropped at the end.
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
import tomllib
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from storage.db import make_engine, session_factory, upgrade_database
from storage.models import (Commitment, CompetitorMention, Contact, Customer, Deal, Item, Member, MoneyFact,
                            Note, ObjectionMention, StageChange, Team)
from storage.notes import apply_extraction, record_inbound
from storage.queries import (decision_chain, idle_deals, open_commitments, pipeline, stalled_deals,
                             team_activity, visible_member_ids)
from storage.stages import stages_from_config

DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
TITLES = ["总", "经理", "工", "主任", "处长", "老板", "主管", "姐"]
PRODUCTS = ["A型号", "C30商品混凝土", "光纤激光器1.5kW", "鲜榨橙汁1L装", "PPR管", "服务器", "叉车", "薯片七十克装"]
UNITS = ["台", "吨", "箱", "件", "米", "套"]
OBJECTIONS = ["price", "budget", "delivery_time", "quality", "decision_delay", "competitor", "payment_terms"]
COMPETITORS = ["伟星管业", "元气森林", "大族激光", "海康威视", "三一重工"]
DATE_KINDS = ["delivery", "followup", "meeting", "payment", "trial", "deadline"]
BATCH = 5000


def bulk(session, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[i:i + BATCH])


def load(session, stages, n_notes: int, rng: random.Random) -> dict:
    """Inserts a realistic company: 5 teams x (1 lead, 3 managers, 24 reps), customers, deals, notes."""
    counts = {}
    member_rows, reps = [], []
    mid = 0
    for t in range(1, 6):
        session.execute(insert(Team), [{"id": t, "name": f"区域{t}", "timezone": "Asia/Shanghai",
                                        "industry": "", "created_at": NOW}])
        mid += 1
        member_rows.append(dict(id=mid, team_id=t, name=f"总监{t}", role="lead", manager_id=None))
        for m in range(3):
            mid += 1
            manager = mid
            member_rows.append(dict(id=manager, team_id=t, name=f"经理{t}-{m}", role="manager", manager_id=None))
            for r in range(8):
                mid += 1
                member_rows.append(dict(id=mid, team_id=t, name=f"销售{t}-{m}-{r}", role="rep", manager_id=manager))
                reps.append((mid, t))
    for row in member_rows:
        row.update(active=True, created_at=NOW)
    bulk(session, Member, member_rows)
    counts["members"] = len(member_rows)

    n_customers = max(10, n_notes // 10)
    customers, contacts, contact_of = [], [], {}
    for c in range(1, n_customers + 1):
        owner, team = rng.choice(reps)
        name = f"客户公司{c}"
        customers.append(dict(id=c, team_id=team, name=name, key=name, is_person=False, owner_id=owner,
                              created_at=NOW - timedelta(days=400)))
        for k in range(rng.randint(1, 3)):
            title = rng.choice(TITLES)
            cname = rng.choice(SURNAMES) + title
            if (c, cname) in contact_of:
                continue
            contact_of[(c, cname)] = len(contacts) + 1
            role = "decision_maker" if title in ("总", "老板", "处长") else "influencer" if title in (
                "经理", "主任", "主管") else "user" if title == "工" else "unknown"
            contacts.append(dict(id=len(contacts) + 1, customer_id=c, name=cname, key=cname, title=title,
                                 role=role, created_at=NOW - timedelta(days=400)))
    bulk(session, Customer, customers)
    bulk(session, Contact, contacts)
    counts["customers"], counts["contacts"] = len(customers), len(contacts)

    n_deals = max(10, n_notes // 6)
    deals, changes = [], []
    for d in range(1, n_deals + 1):
        # A year of deals: the older a deal, the likelier it is closed; open ones move on and get notes.
        customer = rng.choice(customers)
        age = rng.uniform(1, 365)
        created = NOW - timedelta(days=age)
        status = "open" if rng.random() < 0.15 + 0.85 * math.exp(-age / 90) else rng.choice(["won", "lost"])
        stage_index = min(int(rng.expovariate(0.35) * min(1.0, age / 60)), len(stages) - 1)
        entered = created + timedelta(days=age * rng.random()) if stage_index else created
        idle_for = min(rng.expovariate(1 / 12), (NOW - entered).days)
        last = max(entered, NOW - timedelta(days=idle_for))
        kind = rng.choice(["deal", "quote", "budget", None])
        deals.append(dict(id=d, team_id=customer["team_id"], customer_id=customer["id"], owner_id=customer["owner_id"],
                          stage=stages[stage_index].name, status=status,
                          amount=round(rng.lognormvariate(12, 1.2), 2) if kind else None, amount_kind=kind,
                          expected_close=None, stage_entered_at=entered, last_activity_at=last,
                          closed_at=last if status != "open" else None, created_at=created))
        changes.append(dict(deal_id=d, from_stage=None, to_stage=stages[0].name, changed_by_id=customer["owner_id"],
                            changed_at=created))
        if stage_index:
            changes.append(dict(deal_id=d, from_stage=stages[0].name, to_stage=stages[stage_index].name,
                                changed_by_id=customer["owner_id"], changed_at=entered))
    bulk(session, Deal, deals)
    bulk(session, StageChange, changes)
    counts["deals"], counts["stage_changes"] = len(deals), len(changes)
    counts["open_deals"] = sum(d["status"] == "open" for d in deals)

    notes, items, money, objections, competitors, commitments = [], [], [], [], [], []
    for n in range(1, n_notes + 1):
        deal = rng.choice(deals)
        at = deal["created_at"] + (deal["last_activity_at"] - deal["created_at"]) * rng.random()
        contact_name = rng.choice(SURNAMES) + "总"
        extraction = {"customer": {"name": contact_name, "company": f"客户公司{deal['customer_id']}"},
                      "items": [], "dates": [], "money": [], "objections": [], "competitors": []}
        ids = dict(note_id=n, deal_id=deal["id"], customer_id=deal["customer_id"])
        for _ in range(rng.choice([0, 1, 1, 2])):
            item = {"product": rng.choice(PRODUCTS), "quantity": rng.randint(1, 900), "unit": rng.choice(UNITS)}
            extraction["items"].append(item)
            items.append({**ids, **item})
        if rng.random() < 0.4:
            fact = {"amount": round(rng.lognormvariate(11, 1.5), 2),
                    "kind": rng.choice(["budget", "quote", "deal", "other"])}
            extraction["money"].append(fact)
            money.append({**ids, **fact})
        if rng.random() < 0.3:
            category = rng.choice(OBJECTIONS)
            extraction["objections"].append(category)
            objections.append({**ids, "category": category})
        if rng.random() < 0.15:
            name = rng.choice(COMPETITORS)
            extraction["competitors"].append(name)
            competitors.append({**ids, "name": name})
        if rng.random() < 0.6:
            due = (at + timedelta(days=rng.randint(1, 30))).date()
            kind = rng.choice(DATE_KINDS)
            extraction["dates"].append({"date": due.isoformat(), "kind": kind, "status": "planned"})
            commitments.append(dict(owner_id=deal["owner_id"], deal_id=deal["id"], customer_id=deal["customer_id"],
                                    note_id=n, kind=kind, due_date=due, text=f"{contact_name} {kind}",
                                    state="open" if due >= NOW.date() or rng.random() < 0.2 else "done",
                                    done_at=None, created_at=at))
        notes.append(dict(id=n, author_id=deal["owner_id"], customer_id=deal["customer_id"], contact_id=None,
                          deal_id=deal["id"], channel=rng.choice(["telegram", "wecom", "local"]),
                          channel_message_id=f"bench:{n}", received_at=at,
                          raw_text=f"{contact_name}，{extraction['items'][0]['product'] if extraction['items'] else ''}",
                          audio_ref=None, transcript=None, extraction=extraction, state="parsed", error=None,
                          parsed_at=at))
    bulk(session, Note, notes)
    for table, rows in ((Item, items), (MoneyFact, money), (ObjectionMention, objections),
                        (CompetitorMention, competitors), (Commitment, commitments)):
        bulk(session, table, rows)
    session.commit()
    counts.update(notes=len(notes), items=len(items), money_facts=len(money), objections=len(objections),
                  competitors=len(competitors), commitments=len(commitments))
    return counts


def fix_sequences(engine) -> None:
    """Explicit ids were inserted: PostgreSQL's serial counters must move past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("team", "member", "customer", "contact", "deal", "note"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))


def timed(fn, repeat: int = 7) -> tuple[float, float, object]:
    """(median ms, max ms, last result) over `repeat` runs after one warm-up."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def apply_sample(make_session, stages, n: int, rng: random.Random) -> float:
    """ms per note through record_inbound + apply_extraction (the real ingest path)."""
    with make_session() as session:
        reps = list(session.exec(select(Member).where(Member.role == "rep").limit(20)).all())
        start = time.perf_counter()
        for i in range(n):
            rep = rng.choice(reps)
            note, _ = record_inbound(session=session, author_id=rep.id, channel="local",
                                     channel_message_id=f"apply:{i}", received_at=NOW, text="张总 A型号50台 明天发货")
            extraction = {"customer": {"name": rng.choice(SURNAMES) + "总", "company": f"客户公司{rng.randint(1, 500)}"},
                          "items": [{"product": "A型号", "quantity": 50, "unit": "台"}],
                          "dates": [{"date": "2026-06-02", "kind": "delivery", "status": "planned"}],
                          "money": [{"amount": 120000, "kind": "quote"}], "objections": ["price"],
                          "competitors": []}
            apply_extraction(session=session, note=note, extraction=extraction, stages=stages)
        return (time.perf_counter() - start) * 1000 / max(n, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=100_000)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--apply", type=int, default=500, help="notes to push through apply_extraction")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    stages = stages_from_config(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))
    rng = random.Random(args.seed)

    tmp = tempfile.TemporaryDirectory()
    schema, admin = None, None
    url = args.db or f"sqlite:///{tmp.name}/bench.db"
    if make_url(url).get_backend_name() == "postgresql":
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = make_engine(url)
    try:
        upgrade_database(engine)
        make_session = session_factory(engine)
        start = time.perf_counter()
        with make_session() as session:
            counts = load(session, stages, args.notes, rng)
        fix_sequences(engine)
        load_s = time.perf_counter() - start
        with engine.begin() as conn:  # fresh statistics, as a long-running database would have
            conn.execute(text("ANALYZE"))
        print(f"database: {engine.dialect.name}  ({make_url(url).render_as_string(hide_password=True)})")
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"bulk load: {load_s:.1f} s ({counts['notes'] / load_s:,.0f} notes/s with their facts)")

        with make_session() as session:
            lead = session.exec(select(Member).where(Member.role == "lead")).first()
            manager = session.exec(select(Member).where(Member.role == "manager")).first()
            team_ids = visible_member_ids(session=session, member=lead)
            manager_ids = visible_member_ids(session=session, member=manager)
            cases = [
                ("pipeline (all teams)", lambda: pipeline(session=session, stages=stages)),
                ("pipeline (one team)", lambda: pipeline(session=session, stages=stages, member_ids=team_ids)),
                ("stalled deals (all teams)", lambda: stalled_deals(session=session, stages=stages, now=NOW)),
                ("stalled deals (one team)", lambda: stalled_deals(session=session, stages=stages, now=NOW,
                                                                  member_ids=team_ids)),
                ("stalled deals, 20 longest (chat)", lambda: stalled_deals(session=session, stages=stages,
                                                                          now=NOW, member_ids=team_ids, limit=20)),
                ("idle deals 14 d (all)", lambda: idle_deals(session=session, now=NOW, idle_days=14, stages=stages)),
                ("open commitments (all teams)", lambda: open_commitments(session=session, member_ids=None)),
                ("open commitments (manager)", lambda: open_commitments(session=session, member_ids=manager_ids)),
                ("team activity, 7 days", lambda: team_activity(session=session, member_ids=team_ids,
                                                                start=NOW - timedelta(days=7), end=NOW)),
                ("decision chain (manager)", lambda: decision_chain(session=session, member_ids=manager_ids)),
            ]
            print(f"{'query':32} {'median ms':>10} {'max ms':>8} {'rows':>7}")
            for name, fn in cases:
                median, worst, result = timed(fn)
                print(f"{name:32} {median:10.1f} {worst:8.1f} {len(result):7,}")
        if args.apply:
            per_note = apply_sample(make_session, stages, args.apply, rng)
            print(f"ingest through record_inbound + apply_extraction: {per_note:.1f} ms per note "
                  f"({args.apply} notes on the loaded database)")
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
