"""The conversation's side of leads, touchpoints, stage rules and renewals.

- Buttons: lclaim:<lead> / lpass:<lead> under an offer, lcontact:<lead> after a claim, tdone:<id>
  under a touchpoint. Words: 已联系 [编号], 已处理 [编号] (without a number: the one open item, or a
  question listing them).
- After each stored note: it is the first touch of a claimed lead on that customer, it handles the
  customer's open touchpoints, its contract end (合同明年3月到期) is kept for the renewal reminders,
  its verbal promises go to the manager, and a stage it implies (签了合同) is entered only when the
  stage's `requires` are met; otherwise the rep is asked for what is missing.
"""
from __future__ import annotations

import re
from datetime import date

from sqlmodel import select

from bot.messages import Inbound, Outbound, button_rows
from reminders import lead_texts
from storage import deals as deal_ops
from storage import leads as lead_ops
from storage import renewals as renewal_ops
from storage import touchpoints as touch_ops
from storage.lead_models import Lead, Touchpoint
from storage.models import Customer, Deal, Member, Note
from storage.queries import visible_member_ids

ANSWER = re.compile(r"^\s*(已联系|已处理)\s*#?\s*(\d+)?\s*[。.!！]?\s*$")
REQUIREMENT_NAMES = {"budget": "预算金额", "quote": "报价", "deal_amount": "成交金额", "meeting_date": "会面/演示日期",
                     "decision_maker": "决策人（如：张总是老板）"}


RENEWAL = re.compile(r"^\s*(?:合同到期|续约日期|合同到期日)\s*[:：]?\s*(\S+?)\s+(\S.*?)\s*$")


def is_answer(text: str) -> bool:
    """A whole message 已联系 / 已处理 (with or without a number) or 合同到期 客户 日期."""
    return bool(ANSWER.match(text or "") or RENEWAL.match(text or ""))


async def answer_text(conv, who, inbound: Inbound) -> None:
    """已联系 [N] / 已处理 [N] / 合同到期 客户 日期 typed in chat."""
    renewal = RENEWAL.match(inbound.text)
    if renewal:
        ref = conv.clock().astimezone(who.tz)
        await conv._reply(inbound, await conv.db(_set_contract_end, who, *renewal.groups(), ref))
        return
    word, number = ANSWER.match(inbound.text).groups()
    if word == "已联系":
        reply = await conv.db(_contacted, who.member_id, int(number) if number else None, conv.clock())
    else:
        reply = await conv.db(_handled, who.member_id, int(number) if number else None, conv.clock())
    await conv._reply(inbound, reply)


async def on_action(conv, who, inbound: Inbound) -> bool:
    """The lead and touchpoint buttons; False for any other button."""
    verb, _, rest = (inbound.action or "").partition(":")
    if verb not in ("lclaim", "lpass", "lcontact", "tdone") or not rest.isdigit():
        return False
    ident, now = int(rest), conv.clock()
    if verb == "lclaim":
        text, buttons = await conv.db(_claim, who.member_id, ident, now)
    elif verb == "lpass":
        text, buttons = await conv.db(_pass, who.member_id, ident, now), ()
    elif verb == "lcontact":
        text, buttons = await conv.db(_contacted, who.member_id, ident, now), ()
    else:
        text, buttons = await conv.db(_handled, who.member_id, ident, now), ()
    await conv._deliver(Outbound(inbound.channel, inbound.chat_id, text=text, buttons=buttons,
                                 edit=inbound.reply_to if verb in ("lclaim", "lpass") else None))
    return True


def _member(session, member_id: int) -> Member:
    return session.get(Member, member_id)


def _claim(session, member_id: int, lead_id: int, now) -> tuple[str, tuple]:
    try:
        lead = lead_ops.claim(session=session, lead_id=lead_id, member=_member(session, member_id), at=now)
    except lead_ops.LeadAnswer as exc:
        return str(exc), ()
    label = " ".join(p for p in (lead.company, lead.name) if p) or f"线索 #{lead.id}"
    return lead_texts.claimed(lead.id, label, lead.phone), button_rows([("已联系", f"lcontact:{lead.id}")])


def _pass(session, member_id: int, lead_id: int, now) -> str:
    try:
        lead_ops.pass_on(session=session, lead_id=lead_id, member=_member(session, member_id), at=now)
    except lead_ops.LeadAnswer as exc:
        return str(exc)
    return f"已放弃线索 #{lead_id}，会分配给其他同事。"


def _contacted(session, member_id: int, lead_id: int | None, now) -> str:
    if lead_id is None:
        mine = session.exec(select(Lead).where(Lead.owner_id == member_id, Lead.state == "claimed")).all()
        if len(mine) != 1:
            if not mine:
                return "你没有待联系的线索。"
            return "是哪一条线索？请发送：已联系 编号\n" + "\n".join(
                f"#{lead.id} {lead.company or lead.name or lead.phone}" for lead in mine)
        lead_id = mine[0].id
    try:
        lead_ops.mark_contacted(session=session, lead_id=lead_id, member=_member(session, member_id), at=now)
    except lead_ops.LeadAnswer as exc:
        return str(exc)
    return f"✅ 线索 #{lead_id} 已标记为已联系。记得记一条这次沟通的笔记。"


def _handled(session, member_id: int, touch_id: int | None, now) -> str:
    if touch_id is None:
        mine = session.exec(select(Touchpoint).where(Touchpoint.owner_id == member_id,
                                                     Touchpoint.handled_at.is_(None))).all()
        if len(mine) != 1:
            if not mine:
                return "你没有待处理的客户触点。"
            return "是哪一条？请发送：已处理 编号\n" + "\n".join(
                f"#{t.id} {t.company or t.contact or t.phone}：{t.text[:30]}" for t in mine)
        touch_id = mine[0].id
    try:
        touch_ops.mark_handled(session=session, touchpoint_id=touch_id, member=_member(session, member_id), at=now)
    except touch_ops.TouchAnswer as exc:
        return str(exc)
    return f"✅ 客户触点 #{touch_id} 已处理。"


def _set_contract_end(session, who, name: str, said: str, ref) -> str:
    """合同到期 远大机械 明年3月: the customer's contract end, set in chat."""
    from nlu.contract_end import contract_end
    from storage.notes import name_key

    end = contract_end(f"合同{said}到期", ref)
    if end is None:
        return "没看懂日期，请这样说：合同到期 远大机械 2027年3月31日（或：明年3月）"
    key = name_key(name)
    mine = visible_customers(session, who, select(Customer).where(Customer.team_id == who.team_id))
    found = [c for c in mine if c.key == key] or [c for c in mine if key and key in c.key]
    if len(found) != 1:
        return f"没有找到客户“{name}”。" if not found else \
            f"“{name}”对应多位客户：{'、'.join(c.name for c in found[:5])}，请说全名。"
    row = renewal_ops.set_contract_end(session=session, customer=found[0], end=end, set_by_id=who.member_id)
    return f"📅 已记下：「{found[0].name}」的合同 {_day(row.end_date)} 到期，到期前 90 天提醒负责人续约。"


# --- after a note ------------------------------------------------------------------------------------

async def after_note(conv, who, note_id: int) -> None:
    """Everything this issue does with a stored note; tells the rep what needs an answer."""
    lines = await conv.db(_after_note, note_id, conv.stages, conv.clock())
    if lines:
        note = await conv.db(lambda s: s.get(Note, note_id))
        chat = (note.channel_message_id or "").partition(":")[0]
        await conv._deliver(Outbound(note.channel, chat, text="\n".join(lines)))


def _after_note(session, note_id: int, stages, now) -> list[str]:
    from reminders.lead_sweep import note_risks

    note = session.get(Note, note_id)
    if note is None or note.state != "parsed":
        return []
    lead_ops.contacted_by_note(session=session, note=note)
    touch_ops.handled_by_note(session=session, note=note)
    note_risks(session, note)
    lines = []
    end = renewal_ops.contract_end_from_note(session=session, note=note)
    if end is not None:
        customer = session.get(Customer, end.customer_id)
        lines.append(f"📅 已记下：「{customer.name}」的合同 {_day(end.end_date)} 到期，到期前 90 天提醒你续约。")
    lines += _implied_stage(session, note, stages, now)
    return lines


def visible_customers(session, who, query) -> list[Customer]:
    """The customers of `query` the member may see and change: the visibility rule of reads
    (storage.queries.visible_member_ids) applied to a write — the customer's owner is among the
    members they may see; a lead or admin also sees the team's customers nobody owns."""
    from storage.queries import owned_customers, sees_unowned

    me = session.get(Member, who.member_id)
    visible = visible_member_ids(session=session, member=me)
    return list(session.exec(query.where(owned_customers(visible, unowned=sees_unowned(me)))).all())


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def implied_stage(text: str, stages) -> str | None:
    """The latest configured stage a note's words say the deal reached (签了合同 -> 签约), or None."""
    from nlu.lexicon import common
    from nlu.risks import negated, risk_words

    cues = common().get("stage_cues") or {}
    negations = risk_words(None).negations
    found = None
    for index, stage in enumerate(stages):
        for phrase in cues.get(stage.name) or ():
            at = text.find(phrase)
            if at >= 0 and not negated(text[max(0, at - 6):at], negations):
                found = index
    return stages[found].name if found is not None else None


def _implied_stage(session, note: Note, stages, now) -> list[str]:
    if note.deal_id is None:
        return []
    deal = session.get(Deal, note.deal_id)
    target = implied_stage(note.transcript or note.raw_text or "", stages)
    names = [s.name for s in stages]
    if deal is None or deal.status != "open" or target is None or deal.stage not in names \
            or names.index(target) <= names.index(deal.stage):
        return []
    try:
        deal_ops.change_stage(session=session, deal=deal, stage=target, stages=stages, by_id=note.author_id, at=note.received_at)
    except deal_ops.MissingFacts as exc:
        missing = "、".join(REQUIREMENT_NAMES.get(m, m) for m in exc.missing)
        return [f"🧭 听起来商机 #{deal.id} 要进入“{exc.stage}”，但还缺：{missing}。",
                f"补一条笔记说明后，发送“阶段 {deal.id} {exc.stage}”即可更新。"]
    return [f"🧭 商机 #{deal.id} 已进入“{target}”。"]
