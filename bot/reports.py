"""The leads' reports: /pipeline /stalled /customer /week /forecast /team /export, and the Monday report.

Each report function reads storage (scoped by visible_member_ids: a rep their own, a manager their
people, a lead the team, an admin every team) and returns a Report: plain text for every channel,
the same text as Telegram HTML and WeCom markdown, and an optional PNG chart or file. to_outbounds()
turns it into the Outbound messages the channels already know how to show.

Decision-chain roles: learn_contact_roles() reads what a note says about a contact (车间主任王工,
张总是老板) with the rules of the common phrase pack ([decision_roles]); set_role() is the chat
correction (角色 张总 决策人).
"""
from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, partial
from typing import Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import charts
from bot import export
from bot.export import export_csv_zip, export_xlsx
from bot.messages import Attachment, Outbound
from bot.render import DATE_KINDS, OBJECTIONS, day_text, money_text, number_text
from storage import report_queries as rq
from storage.deals import set_contact_role
from storage.models import Member, Team, as_utc, utcnow
from storage.notes import name_key
from storage.queries import find_customers, pipeline, sees_unowned, stalled_deals, visible_member_ids
from storage.stages import Stage

log = logging.getLogger(__name__)

ROLE_NAMES = {"decision_maker": "决策人", "user": "使用者", "influencer": "影响者", "unknown": "未知"}
ROLE_WORDS = {"决策人": "decision_maker", "决策者": "decision_maker", "拍板人": "decision_maker",
              "使用者": "user", "使用人": "user", "用户": "user", "使用方": "user",
              "影响者": "influencer", "影响人": "influencer", "未知": "unknown", "不知道": "unknown"}
SCOPES = {"rep": "我的", "manager": "我和下属", "lead": "全队", "admin": "全公司"}
STALLED_SHOWN = 20
CUSTOMERS_SHOWN = 3
EXPORT_NOTES = 20000


@dataclass
class Report:
    """A report as lines: the first is the title; a line ending in ： heads a section."""
    lines: list[str]
    image: Attachment | None = None
    file: Attachment | None = None
    caption: str = ""
    figures: dict = field(default_factory=dict)  # the numbers behind it, for tests and the bench
    draw: Callable[[], Attachment | None] | None = None  # the chart, drawn without the database

    def render_chart(self) -> "Report":
        """Draws the chart (slow: ~0.1-0.3 s of matplotlib; run it off the database thread)."""
        if self.draw is not None and self.image is None:
            self.image = self.draw()
        return self

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def html(self) -> str:
        """Telegram HTML: bold title and section heads, everything else escaped."""
        return "\n".join(f"<b>{html.escape(line)}</b>" if i == 0 or line.endswith("：") else html.escape(line)
                         for i, line in enumerate(self.lines))

    @property
    def markdown(self) -> str:
        """WeCom markdown: the same with **bold** heads."""
        return "\n".join(f"**{line}**" if i == 0 or line.endswith("：") else line
                         for i, line in enumerate(self.lines))


def to_outbounds(report: Report, channel: str, chat_id: str, reply_to: str | None = None) -> list[Outbound]:
    """The text (meta carries its HTML and markdown forms), then the chart or the file."""
    meta = {"html": report.html, "markdown": report.markdown}
    out = [Outbound(channel, chat_id, text=report.text, reply_to=reply_to, meta=meta)]
    if report.image is not None:
        out.append(Outbound(channel, chat_id, image=report.image, text=report.caption))
    if report.file is not None:
        out.append(Outbound(channel, chat_id, file=report.file, text=report.caption))
    return out


# --- scope and time ---------------------------------------------------------------------------

def _scope(session: Session, member: Member) -> tuple[set[int] | None, ZoneInfo, str]:
    """(whose records the member may see, None meaning everyone's; the team's timezone; the scope's label)."""
    team = session.get(Team, member.team_id)
    ids = None if member.role == "admin" else visible_member_ids(session=session, member=member)
    return ids, ZoneInfo(team.timezone or "Asia/Shanghai"), SCOPES.get(member.role, "")


def week_window(now: datetime, tz: ZoneInfo, *, previous: bool = False) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the team's timezone: this week, or the one before."""
    local = as_utc(now).astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday() + (7 if previous else 0))
    start = datetime.combine(monday, time.min, tzinfo=tz)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=tz)


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


# --- /pipeline ---------------------------------------------------------------------------------

def pipeline_report(*, session: Session, member: Member, stages: list[Stage], chart: bool = True) -> Report:
    ids, _, scope = _scope(session, member)
    rows = pipeline(session=session, stages=stages, member_ids=ids)
    deals = sum(r.count for r in rows)
    amount, weighted = sum(r.amount for r in rows), sum(r.weighted for r in rows)
    figures = {"stages": [(r.stage, r.count, r.amount, r.weighted) for r in rows], "deals": deals,
               "amount": amount, "weighted": weighted}
    if not deals:
        return Report(["📊 销售漏斗", "漏斗里还没有进行中的商机。发一条客户笔记就会自动建立。"], figures=figures)
    lines = [f"📊 销售漏斗（{scope}，进行中）"]
    lines += [f"{r.stage}：{r.count}个 · {money_text(r.amount)} · 加权{money_text(r.weighted)}"
              for r in rows if r.count]
    lines.append(f"合计：{deals}个商机 · {money_text(amount)} · 加权预测{money_text(weighted)}")
    report = Report(lines, figures=figures, caption="销售漏斗",
                    draw=partial(_chart, partial(charts.pipeline_chart, title=f"销售漏斗（{scope}，进行中）"), rows,
                                 "pipeline.png"))
    return report.render_chart() if chart else report


def _chart(draw, rows, filename: str) -> Attachment | None:
    """A chart, or None (the text still goes out) when the font cannot show it."""
    try:
        return Attachment(draw(rows), filename, "image/png")
    except charts.ChartFontError:
        log.exception("reports: chart %s not drawn", filename)
        return None


# --- /stalled ----------------------------------------------------------------------------------

def stalled_report(*, session: Session, member: Member, stages: list[Stage], now: datetime | None = None,
                   insights=None) -> Report:
    ids, _, scope = _scope(session, member)
    now = as_utc(now) if now else utcnow()
    rows = stalled_deals(session=session, stages=stages, now=now, member_ids=ids, limit=STALLED_SHOWN)
    count = len(rows) if len(rows) < STALLED_SHOWN else rq.stalled_count(session=session, stages=stages, now=now,
                                                                         member_ids=ids)
    figures = {"count": count, "rows": [(r.deal_id, r.customer, r.stage, r.days, r.limit, r.owner) for r in rows]}
    if not rows:
        return Report(["⏸ 停滞的商机", "没有停滞的商机。👍"], figures=figures)
    health = _health(session, member, stages, insights, now, [r.deal_id for r in rows])
    figures["health"] = {i: score for i, (score, _) in health.items()}
    lines = [f"⏸ 停滞的商机（{scope}，共{count}个，最久的在前）"]
    for r in rows:
        lines.append(f"#{r.deal_id} {r.customer} · {r.stage} 已{r.days}天（上限{r.limit}天）· {r.owner}"
                     + (f" · 健康度{health[r.deal_id][0]}分" if r.deal_id in health else ""))
    if count > len(rows):
        lines.append(f"……还有{count - len(rows)}个未列出。")
    return Report(lines, figures=figures)


# --- /customer ---------------------------------------------------------------------------------

def _health(session, member, stages, insights, now, deal_ids) -> dict:
    """deal id -> (health score, reasons) of those open deals ({} without stages or deals)."""
    if not stages or not deal_ids:
        return {}
    from bot.insight_reports import deal_scores
    from insights.policy import InsightPolicy

    return deal_scores(session=session, member=member, stages=stages, policy=insights or InsightPolicy(), now=now,
                       deal_ids=deal_ids)


def customer_report(*, session: Session, member: Member, name: str, now: datetime | None = None,
                    stages: list[Stage] | None = None, insights=None) -> Report:
    name = (name or "").strip()
    if not name:
        return Report(["👤 客户档案", "请说客户名，例如：客户 张总"])
    ids, tz, _ = _scope(session, member)
    today = (as_utc(now) if now else utcnow()).astimezone(tz).date()
    teams = _team_ids(session, member)
    unowned = sees_unowned(member)
    found = [c for team_id in teams for c in find_customers(session=session, team_id=team_id, text=name,
                                                             member_ids=ids, unowned=unowned)]
    profiles = []
    for customer in found:
        facts = rq.customer_facts(session=session, customer_id=customer.id, member_ids=ids, today=today,
                                  timezone=tz.key, unowned=unowned)
        if facts is not None:
            profiles.append(facts)
    if not profiles:
        return Report(["👤 客户档案", f"没有找到你能查看的客户“{name}”。"])
    open_ids = [d.deal_id for f in profiles[:CUSTOMERS_SHOWN] for d in f.deals if d.status == "open"]
    health = _health(session, member, stages, insights, now, open_ids)
    lines = []
    for facts in profiles[:CUSTOMERS_SHOWN]:
        lines += _customer_lines(facts, tz, health)
        lines += _ops_lines(session, member, facts.customer_id, tz)  # phones (masked) and changes
        lines.append("")
    if len(profiles) > CUSTOMERS_SHOWN:
        lines.append("还有：" + "、".join(f.name for f in profiles[CUSTOMERS_SHOWN:]) + "。请说得更具体一些。")
    return Report(lines[:-1] if lines[-1] == "" else lines, figures={"customers": profiles,
                                                                     "health": {i: sc for i, (sc, _) in health.items()}})


def _ops_lines(session: Session, member: Member, customer_id: int, tz: ZoneInfo) -> list[str]:
    from bot.ops_chat import customer_lines

    return customer_lines(session, member, customer_id, tz)


def _team_ids(session: Session, member: Member) -> list[int]:
    if member.role != "admin":
        return [member.team_id]
    from sqlmodel import select
    return list(session.exec(select(Team.id).order_by(Team.id)).all())


def _customer_lines(facts: rq.CustomerFacts, tz: ZoneInfo, health: dict | None = None) -> list[str]:
    lines = [f"👤 {facts.name}"]
    if facts.contacts:
        lines.append("联系人：" + "、".join(f"{n}（{ROLE_NAMES.get(r, r)}）" for n, r in facts.contacts))
    for d in facts.deals:
        status = {"open": d.stage, "won": f"赢单（{d.stage}）", "lost": f"丢单（{d.stage}）"}.get(d.status, d.status)
        parts = [f"商机 #{d.deal_id} · {status}"]
        if d.amount:
            parts.append(money_text(d.amount))
        if d.expected_close:
            parts.append(f"预计{_md(d.expected_close)}成交")
        parts.append(d.owner)
        covered = 3 - len(d.missing)
        chain = f"决策链 {covered}/3" + ("" if not d.missing else "，缺" + "、".join(ROLE_NAMES[m] for m in d.missing))
        lines.append(" · ".join(parts) + " · " + chain)
        if health and d.deal_id in health:
            from bot.insight_reports import health_line

            lines.append("  " + health_line(*health[d.deal_id]))
    if facts.items:
        lines.append("产品：" + "；".join(f"{p} {number_text(q)}{u}" for p, q, u in facts.items[:6]))
    o = facts.outcomes
    if o.due:
        lines.append(f"承诺：按时兑现{o.kept} · 延迟完成{o.late} · 未兑现{o.broken} · 待到期{o.pending}")
    if facts.objections:
        lines.append("异议：" + "、".join(f"{OBJECTIONS.get(c, c)}×{n}" for c, n in facts.objections))
    if facts.competitors:
        lines.append("竞品：" + "、".join(f"{c}×{n}" for c, n in facts.competitors))
    open_ones = [c for c in facts.commitments if c.state == "open"]
    if open_ones:
        lines.append("待办：")
        lines += [f"  #{c.id} {day_text(c.due_date)} {DATE_KINDS.get(c.kind, '其他')}" for c in open_ones[:8]]
    if facts.notes:
        lines.append(f"最近笔记（{len(facts.notes)}条）：")
        for at, author, text in facts.notes:
            local = at.astimezone(tz)
            lines.append(f"  {_md(local.date())} {author}：{text[:40]}" + ("…" if len(text) > 40 else ""))
    return lines


# --- /week and the Monday report -------------------------------------------------------------

def week_report(*, session: Session, member: Member, now: datetime | None = None, previous: bool = False) -> Report:
    ids, tz, scope = _scope(session, member)
    return _week(session, ids, tz, scope, now, previous)


def team_week_report(*, session: Session, team: Team, now: datetime | None = None) -> Report:
    """The Monday report for a team's leads: the week that just ended, the whole team."""
    from sqlmodel import select
    ids = set(session.exec(select(Member.id).where(Member.team_id == team.id)).all())
    return _week(session, ids, ZoneInfo(team.timezone or "Asia/Shanghai"), team.name, now, True)


def _week(session, ids, tz, scope, now, previous) -> Report:
    now = as_utc(now) if now else utcnow()
    start, end = week_window(now, tz, previous=previous)
    f = rq.week_figures(session=session, member_ids=ids, start=start, end=end,
                        today=now.astimezone(tz).date(), timezone=tz.key)
    last = end.date() - timedelta(days=1)
    lines = [f"🗓 周报 {_md(start.date())}—{_md(last)}（{scope}）",
             f"新增商机：{f.new_deals.count}个" + (f" · {money_text(f.new_deals.amount)}" if f.new_deals.amount else ""),
             f"阶段推进：{f.stage_moves}次" + (
                 "（" + "，".join(f"{a}→{b} {n}" for a, b, n in f.moves[:3]) + "）" if f.moves else ""),
             f"赢单：{f.won.count}个" + (f" · {money_text(f.won.amount)}" if f.won.amount else "")
             + f"；丢单：{f.lost.count}个" + (f" · {money_text(f.lost.amount)}" if f.lost.amount else "")]
    c = f.commitments
    settled = c.kept + c.late + c.broken
    lines.append(f"承诺：到期{c.due}个，按时兑现{c.kept}，延迟完成{c.late}，未兑现{c.broken}，待到期{c.pending}"
                 f"（兑现率{_percent(c.kept, settled)}）")
    lines.append("主要异议：" + ("、".join(f"{OBJECTIONS.get(k, k)} {n}" for k, n in f.objections) or "无"))
    lines.append("主要竞品：" + ("、".join(f"{k} {n}" for k, n in f.competitors) or "无"))
    lines.append("决策链穿透率：" + ("；".join(f"{t.team} {_percent(t.covered, t.deals)}（{t.covered}/{t.deals}）"
                                          for t in f.coverage) or "没有进行中的商机"))
    from bot.lead_report import week_lines  # leads: first-touch and touchpoint response times

    lines += week_lines(session=session, member_ids=ids, start=start, end=end)
    lines.append("各人：")
    lines += [f"  {_rep_line(r)}" for r in f.reps] or ["  本周还没有动态。"]
    return Report(lines, figures={"week": f})


def _rep_line(r: rq.RepWeek) -> str:
    return (f"{r.name}：笔记{r.notes} · 新商机{r.new_deals} · 推进{r.stage_moves} · 赢单{r.won} · 丢单{r.lost}"
            f" · 兑现{r.kept} · 未兑现{r.broken}")


# --- /forecast and /team -----------------------------------------------------------------------

UNDATED_SHOWN = 10


def forecast_report(*, session: Session, member: Member, stages: list[Stage], chart: bool = True,
                    now: datetime | None = None, insights=None) -> Report:
    """Open deals by expected close month; with `insights` ([insights] policy) the accuracy of the
    months before (bot/insight_reports.py) after them."""
    ids, _, scope = _scope(session, member)
    months = rq.forecast(session=session, stages=stages, member_ids=ids)
    figures = {"months": [(m.month, m.count, m.amount, m.weighted) for m in months]}
    accuracy = []
    if insights is not None:
        from bot.insight_reports import accuracy_lines

        accuracy = accuracy_lines(session=session, member=member, policy=insights, now=now)
    if not months:
        return Report(["📈 成交预测", "没有进行中的商机。", *accuracy], figures=figures)
    lines = [f"📈 成交预测（{scope}，按预计成交月）"]
    lines += [f"{charts.month_label(m.month)}：{m.count}个 · 金额{money_text(m.amount)} · 加权{money_text(m.weighted)}"
              for m in months]
    dated = [m for m in months if m.month is not None]
    lines.append(f"合计加权（有预计成交日的）：{money_text(sum(m.weighted for m in dated))}")
    undated = next((m.count for m in months if m.month is None), 0)
    if undated:   # what the forecast cannot place: a close date said in a note (预计下月签) places it
        shown = rq.undated_deals(session=session, member_ids=ids, limit=UNDATED_SHOWN)
        more = f" 等{undated}个" if undated > len(shown) else ""
        lines.append("未定成交日：" + "、".join(f"{name}（#{i}）" for i, name in shown) + more
                     + "。回复卡片说“预计下月签”即可补上。")
    lines += accuracy
    if not dated:
        return Report(lines, figures=figures)
    report = Report(lines, figures=figures, caption="成交预测",
                    draw=partial(_chart, partial(charts.forecast_chart, title=f"成交预测（{scope}，按预计成交月）"),
                                 months, "forecast.png"))
    return report.render_chart() if chart else report


def team_report(*, session: Session, member: Member, now: datetime | None = None) -> Report:
    """Per-rep activity this week (the reps this member may see)."""
    ids, tz, scope = _scope(session, member)
    now = as_utc(now) if now else utcnow()
    start, end = week_window(now, tz)
    f = rq.week_figures(session=session, member_ids=ids, start=start, end=end,
                        today=now.astimezone(tz).date(), timezone=tz.key)
    lines = [f"👥 团队本周动态（{scope}，{_md(start.date())}起）"]
    lines += [_rep_line(r) for r in f.reps] or ["本周还没有动态。"]
    return Report(lines, figures={"reps": f.reps})


# --- /export -----------------------------------------------------------------------------------

def export_report(*, session: Session, member: Member, fmt: str = "xlsx", now: datetime | None = None) -> Report:
    """Deals, notes and commitments the member may see: one XLSX (three sheets) or a ZIP of three CSVs."""
    ids, tz, scope = _scope(session, member)
    fmt = (fmt or "xlsx").strip().lower()
    if fmt not in ("xlsx", "excel", "csv", ""):
        return Report(["📎 导出", "可以导出 xlsx 或 csv，例如：导出 或 /export csv"])
    tables = rq.export_rows(session=session, member_ids=ids,
                            notes_limit=EXPORT_NOTES)
    tables = {name: (head, [tuple(_cell(v, tz) for v in row) for row in rows]) for name, (head, rows) in tables.items()}
    stamp = (as_utc(now) if now else utcnow()).astimezone(tz).strftime("%Y%m%d")
    if fmt == "csv":
        file = Attachment(export_csv_zip(tables), f"销售记录_{stamp}.zip", "application/zip")
    else:
        file = Attachment(export_xlsx(tables), f"销售记录_{stamp}.xlsx", export.XLSX_MIME)
    counts = {name: len(rows) for name, (_, rows) in tables.items()}
    lines = [f"📎 导出（{scope}）",
             f"商机{counts['deals']}条、笔记{counts['notes']}条、待办{counts['commitments']}条"]
    if counts["notes"] >= EXPORT_NOTES:
        lines.append(f"笔记只导出最近{EXPORT_NOTES}条。")
    return Report(lines, file=file, caption=file.filename, figures={"counts": counts, "tables": tables})


def _cell(value, tz: ZoneInfo):
    """Times in the team's timezone as text a spreadsheet shows as it is; dates as ISO days."""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


# --- decision-chain roles ------------------------------------------------------------------------

@cache
def role_rules() -> dict[str, tuple[str, ...]]:
    """[decision_roles] of the common phrase pack: role -> words, longest first."""
    try:
        from nlu.lexicon import common
        table = common().get("decision_roles") or {}
    except Exception:  # no pack, no learning: titles still give a first guess
        log.exception("reports: no [decision_roles] in the common pack")
        table = {}
    return {role: tuple(sorted(map(str, words), key=len, reverse=True)) for role, words in table.items()
            if role in ROLE_NAMES and isinstance(words, list)}


BREAK = "，,。；;！!？?\n"


def role_from_text(text: str, name: str, rules: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The role a note gives a contact: a role word just before the name (车间主任王工, 财务李姐) or
    after it with 是/为/担任/负责 or a bracket (张总是老板, 李工（技术负责人）). Longest word wins."""
    rules = role_rules() if rules is None else rules
    if not name or name not in text:
        return None
    gap = f"[^{BREAK}]"
    best: tuple[int, str] | None = None
    for role, words in rules.items():
        for word in words:
            if word not in text:   # both patterns need the word: no pattern compiled for it
                continue
            w, n = re.escape(word), re.escape(name)
            before = re.search(f"{w}{gap}{{0,4}}?{n}", text)
            after = re.search(f"{n}(?:是|为|担任|负责|作为|[（(]){gap}{{0,6}}?{w}", text)
            if (before or after) and (best is None or len(word) > best[0]):
                best = (len(word), role)
    return best[1] if best else None


def learn_contact_roles(*, session: Session, note_id: int) -> list[tuple[str, str]]:
    """After a note is stored: contacts of its customer whose role the note states get that role.
    Returns (contact name, role) for each change."""
    text, contacts = rq.note_contacts(session=session, note_id=note_id)
    changed = []
    for contact in contacts:
        role = role_from_text(text, contact.name)
        if role and role != contact.role:
            set_contact_role(session=session, contact=contact, role=role)
            changed.append((contact.name, role))
    return changed


def set_role(*, session: Session, member: Member, arg: str) -> str:
    """角色 张总 决策人 / 角色 盒马 张总 使用者: corrects a contact's decision-chain role."""
    parts = (arg or "").split()
    usage = "请这样说：角色 张总 决策人（可选：决策人、使用者、影响者、未知；同名时加客户名：角色 盒马 张总 决策人）"
    if len(parts) not in (2, 3) or parts[-1] not in ROLE_WORDS:
        return usage
    customer_name = parts[0] if len(parts) == 3 else None
    contact_name, role = parts[-2], ROLE_WORDS[parts[-1]]
    ids = None if member.role == "admin" else visible_member_ids(session=session, member=member)
    found = rq.contacts_named(session=session, name_key=name_key(contact_name),
                              member_ids=ids, team_ids=_team_ids(session, member))
    if customer_name:
        found = [(c, cust) for c, cust in found if name_key(customer_name) in name_key(cust)]
    if not found:
        return f"没有找到你能查看的联系人“{contact_name}”。"
    if len(found) > 1:
        return (f"有{len(found)}位“{contact_name}”：" + "、".join(cust for _, cust in found)
                + f"。请加上客户名，例如：角色 {found[0][1]} {contact_name} {parts[-1]}")
    contact, customer = found[0]
    set_contact_role(session=session, contact=contact, role=role)
    return f"已把 {contact.name}（{customer}）设为：{ROLE_NAMES[role]}"
