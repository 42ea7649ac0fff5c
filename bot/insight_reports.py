"""What the insights show in chat: /health (健康度), /radar NAME (能力 NAME), and the health lines of
/customer and /stalled. Each reads through insights.read (scoped by visible_member_ids, as every
report) and returns a reports.Report or lines."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlmodel import Session, select

from bot import charts
from bot.render import money_text
from bot.reports import Report, _chart, _scope
from insights.health import Health
from insights.policy import InsightPolicy
from insights.radar import Radar, radars
from insights.read import rep_records, team_health
from storage.models import Member, Team, as_utc, utcnow
from storage.notes import name_key
from storage.queries import visible_member_ids
from storage.stages import Stage


def _teams_in_scope(session: Session, member: Member) -> list[Team]:
    if member.role == "admin":
        return list(session.exec(select(Team).order_by(Team.id)).all())
    return [session.get(Team, member.team_id)]


def visible_health(*, session: Session, member: Member, stages: list[Stage], policy: InsightPolicy,
                   now: datetime | None = None, deal_ids=None) -> list[Health]:
    """The health of the open deals the member may see (or of `deal_ids` among them), lowest first."""
    ids, _, _ = _scope(session, member)
    now = as_utc(now) if now else utcnow()
    found: list[Health] = []
    for team in _teams_in_scope(session, member):
        found += team_health(session, team, now, policy, stages, owner_ids=ids, deal_ids=deal_ids)
    return sorted(found, key=lambda x: (x.score, x.deal.deal_id))


def deal_scores(*, session: Session, member: Member, stages: list[Stage], policy: InsightPolicy,
                now: datetime | None, deal_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """deal id -> (score, reasons) of those open deals (the ones a report shows: visible by the rule
    the report applied), computed now in their teams; for an admin, and in a team over
    health_live_deals, what the desk keeps where it keeps them (reading a large team is slow)."""
    from storage import insight_queries as iq

    now = as_utc(now) if now else utcnow()
    found: dict[int, tuple[int, list[str]]] = {}
    if reads_kept(session, member, policy):
        found = iq.kept_scores(session=session, deal_ids=deal_ids)
    rest = [i for i in deal_ids if i not in found]
    for team_id in iq.teams_of_deals(session=session, deal_ids=rest):
        team = session.get(Team, team_id)
        if member.role != "admin" and team.id != member.team_id:
            continue
        for h in team_health(session, team, now, policy, stages, deal_ids=rest):
            found[h.deal.deal_id] = (h.score, h.reasons)
    return found


def reads_kept(session: Session, member: Member, policy: InsightPolicy) -> bool:
    """Whether the member's health views read what the desk keeps: an admin's (every team), and
    anyone's in a team of more than health_live_deals open deals."""
    from storage import insight_queries as iq

    return member.role == "admin" or \
        iq.more_open_deals_than(session=session, team_id=member.team_id, limit=policy.health_live_deals)


def health_line(score: int, reasons: list[str]) -> str:
    return f"健康度 {score}分" + (f"（{'；'.join(reasons)}）" if reasons else "")


def health_report(*, session: Session, member: Member, stages: list[Stage], policy: InsightPolicy,
                  now: datetime | None = None) -> Report:
    """/health, 健康度: the lowest-scoring open deals the member may see, each with its three reasons.
    Computed at once for one team of up to health_live_deals open deals; an admin's, over every team,
    and anyone's in a larger team read what the desk keeps."""
    ids, _, scope = _scope(session, member)
    if reads_kept(session, member, policy):
        # a lead sees the whole team: no owner filter (the kept rows are the team's)
        return _kept_health_report(session, _teams_in_scope(session, member),
                                   None if member.role == "lead" else ids, scope, stages, policy,
                                   as_utc(now) if now else utcnow())
    scored = visible_health(session=session, member=member, stages=stages, policy=policy, now=now)
    at_risk = sum(1 for x in scored if x.score < policy.at_risk)
    figures = {"deals": [x.to_json() for x in scored[:policy.health_shown]], "count": len(scored),
               "at_risk": at_risk}
    if not scored:
        return Report(["🩺 商机健康度", "没有进行中的商机。"], figures=figures)
    shown = scored[:policy.health_shown]
    lines = [f"🩺 商机健康度（{scope}，共{len(scored)}个，{at_risk}个低于{policy.at_risk}分，最低的在前）"]
    for x in shown:
        d = x.deal
        lines.append(f"{_mark(x.score, policy)} {x.score}分 #{d.deal_id} {d.customer} · {d.stage} · {d.owner}")
        if x.reasons:
            lines.append("   " + "；".join(x.reasons))
    if len(scored) > len(shown):
        lines.append(f"……还有{len(scored) - len(shown)}个分数更高的商机未列出。")
    return Report(lines, figures=figures)


def _kept_health_report(session: Session, teams: list[Team], ids, scope: str, stages: list[Stage],
                        policy: InsightPolicy, now: datetime) -> Report:
    """The lowest deals of `ids`' (None: everyone's) in `teams` from the kept deal health (a team never
    kept yet: computed now)."""
    from storage import insight_queries as iq

    lowest, count, at_risk, oldest = [], 0, 0, now
    for team in teams:
        at = iq.health_computed_at(session=session, team_id=team.id)
        if at is None:
            scored = team_health(session, team, now, policy, stages, owner_ids=ids)
            lowest += [(h.deal.deal_id, h.deal.customer, h.deal.stage, h.deal.owner, h.score, h.reasons)
                       for h in scored[:policy.health_shown]]
            count += len(scored)
            at_risk += sum(1 for h in scored if h.score < policy.at_risk)
            continue
        rows, n, low = iq.kept_health(session=session, team_id=team.id, limit=policy.health_shown, below=policy.at_risk,
                                      owner_ids=ids)
        lowest += rows
        count, at_risk, oldest = count + n, at_risk + low, min(oldest, at)
    lowest.sort(key=lambda r: (r[4], r[0]))
    shown = lowest[:policy.health_shown]
    figures = {"deals": [{"deal": d, "customer": c, "score": sc, "reasons": list(r or [])}
                         for d, c, _, _, sc, r in shown], "count": count, "at_risk": at_risk}
    if not shown:
        return Report(["🩺 商机健康度", "没有进行中的商机。"], figures=figures)
    minutes = max(0, int((now - oldest).total_seconds() // 60))
    lines = [f"🩺 商机健康度（{scope}，共{count}个，{at_risk}个低于{policy.at_risk}分，最低的在前；"
             f"每{policy.health_refresh_minutes}分钟更新，最早的是{minutes}分钟前算的）"]
    for deal_id, customer, stage, owner, score, reasons in shown:
        lines.append(f"{_mark(score, policy)} {score}分 #{deal_id} {customer} · {stage} · {owner}")
        if reasons:
            lines.append("   " + "；".join(reasons))
    if count > len(shown):
        lines.append(f"……还有{count - len(shown)}个分数更高的商机未列出。")
    return Report(lines, figures=figures)


def _mark(score: int, policy: InsightPolicy) -> str:
    return "🔴" if score < policy.at_risk else "🟡" if score < 70 else "🟢"


# --- /radar ------------------------------------------------------------------------------------

def team_radars(*, session: Session, team: Team, stages: list[Stage], policy: InsightPolicy,
                now: datetime | None = None) -> list[Radar]:
    """Every active rep of the team, ranked among the team's reps."""
    now = as_utc(now) if now else utcnow()
    return radars(rep_records(session, team, now, policy, stages))


def find_rep(session: Session, member: Member, name: str) -> Member | str:
    """The member named (the asker when no name) if the asker may see them; else the answer why not."""
    name = (name or "").strip()
    if not name:
        return member
    query = select(Member).where(Member.active == True)  # noqa: E712
    if member.role != "admin":
        query = query.where(Member.team_id == member.team_id)
    found = [m for m in session.exec(query).all() if name_key(m.name) == name_key(name)]
    allowed = None if member.role == "admin" else visible_member_ids(session=session, member=member)
    found = [m for m in found if allowed is None or m.id in allowed]
    if not found:
        if member.role == "rep":
            return "只能查看自己的能力雷达：直接发送“能力”。"
        return f"没有找到你能查看的成员“{name}”。"
    if len(found) > 1:
        return f"有{len(found)}位“{name}”，请让管理员在命令行查看：salesbot radar --team 团队 --member {name}"
    return found[0]


def radar_lines(radar: Radar, policy: InsightPolicy) -> list[str]:
    lines = [f"📡 {radar.name} 的能力雷达（近{policy.radar_days}天，在{radar.reps}名销售中排位，0-100）"]
    for a in radar.axes:
        score = "无数据" if a.score is None else f"{round(a.score)}分"
        median = "" if a.team_median is None else f"（团队中位数{round(a.team_median)}）"
        lines.append(f"{a.name}：{score} · {a.text}{median}")
    return lines


def radar_report(*, session: Session, member: Member, name: str, stages: list[Stage], policy: InsightPolicy,
                 now: datetime | None = None) -> Report:
    """能力 / 能力 李雷 / /radar 李雷: the rep's six axes as text and a radar chart."""
    rep = find_rep(session, member, name)
    if isinstance(rep, str):
        return Report(["📡 能力雷达", rep])
    from storage import insight_queries as iq

    team = session.get(Team, rep.team_id)
    kept = iq.kept_radar(session=session, member_id=rep.id) \
        if iq.more_open_deals_than(session=session, team_id=team.id, limit=policy.health_live_deals) else None
    if kept is not None and rep.active and rep.role == "rep":  # a large team: what the desk keeps
        radar, at = Radar.from_json(rep.id, kept[0]), kept[1]
        minutes = max(0, int(((as_utc(now) if now else utcnow()) - at).total_seconds() // 60))
        lines = radar_lines(radar, policy) + [f"（每{policy.health_refresh_minutes}分钟更新，这是{minutes}分钟前算的）"]
    else:
        found = [r for r in team_radars(session=session, team=team, stages=stages, policy=policy, now=now)
                 if r.member_id == rep.id]
        if not found:
            return Report(["📡 能力雷达", f"{rep.name} 不是在职的销售，没有能力雷达。"])
        radar, lines = found[0], radar_lines(found[0], policy)
    return Report(lines, figures={"radar": radar.to_json()}, caption=f"{radar.name} 能力雷达",
                  draw=partial(_chart, lambda r: radar_png(r, team.name, policy), radar, "radar.png"))


def radar_png(radar: Radar, team: str, policy: InsightPolicy) -> bytes:
    return charts.radar_chart(radar, title=f"{radar.name} 能力雷达",
                              subtitle=f"近{policy.radar_days}天 · 在「{team}」{radar.reps}名销售中的排位")


# --- forecast accuracy (in /forecast) -------------------------------------------------------------------

def accuracy_lines(*, session: Session, member: Member, policy: InsightPolicy, now: datetime | None = None) -> list[str]:
    """The last forecast_months months' accuracy over the owners the member may see: the weighted
    forecast stored on each month's first day against the amount won in it. Months before the first
    with a forecast or a win are left out."""
    from datetime import time

    from insights.forecast import accuracy, last_months, month_of
    from storage import insight_queries as iq

    ids, tz, _ = _scope(session, member)
    today = (as_utc(now) if now else utcnow()).astimezone(tz).date()
    months = last_months(today, policy.forecast_months)
    since = datetime.combine(months[0], time.min, tzinfo=tz)
    until = datetime.combine(month_of(today), time.min, tzinfo=tz)
    wins = [(at.astimezone(tz).date(), amount)
            for at, amount in iq.won_amounts(session=session, since=since, until=until, owner_ids=ids)]
    found = accuracy(months, iq.forecasts(session=session, months=months, owner_ids=ids), wins)
    while found and found[0].forecast <= 0 and found[0].actual <= 0:
        found.pop(0)
    band = f"±{policy.forecast_tolerance:.0%}"
    if not found:
        return ["🎯 预测准确率：还没有记录（每月1日记下当月的加权预测，月底和实际赢单比较）。"]
    lines = [f"🎯 预测准确率（月初加权预测 vs 当月实际赢单，误差在{band}以内为准）"]
    for a in found:
        month = f"{a.month.year}年{a.month.month}月"
        if a.error is None:
            lines.append(f"{month}：无预测 · 实际{money_text(a.actual)}")
        else:
            verdict = "✅ 准" if a.within(policy.forecast_tolerance) else f"❌ 超出{band}"
            lines.append(f"{month}：预测{money_text(a.forecast)} · 实际{money_text(a.actual)} · "
                         f"误差{a.error:+.0%} {verdict}")
    measured = [a for a in found if a.error is not None]
    if measured:
        lines.append(f"{len(measured)}个有预测的月份中{sum(bool(a.within(policy.forecast_tolerance)) for a in measured)}"
                     f"个在{band}以内")
    return lines
