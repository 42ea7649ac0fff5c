"""The chat commands: what 帮助, 今天, 客户 张总, 完成 12, 阶段 12 商务谈判, 漏斗, 停滞, 周报, 预测, 团队,
导出, 角色, 健康度 and 能力 answer (bot/intents.py decides that a message is one).

Each handler does one job in the conversation's database thread: it gets an `Asked` (the session,
who asked, the argument as said) and returns the reply text, or a reports.Report (text plus a chart or
a file) for the conversation to send. `run()` is the one dispatch: a command's name -> its handler.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from sqlmodel import Session

from bot import insight_reports, render, reports
from insights.policy import InsightPolicy
from storage import conversation_queries as cq
from storage import deals as deal_ops
from storage.models import Commitment, Deal, Member
from storage.queries import visible_member_ids
from storage.stages import Stage

if TYPE_CHECKING:
    from bot.conversation import Who
    from bot.intents import Command

STAGE_FACTS = {"budget": "预算", "quote": "报价", "deal_amount": "成交金额", "meeting_date": "会面/演示",
               "decision_maker": "决策人"}


@dataclass(frozen=True)
class Asked:
    """One command as a handler sees it."""

    session: Session
    who: "Who"
    member: Member
    arg: str
    stages: list[Stage]
    now: datetime           # the conversation's clock (UTC)
    insights: InsightPolicy = InsightPolicy()  # [insights] of the config


def run(session: Session, *, who: "Who", cmd: "Command", stages: list[Stage], now: datetime,
        insights: InsightPolicy | None = None):
    """Answers one command: the handler named by the command, or the help for an unknown one."""
    handler = HANDLERS.get(cmd.name)
    if handler is None:
        return f"不认识的命令 {cmd.arg}。\n\n{render.HELP}"
    return handler(Asked(session, who, session.get(Member, who.member_id), cmd.arg, stages, now,
                         insights or InsightPolicy()))


# --- the member's own work -------------------------------------------------------------------------

def help_text(asked: Asked) -> str:
    """帮助 / 菜单: what the bot understands."""
    return render.HELP


def start(asked: Asked) -> str:
    """/start from someone who has already joined."""
    return f"你已经是团队成员了（{asked.who.name}）。\n\n{render.HELP}"


def today(asked: Asked) -> str:
    """今天: the member's open commitments due today or earlier."""
    day = datetime.now(asked.who.tz).date()
    rows = cq.commitment_rows(session=asked.session, owner_ids={asked.who.member_id}, until=day)
    return render.today(rows, day)


def done(asked: Asked) -> str:
    """完成 12: marks a commitment the member may see as done."""
    arg, session = asked.arg, asked.session
    if not arg.isdigit():
        return "请这样说：完成 12（12 是待办编号，见“今天”）"
    commitment = session.get(Commitment, int(arg))
    if commitment is None or commitment.owner_id not in visible_member_ids(session=session, member=asked.member):
        return f"没有找到待办 #{arg}。"
    if commitment.state == "done":
        return f"待办 #{arg} 之前已经完成了。"
    deal_ops.complete_commitment(session=session, commitment=commitment, at=asked.now)
    return f"✅ 已完成 #{arg}：{render.day_text(commitment.due_date)} {render.DATE_KINDS.get(commitment.kind, '')}"


def stage(asked: Asked) -> str:
    """阶段 12 商务谈判 (or 赢单 / 丢单): moves a deal the member may see, if its facts allow."""
    parts, session, member = asked.arg.split(), asked.session, asked.member
    names = "、".join(s.name for s in asked.stages)
    if len(parts) != 2 or not parts[0].isdigit():
        return f"请这样说：阶段 12 商务谈判\n可选阶段：{names}、赢单、丢单"
    deal = session.get(Deal, int(parts[0]))
    if deal is None or deal.owner_id not in visible_member_ids(session=session, member=member):
        return f"没有找到商机 #{parts[0]}。"
    wanted = parts[1]
    closed = []
    try:
        if wanted == "丢单":
            closed = deal_ops.lose_deal(session=session, deal=deal, by_id=member.id, at=asked.now)
        elif wanted == "赢单":
            deal_ops.close_deal(session=session, deal=deal, status="won", by_id=member.id, at=asked.now)
        else:
            deal_ops.change_stage(session=session, deal=deal, stage=wanted, stages=asked.stages,
                                  by_id=member.id, at=asked.now)
    except deal_ops.MissingFacts as exc:
        return f"进入“{exc.stage}”之前需要先记录：{'、'.join(STAGE_FACTS.get(m, m) for m in exc.missing)}。"
    except ValueError:
        return f"不能改成“{wanted}”。可选阶段：{names}、赢单、丢单"
    if closed:
        return (f"商机 #{deal.id} 已改为：{wanted}\n它的{len(closed)}条待办已关闭，不再提醒："
                + "、".join(f"#{c}" for c in closed))
    return f"商机 #{deal.id} 已改为：{wanted}"


# --- the reports (bot/reports.py; visibility by role inside) ----------------------------------------

def customer(asked: Asked) -> reports.Report:
    """客户 张总: the customer's profile."""
    return reports.customer_report(session=asked.session, member=asked.member, name=asked.arg, now=asked.now,
                                   stages=asked.stages, insights=asked.insights)


def pipeline(asked: Asked) -> reports.Report:
    """漏斗: open deals per stage."""
    return reports.pipeline_report(session=asked.session, member=asked.member, stages=asked.stages, chart=False)


def stalled(asked: Asked) -> reports.Report:
    """停滞: deals past their stage's time limit, oldest first."""
    return reports.stalled_report(session=asked.session, member=asked.member, stages=asked.stages, now=asked.now,
                                  insights=asked.insights)


def week(asked: Asked) -> reports.Report:
    """周报 / 周报 上周: this week's (or last week's) figures."""
    return reports.week_report(session=asked.session, member=asked.member, now=asked.now,
                               previous=asked.arg.strip() == "上周")


def forecast(asked: Asked) -> reports.Report:
    """预测: open deals by expected closing month."""
    return reports.forecast_report(session=asked.session, member=asked.member, stages=asked.stages, chart=False,
                                   now=asked.now, insights=asked.insights)


def team(asked: Asked) -> reports.Report:
    """团队: each visible rep's activity this week."""
    return reports.team_report(session=asked.session, member=asked.member, now=asked.now)


def export(asked: Asked) -> reports.Report:
    """导出 / 导出 csv: the visible records as XLSX or a ZIP of CSVs."""
    return reports.export_report(session=asked.session, member=asked.member, fmt=asked.arg, now=asked.now)


def role(asked: Asked) -> str:
    """角色 张总 决策人: corrects a contact's decision-chain role."""
    return reports.set_role(session=asked.session, member=asked.member, arg=asked.arg)


# --- the insights (bot/insight_reports.py) -------------------------------------------------------

def health(asked: Asked) -> reports.Report:
    """健康度: the lowest-scoring open deals the member may see, with their reasons."""
    return insight_reports.health_report(session=asked.session, member=asked.member, stages=asked.stages,
                                         policy=asked.insights, now=asked.now)


def radar(asked: Asked) -> reports.Report:
    """能力 / 能力 李雷: a rep's capability radar (text and chart); a rep sees only their own."""
    return insight_reports.radar_report(session=asked.session, member=asked.member, name=asked.arg,
                                        stages=asked.stages, policy=asked.insights, now=asked.now)


def rename(asked: Asked) -> str:
    """改名 李雷: the member's own display name (web-chat members join as 成员, 成员2…)."""
    from storage import people

    if not asked.arg:
        return f"你现在叫“{asked.member.name}”。要改名请发送：改名 新名字（例如：改名 李雷）"
    old = asked.member.name
    try:
        people.rename_member(session=asked.session, member=asked.member, name=asked.arg, by_id=asked.member.id)
    except people.PeopleError as exc:
        return str(exc)
    return f"好的，已把你的名字从“{old}”改为“{asked.member.name}”。"


HANDLERS: dict[str, Callable[[Asked], object]] = {
    "help": help_text, "start": start, "today": today, "done": done, "stage": stage, "customer": customer,
    "pipeline": pipeline, "stalled": stalled, "week": week, "forecast": forecast, "team": team,
    "export": export, "role": role, "health": health, "radar": radar, "rename": rename,
}
