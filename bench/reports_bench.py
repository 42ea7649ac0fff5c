"""Reports benchmark: /pipeline, /week and /health over 100,000 deals and 1,000,000 notes on SQLite.

    .venv/bin/python -m bench.reports_bench [--deals N] [--notes N] [--teams N] [--db PATH] [--repeat N]

Builds a company (10 teams x 1 lead, 4 managers, 40 reps; --teams 1: one team holds every deal, so
its lead sees all 100,000; customers with contacts in decision-chain roles; deals with stage history
and expected close days; commitments) with executemany, then the 1,000,000 notes and their objection /
competitor mentions with INSERT … SELECT from a recursive CTE, so the load takes a minute or two;
quotes and budgets on a fifth and an eleventh of the notes, a verbal-promise risk on one in fifty.
Times each report as the chat runs it (queries + Chinese text; the PNG chart timed separately) for a
lead (one team), a manager and an admin (every team); /health (the lowest 20 visible open deals:
computed at once in a team of up to [insights] health_live_deals open deals, else read from the
health the insight desk keeps, which is refreshed first and timed per team; the team's health computed
at once is timed too), /stalled with its health figures, and the radar of one rep. Writes one chart
to bench/out/. Target: each report < 1 s.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import select

from bot import charts, insight_reports, reports
from insights.desk import InsightDesk
from insights.policy import policy_from_config
from insights.read import team_health
from storage.db import make_engine, session_factory, upgrade_database
from storage.models import Commitment, Contact, Customer, Deal, Member, StageChange, Team
from storage.queries import pipeline, visible_member_ids
from storage.stages import stages_from_config

ROOT = Path(__file__).parents[1]
OUT = ROOT / "bench" / "out"
DEFAULTS = ROOT / "bot" / "defaults.toml"
NOW = datetime(2026, 6, 3, 2, 0, tzinfo=timezone.utc)  # Wednesday 10:00 in Shanghai
SPAN_DAYS = 180
OBJECTIONS = ["price", "budget", "delivery_time", "quality", "decision_delay", "competitor", "payment_terms"]
COMPETITORS = ["海康威视", "大华", "三一重工", "伟星管业", "元气森林", "大族激光"]
ROLES = ["decision_maker", "influencer", "user", "unknown"]
BATCH = 10000


def stamp(value: datetime) -> str:
    """The text SQLAlchemy stores for an aware datetime on SQLite: naive UTC with microseconds."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def bulk(conn, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[i:i + BATCH])


def load_people(conn, rng, n_teams: int = 10) -> list[tuple[int, int]]:
    """`n_teams` teams of 1 lead, 4 managers and 40 reps (10 under each manager). Returns (rep id, team id)."""
    teams, members, reps, mid = [], [], [], 0
    for t in range(1, n_teams + 1):
        teams.append(dict(id=t, name=f"区域{t}", timezone="Asia/Shanghai", industry="", created_at=NOW))
        mid += 1
        members.append(dict(id=mid, team_id=t, name=f"总监{t}", role="lead", manager_id=None))
        for m in range(4):
            mid += 1
            manager = mid
            members.append(dict(id=manager, team_id=t, name=f"经理{t}-{m}", role="manager", manager_id=None))
            for r in range(10):
                mid += 1
                members.append(dict(id=mid, team_id=t, name=f"销售{t}-{m}-{r}", role="rep", manager_id=manager))
                reps.append((mid, t))
    mid += 1
    members.append(dict(id=mid, team_id=1, name="管理员", role="admin", manager_id=None))
    for row in members:
        row.update(active=True, created_at=NOW)
    bulk(conn, Team, teams)
    bulk(conn, Member, members)
    return reps


def load_deals(conn, rng, stages, reps, n_deals: int) -> dict:
    customers, contacts, deals, changes, commitments = [], [], [], [], []
    n_customers = n_deals // 2
    for c in range(1, n_customers + 1):
        owner, team = rng.choice(reps)
        customers.append(dict(id=c, team_id=team, name=f"客户公司{c}", key=f"客户公司{c}", is_person=False,
                              owner_id=owner, created_at=NOW - timedelta(days=400)))
        for k in range(rng.randint(1, 3)):
            contacts.append(dict(customer_id=c, name=f"联系人{c}-{k}", key=f"联系人{c}-{k}", title="",
                                 role=rng.choice(ROLES), created_at=NOW - timedelta(days=400)))
    for d in range(1, n_deals + 1):
        customer = customers[(d - 1) % n_customers]
        created = NOW - timedelta(days=rng.uniform(0, SPAN_DAYS))
        stage = rng.choice(stages)
        entered = created + (NOW - created) * rng.random() * 0.5
        status = rng.choices(["open", "won", "lost"], [0.7, 0.15, 0.15])[0]
        closed = entered + (NOW - entered) * rng.random() if status != "open" else None
        close_day = (NOW + timedelta(days=rng.randint(-30, 200))).date() if rng.random() < 0.6 else None
        deals.append(dict(id=d, team_id=customer["team_id"], customer_id=customer["id"], owner_id=customer["owner_id"],
                          stage=stage.name, status=status, amount=round(rng.lognormvariate(12, 1.1), 2),
                          amount_kind="quote", expected_close=close_day, stage_entered_at=entered,
                          last_activity_at=max(entered, closed or entered), closed_at=closed, created_at=created))
        changes.append(dict(deal_id=d, from_stage=None, to_stage=stages[0].name, changed_by_id=customer["owner_id"],
                            changed_at=created))
        if stage != stages[0]:
            changes.append(dict(deal_id=d, from_stage=stages[0].name, to_stage=stage.name,
                                changed_by_id=customer["owner_id"], changed_at=entered))
        if closed:
            changes.append(dict(deal_id=d, from_stage=stage.name, to_stage=status,
                                changed_by_id=customer["owner_id"], changed_at=closed))
        due = (created + timedelta(days=rng.randint(1, 40))).date()
        done = rng.random() < 0.6
        commitments.append(dict(owner_id=customer["owner_id"], deal_id=d, customer_id=customer["id"], note_id=None,
                                kind="followup", due_date=due, text="跟进", state="done" if done else "open",
                                done_at=datetime.combine(due, datetime.min.time(), timezone.utc)
                                + timedelta(hours=rng.choice([2, 30, 80])) if done else None,
                                created_at=created))
    bulk(conn, Customer, customers)
    bulk(conn, Contact, contacts)
    bulk(conn, Deal, deals)
    bulk(conn, StageChange, changes)
    bulk(conn, Commitment, commitments)
    return dict(customers=len(customers), contacts=len(contacts), deals=len(deals), stage_changes=len(changes),
                commitments=len(commitments))


def load_notes(conn, n_notes: int, n_deals: int) -> dict:
    """The notes, spread over SPAN_DAYS, each on deal (i mod n_deals) by its owner; a quarter carry an
    objection and a sixth a competitor mention."""
    span = SPAN_DAYS * 86400
    conn.execute(text(f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
        INSERT INTO note (id, channel, channel_message_id, received_at, raw_text, author_id, customer_id,
                          deal_id, state)
        SELECT n.i, 'local', 'bench:' || n.i,
               strftime('%Y-%m-%d %H:%M:%S', :now, '-' || ((n.i * 7919) % {span}) || ' seconds') || '.000000',
               '张总说价格还要再谈，下周回复', d.owner_id, d.customer_id, d.id, 'parsed'
        FROM n JOIN deal d ON d.id = (n.i % :deals) + 1"""), {"count": n_notes, "now": stamp(NOW)[:19],
                                                             "deals": n_deals})
    cases = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(OBJECTIONS))
    conn.execute(text(f"""INSERT INTO objectionmention (note_id, deal_id, customer_id, category)
        SELECT id, deal_id, customer_id, CASE id % {len(OBJECTIONS)} {cases} END FROM note WHERE id % 4 = 0"""))
    cases = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(COMPETITORS))
    conn.execute(text(f"""INSERT INTO competitormention (note_id, deal_id, customer_id, name)
        SELECT id, deal_id, customer_id, CASE (id / 6) % {len(COMPETITORS)} {cases} END FROM note WHERE id % 6 = 0"""))
    conn.execute(text("""INSERT INTO moneyfact (note_id, deal_id, customer_id, amount, kind)
        SELECT id, deal_id, customer_id, 100000 + (id * 7919) % 90000, 'quote' FROM note WHERE id % 5 = 0"""))
    conn.execute(text("""INSERT INTO moneyfact (note_id, deal_id, customer_id, amount, kind)
        SELECT id, deal_id, customer_id, 200000, 'budget' FROM note WHERE id % 11 = 0"""))
    conn.execute(text("""INSERT INTO riskmention (note_id, deal_id, customer_id, phrase, text)
        SELECT id, deal_id, customer_id, '免费', '答应免费安装' FROM note WHERE id % 50 = 0"""))
    counted = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
               for t in ("note", "objectionmention", "competitormention", "moneyfact", "riskmention")}
    return dict(notes=counted["note"], objections=counted["objectionmention"],
                competitors=counted["competitormention"], money=counted["moneyfact"], risks=counted["riskmention"])


def load(engine, rng, stages, args, path) -> None:
    start = time.perf_counter()
    with engine.begin() as conn:
        reps = load_people(conn, rng, args.teams)
        counts = load_deals(conn, rng, stages, reps, args.deals)
    deals_s = time.perf_counter() - start
    with engine.begin() as conn:
        counts.update(load_notes(conn, args.notes, args.deals))
        conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - start
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"load: {load_s:.1f} s (people and deals {deals_s:.1f} s, notes and mentions {load_s - deals_s:.1f} s); "
          f"database {path.stat().st_size / 2**20:.0f} MB")


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median ms, max ms, last result) over `repeat` runs after one warm-up."""
    result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--notes", type=int, default=1_000_000)
    ap.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="time the reports on --db as it is, without loading")
    ap.add_argument("--teams", type=int, default=10,
                    help="teams the deals are spread over (1: one lead sees every deal)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    config = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    stages = stages_from_config(config)
    insights = policy_from_config(config)
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory()
    path = Path(args.db) if args.db else Path(tmp.name) / "reports.db"
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    if not args.reuse:
        load(engine, rng, stages, args, path)

    make_session = session_factory(engine)
    results = []
    desk = InsightDesk(sessions=make_session, config=config)
    with make_session() as session:  # the deal health the desk keeps for an admin's /health
        teams = list(session.exec(select(Team).order_by(Team.id)).all())
        start = time.perf_counter()
        for team in teams:
            desk.keep_health(session, team, NOW, force=True)
        kept_s = time.perf_counter() - start
        print(f"deal health (and radars, in a team over health_live_deals) kept by the desk: {len(teams)} teams in {kept_s:.1f} s "
              f"({1000 * kept_s / len(teams):.0f} ms a team, every {insights.health_refresh_minutes} minutes)")
    with make_session() as session:
        lead = session.exec(select(Member).where(Member.role == "lead")).first()
        team = session.get(Team, lead.team_id)
        median, worst, scored = timed(lambda: team_health(session, team, NOW, insights, stages), min(args.repeat, 3))
        print(f"deal health of the lead's team computed at once (what /health does up to "
              f"{insights.health_live_deals:,} open deals): {len(scored):,} deals, median {median:.0f} ms, max {worst:.0f} ms")
        median, worst, ranked = timed(lambda: insight_reports.team_radars(session=session, team=team, stages=stages,
                                                                          policy=insights, now=NOW), min(args.repeat, 3))
        print(f"the radars of the lead's team computed at once (what /radar does up to {insights.health_live_deals:,} "
              f"open deals): {len(ranked)} reps, median {median:.0f} ms, max {worst:.0f} ms")
        admin = session.exec(select(Member).where(Member.role == "admin")).first()
        manager = session.exec(select(Member).where(Member.role == "manager")).first()
        scopes = [("lead, one team", lead), ("manager, 10 reps", manager), ("admin, every team", admin)]
        for label, member in scopes:
            ids = visible_member_ids(session=session, member=member)
            rows = pipeline(session=session, stages=stages, member_ids=ids)
            print(f"{label}: {len(ids)} members, {sum(r.count for r in rows):,} open deals")
            cases = [
                ("/pipeline text", lambda m=member: reports.pipeline_report(session=session, member=m, stages=stages,
                                                                            chart=False)),
                ("/pipeline text + chart", lambda m=member: reports.pipeline_report(session=session, member=m,
                                                                                    stages=stages)),
                ("/week", lambda m=member: reports.week_report(session=session, member=m, now=NOW)),
                ("/health", lambda m=member: insight_reports.health_report(session=session, member=m, stages=stages,
                                                                           policy=insights, now=NOW)),
                ("/stalled with health", lambda m=member: reports.stalled_report(session=session, member=m,
                                                                                 stages=stages, now=NOW,
                                                                                 insights=insights)),
            ]
            for name, fn in cases:
                median, worst, report = timed(fn, args.repeat)
                results.append((f"{name} ({label})", median, worst))
                if name == "/health" and member is lead:
                    health = report.figures
                    print(f"  health of the lead's team: {health['count']:,} open deals, {health['at_risk']:,} below "
                          f"{insights.at_risk}; lowest {health['deals'][0]['score']} "
                          f"({'；'.join(health['deals'][0]['reasons'])})")
                if name == "/week" and member is lead:
                    week = report.figures["week"]
                    print(f"  week of the lead: {week.new_deals.count} new deals, {week.stage_moves} stage moves, "
                          f"{week.won.count} won, {week.lost.count} lost, {week.commitments.due} commitments due, "
                          f"{sum(r.notes for r in week.reps)} notes, top objection {week.objections[0]}")
        rep = session.exec(select(Member).where(Member.role == "rep")).first()
        median, worst, radar = timed(lambda: insight_reports.radar_report(session=session, member=lead, name=rep.name,
                                                                          stages=stages, policy=insights, now=NOW),
                                     args.repeat)
        results.append(("/radar of a rep (lead, text)", median, worst))
        median, worst, _ = timed(lambda: radar.draw(), args.repeat)
        results.append(("radar chart alone (matplotlib, PNG)", median, worst))
        median, worst, png = timed(lambda: charts.pipeline_chart(pipeline(session=session, stages=stages)), args.repeat)
        results.append(("pipeline chart alone (matplotlib, PNG)", median, worst))
        text_report = reports.pipeline_report(session=session, member=admin, stages=stages, chart=False)
    print(f"{'report':58} {'median ms':>10} {'max ms':>8}")
    for name, median, worst in results:
        print(f"{name:58} {median:10.1f} {worst:8.1f}" + ("" if worst < 1000 else "  OVER 1 s"))
    OUT.mkdir(parents=True, exist_ok=True)
    chart_path = OUT / "pipeline_all_teams.png"
    chart_path.write_bytes(png)
    print("\n".join(text_report.lines))
    print(f"chart: {chart_path} ({len(png):,} bytes)")
    engine.dispose()
    return 0 if all(worst < 1000 for _, _, worst in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
