"""From the database's plain rows to the rules' values: the one place insights reads storage.

Everything here is reading and reshaping; the judgement is in health.py, churn.py, radar.py,
coaching.py and trends.py.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from insights.health import DealFacts, Health, median_density, median_of, score_all
from insights.policy import InsightPolicy
from insights.radar import RepRecord, customer_spreads
from storage import insight_queries as iq
from storage.models import Team, as_utc
from storage.report_queries import Outcomes
from storage.stages import Stage

CLOSED = ("won", "lost")
CHAIN = frozenset({"decision_maker", "user", "influencer"})


def late_stages(stages: list[Stage], policy: InsightPolicy) -> list[str]:
    """The late stage and every stage after it (none when the late stage is not configured)."""
    names = [s.name for s in stages]
    return names[names.index(policy.late_stage):] if policy.late_stage in names else []


def deal_facts(session: Session, team: Team, now: datetime, policy: InsightPolicy, stages: list[Stage],
               deal_ids=None) -> list[DealFacts]:
    """The health facts of the team's open deals (or of `deal_ids` among them)."""
    now = as_utc(now)
    tz = ZoneInfo(team.timezone or "Asia/Shanghai")
    today = now.astimezone(tz).date()
    late = late_stages(stages, policy)
    rows = iq.open_deal_rows(session=session, team_id=team.id,
                             notes_since=now - timedelta(weeks=policy.density_weeks),
                             promises_since=today - timedelta(days=policy.promises_days),
                             late_stages=late, deal_ids=deal_ids)
    facts = []
    for (deal_id, customer_id, customer, owner_id, owner, stage, entered, last, created, amount) in rows.deals:
        outcomes, ahead = Outcomes(), []
        for due, state, done_at in rows.promises.get(deal_id, ()):
            if due < today or state == "done":
                outcomes.add(state, due, done_at, today, tz)
            elif state == "open":
                ahead.append(due)
        money = rows.money.get(customer_id, [])
        facts.append(DealFacts(
            deal_id=deal_id, customer=customer, owner_id=owner_id, owner=owner, stage=stage,
            stage_entered_at=entered, last_touch_at=last, created_at=created,
            notes_recent=rows.notes_recent.get(deal_id, 0),
            kept=outcomes.kept, late=outcomes.late, broken=outcomes.broken,
            open_objections=tuple(dict.fromkeys(rows.objections.get(deal_id, ()))),
            late_rivals=_late_rivals(rows.rivals.get(deal_id, ()), rows.moves.get(deal_id, ()), late),
            roles=frozenset(rows.roles.get(customer_id, ())),
            quotes=tuple(a for d, kind, a in money if kind == "quote" and d == deal_id),
            customer_quotes=tuple(a for _, kind, a in money if kind == "quote"),
            next_step=min(ahead) if ahead else None,
            budget_known=any(kind == "budget" for _, kind, _ in money),
            risks=tuple(rows.risks.get(deal_id, ())), customer_id=customer_id, amount=amount))
    return facts


def _late_rivals(rivals, moves, late: list[str]) -> tuple[tuple[str, str], ...]:
    """(rival, stage then) of rivals named since the deal last reached a late stage, oldest first."""
    if not rivals or not moves:
        return ()
    since, path = None, []
    for at, to_stage in sorted(moves):
        if to_stage in CLOSED:
            continue
        path.append((at, to_stage))
        if to_stage in late:
            since = since or at
        else:
            since = None
    if since is None:
        return ()
    found = []
    for at, name in sorted(rivals):
        if at >= since:
            stage = next((s for t, s in reversed(path) if t <= at), path[-1][1])
            found.append((name, stage))
    return tuple(found)


def team_health(session: Session, team: Team, now: datetime, policy: InsightPolicy, stages: list[Stage],
                owner_ids=None, deal_ids=None) -> list[Health]:
    """The health of the team's open deals (those owned by `owner_ids`, or `deal_ids` of them; None:
    all), lowest first; touch density is measured against the whole team's median."""
    now = as_utc(now)
    facts = deal_facts(session, team, now, policy, stages, deal_ids=deal_ids)
    if deal_ids is None:
        median = median_density(facts, now, policy)
    else:
        counts = iq.density_rows(session=session, team_id=team.id, notes_since=now - timedelta(weeks=policy.density_weeks))
        median = median_of(counts, now, policy)
    if owner_ids is not None:
        owners = set(owner_ids)
        facts = [f for f in facts if f.owner_id in owners]
    return score_all(facts, as_utc(now), policy, stall_days={s.name: s.stall_days for s in stages},
                     stage_order=tuple(s.name for s in stages), median=median)


def rep_records(session: Session, team: Team, now: datetime, policy: InsightPolicy,
                stages: list[Stage]) -> list[RepRecord]:
    """Each active rep's record over the last radar_days, for the radar."""
    now = as_utc(now)
    tz = ZoneInfo(team.timezone or "Asia/Shanghai")
    today = now.astimezone(tz).date()
    since = now - timedelta(days=policy.radar_days)
    rows = iq.rep_rows(session=session, team_id=team.id, since=since, until=now, today=today,
                       stage_order=[s.name for s in stages])
    records = []
    for member_id, name in rows.reps:
        outcomes = Outcomes()
        for due, state, done_at in rows.promises.get(member_id, ()):
            outcomes.add(state, due, done_at, today, tz)
        objections = rows.objections.get(member_id, [])
        followed = sum(1 for deal_id, at in objections if any(t > at for t in rows.progress.get(deal_id, ())))
        records.append(RepRecord(
            member_id=member_id, name=name, notes=rows.notes.get(member_id, 0), weeks=policy.radar_days / 7,
            kept=outcomes.kept, late=outcomes.late, broken=outcomes.broken,
            chain=tuple(len(roles & CHAIN) / len(CHAIN) for _, roles in rows.chain.get(member_id, ())),
            objections=len(objections), followed=followed,
            spreads=customer_spreads(rows.quotes.get(member_id, {})),
            first_touch_hours=tuple(rows.first_touch.get(member_id, ()))))
    return records
