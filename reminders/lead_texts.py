"""What the lead, touchpoint, risk and renewal notices say, in Simplified Chinese. Strings only."""
from __future__ import annotations

from reminders.texts import day_text, money_text

TOUCH_KINDS = {"form": "表单", "message": "留言", "call": "来电", "complaint": "投诉"}


def lead_label(lead) -> str:
    parts = [p for p in (lead.label,) if p]
    return parts[0] if parts else f"线索 #{lead.id}"


def lead_lines(lead) -> list[str]:
    lines = []
    if getattr(lead, "region", ""):
        lines.append(f"地区：{lead.region}")
    if getattr(lead, "product", ""):
        lines.append(f"意向产品：{lead.product}")
    if getattr(lead, "budget", None):
        lines.append(f"预算：{money_text(lead.budget)}")
    return lines


def offer(lead, score: float, again: int = 0) -> str:
    head = "🔥 新线索还没人认领（再次提醒）" if again else "🆕 新线索"
    lines = [f"{head} #{lead.id}：{lead_label(lead)}（评分 {score:.0f}）", *lead_lines(lead),
             "认领后请尽快联系客户；联系后记一条笔记或点“已联系”。"]
    return "\n".join(lines)


def claimed(lead_id: int, label: str, phone: str) -> str:
    contact = f"\n电话：{phone}" if phone else ""
    return f"✅ 你已认领线索 #{lead_id}：{label}{contact}\n联系客户后记一条笔记或点“已联系”。"


def late(lead, score: float, who: str | None, hours: float) -> str:
    state = f"{who} 认领后" if lead.owner_id else (f"已推送给 {who}，" if who else "")
    return f"⚠️ 线索 #{lead.id}「{lead_label(lead)}」（评分 {score:.0f}）{state}超过 {hours:g} 小时还没有联系客户。"


def touch(t, unowned: bool) -> str:
    kind = TOUCH_KINDS.get(t.kind, t.kind)
    head = f"📣 客户「{t.customer}」{kind}" if t.customer else f"📣 新的客户{kind}（未匹配到客户）"
    said = f"：{t.text[:200]}" if t.text else ""
    tail = "处理后点“已处理”或记一条这位客户的笔记。" if not unowned else "这位客户没有负责人，请安排跟进；处理后点“已处理”。"
    return f"{head} #{t.id}{said}\n{tail}"


def touch_late(t, who: str | None, hours: float) -> str:
    kind = TOUCH_KINDS.get(t.kind, t.kind)
    owner = f"{who} " if who else "仍然"
    return f"⚠️ 客户「{t.customer or '未匹配'}」的{kind} #{t.id} 已超过 {hours:g} 小时，{owner}还没有处理：{t.text[:100]}"


def renewal(r, owner: str | None) -> str:
    who = f"{owner} 的客户" if owner else "你的客户"
    lines = [f"📅 续约提醒：{who}「{r.customer}」的合同 {day_text(r.end_date)} 到期。"]
    if r.record:
        lines.append(r.record)
    lines.append("请提前安排续约沟通。" if owner is None else "请关注续约进展。")
    return "\n".join(lines)


def risk(author: str, customer: str | None, risks: list[dict]) -> str:
    about = f"（客户：{customer}）" if customer else ""
    lines = [f"⚠️ {author} 的笔记里有超出标准条款的口头承诺{about}："]
    said: dict[str, list[str]] = {}     # one line per sentence, its phrases together (not once per phrase)
    for r in risks:
        phrases = said.setdefault(str(r.get("text", "")), [])
        if r.get("phrase") and r["phrase"] not in phrases:
            phrases.append(str(r["phrase"]))
    lines += [f"· “{text}”（{'、'.join(phrases)}）" for text, phrases in list(said.items())[:5]]
    return "\n".join(lines)


def card_warning(risks: list[dict]) -> str:
    """The line under a note's card."""
    phrases = "、".join(dict.fromkeys(str(r.get("phrase", "")) for r in risks if isinstance(r, dict)))
    return f"⚠️ 口头承诺风险：{phrases}——合同没有写的不要承诺，已告知经理。"
