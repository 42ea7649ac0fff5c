"""What the reminders say, in Simplified Chinese. Pure string building, no clock."""
from __future__ import annotations

from datetime import date

KINDS = {"delivery": "交货", "followup": "跟进", "meeting": "会面", "payment": "付款", "trial": "试用",
         "deadline": "截止", "other": "待办"}
OBJECTIONS = {"price": "价格", "delivery_time": "交期", "quality": "质量", "budget": "预算",
              "decision_delay": "决策拖延", "competitor": "倾向竞品", "payment_terms": "账期付款",
              "service": "服务", "spec": "规格参数"}
MONEY = {"budget": "预算", "quote": "报价"}
WEEKDAYS = "一二三四五六日"


def day_text(day: date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def money_text(amount: float) -> str:
    if amount >= 10_000:
        value = amount / 10_000
        return f"{value:,.0f}万元" if value == int(value) else f"{value:,.2f}万元"
    return f"{amount:,.0f}元"


def promise_line(kind: str, due: date, customer: str | None, text: str, ident: int) -> str:
    who = f"（{customer}）" if customer else ""
    said = f"\n   原话：{text[:60]}" if text else ""
    return f"#{ident} {day_text(due)} {KINDS.get(kind, '待办')}{who}{said}"


def nudge(kind: str, due: date, customer: str | None, text: str, ident: int) -> str:
    return (f"⏰ 提醒：这项承诺 {day_text(due)} 到期——\n{promise_line(kind, due, customer, text, ident)}\n"
            "办完了回复“完成”，要改期回复“推迟到周五”这样的日期。")


def digest(lines: list[str], day: date) -> str:
    head = f"☀️ 今天（{day_text(day)}）要兑现的承诺 {len(lines)} 项："
    tail = "办完一项回复“完成 编号”，例如：完成 12。" if len(lines) > 1 else "办完了回复“完成”，要改期回复“推迟到…”。"
    return "\n".join([head, *lines, tail])


def recap(lines: list[str]) -> str:
    head = f"🌙 今天你答应了客户{len(lines)}件事："
    return "\n".join([head, *lines, "办完的点“完成”，要改期点“推迟”或回复“推迟到周五”。"])


def escalation(owner: str, kind: str, due: date, customer: str | None, text: str, ident: int) -> str:
    return f"⚠️ {owner} 的承诺已逾期未完成：\n{promise_line(kind, due, customer, text, ident)}"


def idle_owner(customer: str, stage: str, days: int) -> str:
    return f"💤 客户「{customer}」已经 {days} 天没有跟进记录了（阶段：{stage}）。跟进后发一条笔记就好。"


def idle_manager(owner: str, customer: str, stage: str, days: int) -> str:
    return f"💤 {owner} 的客户「{customer}」已经 {days} 天没有任何跟进（阶段：{stage}）。"


def stall_owner(customer: str, stage: str, days: int) -> str:
    return f"🐢 客户「{customer}」在「{stage}」阶段已停留满 {days} 天（该阶段的上限）。下一步打算怎么推进？"


def stall_manager(owner: str, customer: str, stage: str, days: int) -> str:
    return f"🐢 {owner} 的客户「{customer}」在「{stage}」阶段已停留满 {days} 天（该阶段的上限）。"


def big_deal(author: str, customer: str | None, kind: str, amount: float) -> str:
    return f"💰 大单：{author} 记录客户「{customer or '未知客户'}」{MONEY.get(kind, '金额')} {money_text(amount)}。"


def repeated_objection(author: str, customer: str | None, category: str, count: int) -> str:
    return (f"🔁 客户「{customer or '未知客户'}」第 {count} 次提出「{OBJECTIONS.get(category, category)}」方面的异议"
            f"（{author} 记录）。")


def late_competitor(author: str, customer: str | None, stage: str, competitor: str) -> str:
    return f"⚔️ 客户「{customer or '未知客户'}」已到「{stage}」阶段，仍提到竞品「{competitor}」（{author} 记录）。"


def batch(texts: list[str]) -> str:
    numbered = [f"{i}. {t}" for i, t in enumerate(texts, 1)]
    return "\n".join([f"📋 需要您关注的 {len(texts)} 件事：", *numbered])
