"""Chinese text for people: note cards, answers, and the plain-text lists of the chat commands."""
from __future__ import annotations

from datetime import date, timedelta

DATE_KINDS = {"delivery": "交货", "followup": "跟进", "meeting": "会面", "payment": "付款", "trial": "试用",
              "deadline": "截止", "other": "其他"}
MONEY_KINDS = {"budget": "预算", "quote": "报价", "deal": "成交", "competitor_price": "竞品价", "other": "其他金额"}
OBJECTIONS = {"price": "价格", "delivery_time": "交期", "quality": "质量", "budget": "预算",
              "decision_delay": "决策拖延", "competitor": "倾向竞品", "payment_terms": "账期付款",
              "service": "服务", "spec": "规格参数"}
ROLES = {"rep": "销售", "manager": "经理", "lead": "主管", "admin": "管理员"}
WEEKDAYS = "一二三四五六日"

HELP = """我是销售语音助手。直接发语音或文字笔记，例如：
  张总，A型号订50台，3月15日发货
我会整理成记录并在到期前提醒你。

命令（也可以直接发中文）：
/today 今天 — 我今天到期的待办
/customer 客户 张总 — 客户档案
/done 完成 12 — 完成第12号待办
/stage 阶段 12 商务谈判 — 改商机阶段
/pipeline 漏斗 — 销售漏斗
/stalled 停滞 — 停滞的商机
/week 周报 — 本周周报（周报 上周）
/forecast 预测 — 按预计成交月的预测
/team 团队 — 每个人本周的动态
/export 导出 — 导出商机、笔记、待办（导出 csv）
/role 角色 张总 决策人 — 改联系人在决策链中的角色
/health 健康度 — 商机健康度，最低的在前，附原因
/radar 能力 李雷 — 销售能力雷达图（不写名字看自己的）
/rename 改名 李雷 — 改自己的名字

记录有误时直接回复：不是80台，是100台 / 交货改到下周四 / 客户是恒通机械 / 预计下月签 / 撤回"""

REFUSAL = ("你好，我是团队内部使用的销售助手，暂时无法为你服务。\n"
           "如果你是团队成员，请向管理员索取邀请码，然后发送：/start 邀请码（或：加入 邀请码）")
RECEIVED_VOICE = "收到，正在识别…"
SORRY = "抱歉，处理这条消息时出了点问题，已记下，请稍后再试。"
NOT_HEARD = "没有听清，请再说一遍，或者直接打字。"
FIX_HELP = "直接回复要改的内容即可，例如：\n数量改成60\n客户是王总\n日期不对，是3月18日\n推迟到下周一\n撤回"


def day_text(value: date | str | None) -> str:
    """2026-03-15 -> 3月15日（周日）."""
    if value is None:
        return "?"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.month}月{value.day}日（周{WEEKDAYS[value.weekday()]}）"


def number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def money_text(amount) -> str:
    """128000 -> 12.8万元; 6.5 -> 6.5元."""
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        return str(amount)
    if abs(amount) >= 99_999_500:  # what would round to 10000万
        return f"{number_text(round(amount / 100_000_000, 2))}亿元"
    if abs(amount) >= 10000:
        return f"{number_text(round(amount / 10000, 2))}万元"
    return f"{number_text(round(amount, 2))}元"


def customer_text(customer: dict | None) -> str:
    if not customer:
        return "未识别"
    name, company = customer.get("name"), customer.get("company")
    if name and company:
        return f"{name}（{company}）"
    return name or company or "未识别"


def card(*, note_id: int, extraction: dict, commitments: list[dict], transcript: str | None = None,
         customer_label: str | None = None, deal: dict | None = None, title: str = "已记录") -> str:
    """The card a rep gets for a note: what was understood and what it created."""
    lines = []
    if transcript is not None:
        lines.append(f"🎤 识别：{transcript}")
    lines.append(f"📝 {title} #{note_id}")
    lines.append(f"客户：{customer_label or customer_text(extraction.get('customer'))}")
    items = [i for i in extraction.get("items") or [] if isinstance(i, dict)]
    if items:
        lines.append("产品：" + "；".join(
            f"{i.get('product') or '（未说产品）'} {number_text(i.get('quantity'))}{i.get('unit') or ''}" for i in items))
    dates = [d for d in extraction.get("dates") or [] if isinstance(d, dict)]
    if dates:
        lines.append("日期：" + "；".join(
            f"{day_text(d.get('date'))} {DATE_KINDS.get(d.get('kind'), '其他')}"
            + ("（已发生）" if d.get("status") == "reported" else "") for d in dates))
    money = [m for m in extraction.get("money") or [] if isinstance(m, dict)]
    if money:
        lines.append("金额：" + "；".join(f"{MONEY_KINDS.get(m.get('kind'), '金额')} {money_text(m.get('amount'))}"
                                        for m in money))
    objections = extraction.get("objections") or []
    if objections:
        lines.append("异议：" + "、".join(OBJECTIONS.get(o, o) for o in objections))
    competitors = extraction.get("competitors") or []
    if competitors:
        lines.append("竞品：" + "、".join(competitors))
    risks = [r for r in extraction.get("risks") or [] if isinstance(r, dict)]
    if risks:  # the leads issue: verbal promises beyond standard terms
        from reminders.lead_texts import card_warning

        lines.append(card_warning(risks))
    close = close_text(extraction.get("expected_close"))
    if close:
        lines.append(f"预计成交：{close}")
    if deal:
        lines.append(f"商机：#{deal['id']} {deal['stage']}" + (f"（新）" if deal.get("new") else ""))
    if commitments:
        lines.append("已建待办：")
        lines += [f"  #{c['id']} {day_text(c['due_date'])} {DATE_KINDS.get(c['kind'], '其他')}" for c in commitments]
    if len(lines) <= 3 and not items and not dates and not money:
        lines.append("（没有识别到产品、日期或金额）")
    return "\n".join(lines)


def close_text(close) -> str | None:
    """The expected close as a rep would say it: 1月11日–1月20日 (1月中旬), 2027年第一季度, 12月25日."""
    if not isinstance(close, dict):
        return None
    try:
        start, end = date.fromisoformat(close["start"]), date.fromisoformat(close["end"])
    except (KeyError, TypeError, ValueError):
        return None
    grain = close.get("grain")
    last = end - timedelta(days=1)
    if grain == "quarter" and start.day == 1 and start.month % 3 == 1 and (last - start).days > 80:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if grain == "year" and (last - start).days > 300:
        return f"{start.year}年内"
    if last <= start:
        return day_text(start)
    return f"{start.month}月{start.day}日–{last.month}月{last.day}日"


def commitment_lines(rows) -> list[str]:
    return [f"#{r.id} {day_text(r.due_date)} {DATE_KINDS.get(r.kind, '其他')}"
            + (f" · {r.customer}" if r.customer else "") + (f" · {r.owner}" if getattr(r, "show_owner", False) else "")
            for r in rows]


def today(rows, today_day: date) -> str:
    if not rows:
        return "今天没有到期的待办。👍"
    overdue = [r for r in rows if r.due_date < today_day]
    due = [r for r in rows if r.due_date >= today_day]
    parts = []
    if overdue:
        parts += ["⚠️ 已逾期："] + commitment_lines(overdue)
    if due:
        parts += ["📅 今天到期："] + commitment_lines(due)
    parts.append("完成后回复：完成 编号")
    return "\n".join(parts)


def pipeline(deals, stages) -> str:
    """deals: (Deal, customer, owner); stages: configured order with win probabilities."""
    if not deals:
        return "漏斗里还没有商机。发一条客户笔记就会自动建立。"
    lines = ["📊 销售漏斗（进行中）"]
    total = weighted = 0.0
    for stage in stages:
        here = [d for d, _, _ in deals if d.stage == stage.name]
        if not here:
            continue
        amount = sum(d.amount or 0 for d in here)
        total += amount
        weighted += amount * stage.probability
        lines.append(f"{stage.name}：{len(here)}个" + (f"，{money_text(amount)}" if amount else ""))
    lines.append(f"合计：{len(deals)}个商机，{money_text(total)}；加权预测 {money_text(weighted)}")
    return "\n".join(lines)


def stalled(rows) -> str:
    """rows: (Deal, customer, owner, days in stage, limit)."""
    if not rows:
        return "没有停滞的商机。👍"
    lines = ["⏸ 停滞的商机："]
    lines += [f"#{d.id} {customer} · {d.stage} 已{days}天（上限{limit}天）· {owner}"
              for d, customer, owner, days, limit in rows]
    return "\n".join(lines)


def week(rows, since: date) -> str:
    lines = [f"🗓 本周周报（{since.month}月{since.day}日起）"]
    if not rows:
        lines.append("还没有数据。")
    for name, notes, made, done in rows:
        lines.append(f"{name}：笔记{notes}条，新待办{made}个，完成{done}个")
    return "\n".join(lines)


def customer_profile(customer, deals, contacts, notes, commitments) -> str:
    lines = [f"👤 {customer.name}"]
    if contacts:
        lines.append("联系人：" + "、".join(c.name for c in contacts))
    for d in deals:
        status = {"open": d.stage, "won": "赢单", "lost": "丢单"}.get(d.status, d.status)
        lines.append(f"商机 #{d.id}：{status}" + (f"，{money_text(d.amount)}" if d.amount else ""))
    if commitments:
        lines.append("待办：")
        lines += [f"  #{c.id} {day_text(c.due_date)} {DATE_KINDS.get(c.kind, '其他')}" for c in commitments]
    if notes:
        lines.append("最近笔记：")
        lines += [f"  {n.received_at.month}月{n.received_at.day}日 {(n.transcript or n.raw_text or '')[:40]}" for n in notes]
    return "\n".join(lines)
