"""The conversation's side of running a real team (issue 10).

- A deactivated member's chat account is refused with its own message.
- The team's imported catalogue reaches the parser (products=) and speech (hotwords, correction).
- After each stored note: 撞单 (a customer another rep owns) tells the owner and asks the decider, with
  buttons dclaim:<claim>:<winner>; the words 撞单 (list) and 撞单 N 归 名字 do the same in text.
- Words for managers, leads and admins: 停用 名字 交接给 名字, 启用 名字 (members of a lower rank within
  their reach; admins only from the command line), 作废邀请码 CODE (a code of their own team).
- /customer shows the customer's corrections (note facts, withdrawals, owner changes) and, to whoever owns it, the contacts' phones
  (masked for everyone else).
"""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot import render
from bot.messages import Inbound, Outbound, button_rows
from storage import catalog, claims, history, people
from storage.names import clean_name
from storage.queries import visible_member_ids
from storage.models import ChannelAccount, Contact, Customer, Member

log = logging.getLogger(__name__)

DEACTIVATED = "你的账号已停用，不能再记录笔记。如有疑问请联系你的主管。"
COMMAND = re.compile(r"^\s*(?:(停用)\s*(\S+?)\s*(?:交接给|转给|交给)\s*(\S+)"
                     r"|(撞单)(?:\s*#?(\d+)\s*(?:归|给|归属)\s*(\S+))?"
                     r"|(作废邀请码|撤销邀请码)\s*([A-Za-z0-9]{4,32})"
                     r"|(启用|恢复)\s*(\S+?))\s*[。.!！]?\s*$")
# Who may deactivate or reactivate whom in chat: only members of a lower rank within one's reach
# (visible_member_ids). Admins are changed from the command line only.
RANK = {"rep": 0, "manager": 1, "lead": 2, "admin": 3}
ROLE_NAMES = {"rep": "销售", "manager": "经理", "lead": "主管", "admin": "管理员"}
CORRECTIONS_SHOWN = 5


def refusal(session, channel: str, external_id: str) -> str:
    """What a chat account that is not (or no longer) a member is told."""
    account = session.exec(select(ChannelAccount).where(ChannelAccount.channel == channel,
                                                        ChannelAccount.external_id == str(external_id))).first()
    member = session.get(Member, account.member_id) if account else None
    return DEACTIVATED if member is not None and not member.active else render.REFUSAL


# --- the catalogue for the parser and speech -----------------------------------------------------

async def parse_note(conv, who, text: str, ref: datetime, industry: str | None) -> dict:
    """The parser with the team's imported products and customers, when it has any."""
    products, customers = await conv.db(lambda s: (catalog.parser_products(session=s, team_id=who.team_id),
                                                   catalog.parser_customers(session=s, team_id=who.team_id)))
    if products or customers:
        return await asyncio.to_thread(conv.parse, text, ref, industry, products=products, customers=customers)
    return await asyncio.to_thread(conv.parse, text, ref, industry)


# --- sending to members ----------------------------------------------------------------------------

async def tell(conv, member_id: int, text: str, buttons=()) -> int:
    """Sends to every chat account of a member; returns how many got it."""
    accounts = await conv.db(lambda s: [(a.channel, a.external_id) for a in s.exec(
        select(ChannelAccount).where(ChannelAccount.member_id == member_id)).all()])
    sent = 0
    for channel, chat in accounts:
        if await conv._deliver(Outbound(channel, chat, text=text, buttons=buttons)) is not None:
            sent += 1
    return sent


# --- duplicate claims --------------------------------------------------------------------------------

async def after_note(conv, who, note_id: int) -> None:
    """A note about a customer another rep owns: the note stays; owner, rep and decider are told."""
    opened = await conv.db(lambda s: _open(s, note_id, conv.clock()))
    if opened is None:
        return
    claim_id, customer, claimant, owner, decider = opened
    await tell(conv, claimant[0], f"ℹ️ 客户「{customer}」目前由 {owner[1]} 负责。笔记已保存，"
                                  f"已请{decider[1] if decider else '主管'}决定归属（撞单 #{claim_id}）。")
    await tell(conv, owner[0], f"ℹ️ {claimant[1]} 记了一条关于你的客户「{customer}」的笔记（撞单 #{claim_id}），"
                               f"{decider[1] if decider else '主管'}会决定归属。")
    if decider is not None:
        await tell(conv, decider[0], claim_text(claim_id, customer, owner[1], claimant[1]),
                   button_rows([(f"归{owner[1]}", f"dclaim:{claim_id}:{owner[0]}"),
                                (f"归{claimant[1]}", f"dclaim:{claim_id}:{claimant[0]}")]))


def claim_text(claim_id: int, customer: str, owner: str, claimant: str) -> str:
    return (f"⚠️ 撞单 #{claim_id}：{claimant} 的笔记提到客户「{customer}」，该客户目前由 {owner} 负责。\n"
            f"请决定归属（按下按钮，或回复：撞单 {claim_id} 归 名字）。")


def _open(session, note_id: int, now):
    from storage.models import Note

    opened = claims.open_claim(session=session, note=session.get(Note, note_id), now=now)
    if opened is None:
        return None
    pair = lambda m: (m.id, m.name) if m is not None else None  # noqa: E731
    return opened.claim.id, opened.customer.name, pair(opened.claimant), pair(opened.owner), pair(opened.decider)


async def on_action(conv, who, inbound: Inbound) -> bool:
    """The decision buttons under a claim; False for any other button."""
    verb, _, rest = (inbound.action or "").partition(":")
    claim_id, _, winner_id = rest.partition(":")
    if verb != "dclaim" or not claim_id.isdigit() or not winner_id.isdigit():
        return False
    reply = await decide(conv, who, int(claim_id), winner_id=int(winner_id))
    await conv._deliver(Outbound(inbound.channel, inbound.chat_id, text=reply, edit=inbound.reply_to))
    return True


async def decide(conv, who, claim_id: int, *, winner_id: int | None = None, winner_name: str = "") -> str:
    def work(session):
        by = session.get(Member, who.member_id)
        if winner_id is not None:
            winner = session.get(Member, winner_id)
        else:
            winner = session.exec(select(Member).where(Member.team_id == by.team_id,
                                                       Member.name == winner_name)).first()
        if winner is None:
            return None, f"团队中没有「{winner_name}」", None
        try:
            claim, loser = claims.decide(session=session, claim_id=claim_id, winner=winner, by=by, now=conv.clock())
        except claims.ClaimError as exc:
            return None, str(exc), None
        customer = session.get(Customer, claim.customer_id)
        name = customer.name if customer else f"#{claim.customer_id}"
        return (winner.id, loser.id), f"✅ 撞单 #{claim_id} 已决定：客户「{name}」归 {winner.name}。", name
    pair, reply, customer = await conv.db(work)
    if pair is not None:
        winner, loser = pair
        await tell(conv, winner, f"✅ 客户「{customer}」归你负责（撞单 #{claim_id}）。")
        await tell(conv, loser, f"ℹ️ 客户「{customer}」归其他同事负责（撞单 #{claim_id}），你在该客户上的进行中商机和待办已转交。")
    return reply


# --- words for managers, leads and admins ------------------------------------------------------------

def is_command(text: str) -> bool:
    return bool(COMMAND.match(text or ""))


async def command(conv, who, inbound: Inbound) -> None:
    m = COMMAND.match(inbound.text)
    if m.group(1):
        reply = await conv.db(_deactivate, who, m.group(2), m.group(3), conv.clock())
    elif m.group(9):
        reply = await conv.db(_activate, who, m.group(10), conv.clock())
    elif m.group(4) and m.group(5):
        reply = await decide(conv, who, int(m.group(5)), winner_name=m.group(6))
    elif m.group(4):
        reply = await conv.db(_list_claims, who)
    else:
        reply = await conv.db(_revoke, who, m.group(8), conv.clock())
    await conv._reply(inbound, reply)


def _team_member(session, me: Member, name: str) -> Member | None:
    return session.exec(select(Member).where(Member.team_id == me.team_id, Member.name == clean_name(name))).first()


def out_of_reach(session, me: Member, target: Member) -> str | None:
    """Why `me` may not deactivate or reactivate `target` in chat, or None when they may."""
    if target.role == "admin":
        return "管理员只能在命令行中停用或启用（salesbot member deactivate / activate）。"
    if RANK.get(target.role, 0) >= RANK.get(me.role, 0):
        return f"只能停用或启用职级低于你的成员，{target.name} 是{ROLE_NAMES.get(target.role, target.role)}。"
    if target.id not in visible_member_ids(session=session, member=me):
        return f"{target.name} 不是你的下属，请联系主管办理。"
    return None


def _deactivate(session, who, name: str, to_name: str, now) -> str:
    me = session.get(Member, who.member_id)
    if me.role not in ("manager", "lead", "admin"):
        return "只有经理、主管或管理员可以停用成员。"
    leaver, receiver = _team_member(session, me, name), _team_member(session, me, to_name)
    if leaver is None or receiver is None:
        return f"团队中没有「{name if leaver is None else to_name}」。"
    why = out_of_reach(session, me, leaver)
    if why:
        return why
    if receiver.id not in visible_member_ids(session=session, member=me):
        return f"{receiver.name} 不在你的团队范围内，请交接给你能管理的同事。"
    try:
        done = people.deactivate(session=session, member=leaver, handover_to=receiver, by_id=me.id, now=now)
    except people.PeopleError as exc:
        return str(exc)
    return f"✅ 已停用 {leaver.name}，{done.summary()} 已交接给 {receiver.name}。相关同事会收到通知。"


def _activate(session, who, name: str, now) -> str:
    me = session.get(Member, who.member_id)
    if me.role not in ("manager", "lead", "admin"):
        return "只有经理、主管或管理员可以启用成员。"
    member = _team_member(session, me, name)
    if member is None:
        return f"团队中没有「{name}」。"
    why = out_of_reach(session, me, member)
    if why:
        return why
    try:
        people.activate(session=session, member=member, by_id=me.id, now=now)
    except people.PeopleError as exc:
        return str(exc)
    return f"✅ 已启用 {member.name}，TA 可以继续用原来的聊天账号记录笔记。之前交接出去的工作仍由接手的同事负责。"


def _list_claims(session, who) -> str:
    me = session.get(Member, who.member_id)
    found = claims.open_claims(session=session, member=me)
    if not found:
        return "没有待你决定的撞单。"
    lines = ["待决定的撞单："]
    for c in found[:10]:
        customer = session.get(Customer, c.customer_id)
        owner, claimant = session.get(Member, c.owner_id), session.get(Member, c.claimant_id)
        lines.append(f"#{c.id} 「{customer.name if customer else c.customer_id}」 {owner.name} / {claimant.name}")
    lines.append("回复：撞单 编号 归 名字")
    return "\n".join(lines)


def _revoke(session, who, code: str, now) -> str:
    me = session.get(Member, who.member_id)
    if me.role not in ("lead", "admin"):
        return "只有主管或管理员可以作废邀请码。"
    try:   # the team is checked before anything is written
        invite = people.revoke_invite(session=session, code=code, now=now,
                                      team_id=None if me.role == "admin" else me.team_id)
    except people.PeopleError as exc:
        return str(exc)
    return f"✅ 邀请码 {invite.code} 已作废。"


# --- /customer -------------------------------------------------------------------------------------

def customer_lines(session, member: Member, customer_id: int, tz: ZoneInfo) -> list[str]:
    """Phones (masked unless the member owns the customer or is above its owner) and corrections."""
    lines = []
    customer = session.get(Customer, customer_id)
    if customer is None:
        return lines
    owns = customer.owner_id == member.id or (member.role in ("lead", "admin", "manager") and customer.owner_id
                                              in visible_member_ids(session=session, member=member))
    phones = []
    for contact in session.exec(select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)).all():
        phone = catalog.phone_of(session=session, contact_id=contact.id)
        if phone:
            phones.append(f"{contact.name} {phone if owns else catalog.mask_phone(phone)}")
    if phones:
        lines.append("电话：" + "；".join(phones))
    visible = visible_member_ids(session=session, member=member)
    changes = [c for c in history.changes(session=session, customer_id=customer_id, limit=50)
               if (c.entity == "note" or c.field == "owner")  # stage moves and promises have their own lines
               and (c.changed_by_id is None or c.changed_by_id in visible)][:CORRECTIONS_SHOWN]
    if changes:
        lines.append("更正记录：")
        for change in changes:
            line = history.describe(session, change)
            local = line.at.astimezone(tz)
            lines.append(f"  {local.month}月{local.day}日 {line.who}：{line.text}")
    return lines
