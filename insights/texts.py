"""What the insights say, in Simplified Chinese. Pure string building."""
from __future__ import annotations

from datetime import date

from reminders.texts import OBJECTIONS, money_text

COMPLAINT = {"quality": "质量问题", "service": "服务问题", "complaint": "客户投诉"}


def md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def clip(text: str, size: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "…"


def at_risk(deals: list, at_risk: int, day: date) -> str:
    """The Monday list: `deals` are insights.health.Health, lowest first."""
    lines = [f"🩺 {md(day)} 风险商机（健康度低于{at_risk}分，共{len(deals)}个，最低的在前）"]
    for h in deals[:20]:
        d = h.deal
        lines.append(f"· {h.score}分 #{d.deal_id} {d.customer} · {d.stage} · {d.owner}")
        if h.reasons:
            lines.append("  " + "；".join(h.reasons))
    if len(deals) > 20:
        lines.append(f"……还有{len(deals) - 20}个，发送“健康度”查看。")
    return "\n".join(lines)


def churn(customer: str, owner: str, evidence: list[str]) -> str:
    lines = [f"⚠️ 客户流失预警：{customer}（负责人 {owner}）"]
    lines += [f"· {line}" for line in evidence]
    lines.append("建议尽快回访，了解客户的真实情况。")
    return "\n".join(lines)


def cadence(gap_days: int, median_days: float, history_days: int) -> str:
    return f"已{gap_days}天没有记录，过去{history_days}天里笔记间隔的中位数是{median_days:g}天"


def complaints(found: list[tuple], recent_days: int) -> str:
    said = "；".join(f"{COMPLAINT.get(what, what)}“{clip(text, 30)}”" if text else COMPLAINT.get(what, what)
                    for _, what, text in found[-3:])
    return f"近{recent_days}天质量/服务问题和投诉{len(found)}次：{said}"


def missed_payments(found: list[tuple]) -> str:
    days = "、".join(md(due) for due, _ in found[:5])
    return f"付款逾期{len(found)}笔：{days}"


def coaching(stage: str, stalls: int, days: int, stories: list[dict]) -> str:
    lines = [f"💡 你的商机近{days}天在“{stage}”阶段停滞了{stalls}次。看看团队里走过这一阶段并赢单的案例："]
    if not stories:
        lines.append("团队还没有走过这一阶段的赢单。可以请经理一起复盘卡住的原因。")
    for s in stories:
        amount = f" · {money_text(s['amount'])}" if s.get("amount") else ""
        lines.append(f"✅ {s['customer']}（{s['owner']}）{amount}")
        if not s["pairs"]:
            lines.append("  没有记录到异议。")
        for category, said, answer in s["pairs"]:
            lines.append(f"  异议·{OBJECTIONS.get(category, category)}：“{clip(said)}”")
            lines.append(f"  后来：“{clip(answer)}”" if answer else "  后来：没有记录")
    return "\n".join(lines)


def coaching_manager(rep: str, stage: str, stalls: int, days: int, sent: int) -> str:
    return (f"💡 {rep} 的商机近{days}天在“{stage}”阶段停滞了{stalls}次。已把团队{sent}个走过这一阶段的赢单案例发给 {rep}，"
            f"建议安排一次辅导。")


def brief(team: str, category: str, count: int, baseline: float, days: int, weeks: int, customers: list[str],
          sentences: list[str], rivals: list[tuple[str, int]]) -> str:
    name = OBJECTIONS.get(category, category)
    lines = [f"📋 异议简报：{team} 近{days}天“{name}”异议{count}次（之前{weeks}周平均每{days}天{baseline:.1f}次）",
             f"涉及客户{len(customers)}个：" + "、".join(customers[:10]) + ("……" if len(customers) > 10 else "")]
    if sentences:
        lines.append("客户原话：")
        lines += [f"  “{clip(s, 50)}”" for s in sentences[:8]]
    lines.append("同时提到的竞品：" + ("、".join(f"{n}×{c}" for n, c in rivals) if rivals else "无"))
    return "\n".join(lines)


def radar(found, days: int) -> str:
    """The weekly radar as text: `found` is an insights.radar.Radar."""
    lines = [f"📡 你的本周能力雷达（近{days}天，在{found.reps}名销售中排位，0-100）"]
    for a in found.axes:
        score = "无数据" if a.score is None else f"{round(a.score)}分"
        lines.append(f"{a.name}：{score} · {a.text}")
    lines.append("发送“能力”看雷达图。")
    return "\n".join(lines)
