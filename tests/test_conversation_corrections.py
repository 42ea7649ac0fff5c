"""Corrections as people say them after a card, acknowledgements, and emoji: through the
conversation on real storage (SQLite, and PostgreSQL with SALESBOT_TEST_PG_URL).

The phrasings in tests/data/conversation_phrasings.jsonl are not the issue's wording, and those in
conversation_phrasings_blind.jsonl were written by someone who never read the code; each is said
right after a card and must change that card (or, kind note, stay a new note). What each kind must
do is in tests/phrasing_checks.py, which bench/phrasings_score.py scores a phrasings file with."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from storage.models import Commitment, Contact, Customer, Item, Note
from tests import phrasing_checks as checks
from tests.chat_bot import bot  # noqa: F401
from tests.phrasing_checks import MONDAY, carded, dates_of, day_of

DATA = Path(__file__).parent / "data"
# Our own phrasings; 48 written blind by a writer who never read the code (blind:); 150 written blind by
# another writer as a locked set, scored once (116/150) and since then working material (locked:); 150
# by a third writer, scored once on arrival (88/150) and working material since (p4:); 150 by a fourth
# writer as the second locked set, scored once (128/150) and working material since (p3:); 150 by a
# fifth writer, scored once on arrival (112/150) and working material since (p6:); 150 by a sixth writer as
# the third locked set, scored once (116/150) and working material since (p5:); 160 by a seventh writer,
# with a kind of their own (product), scored once on arrival (111/160) and working material since (p8:).
PHRASINGS = [("own", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings.jsonl"))] + \
            [("blind", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_blind.jsonl"))] + \
            [("locked", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_locked.jsonl"))] + \
            [("p4", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_p4.jsonl"))] + \
            [("p3", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_locked2.jsonl"))] + \
            [("p6", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_p6.jsonl"))] + \
            [("p5", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_locked3.jsonl"))] + \
            [("p8", n, p) for n, p in enumerate(checks.load(DATA / "conversation_phrasings_p8.jsonl"))]
# Lines of the writers' files not understood yet, by file and 0-based line number: visible, and a fix
# shows (strict).
XFAIL: dict[str, dict[int, str]] = {
    "blind": {},
    "locked": {
        22: 'a fraction before the quantity (先要一半，四十台) and a remark on the rest',
    },
    "p4": {
        53: 'the correction holds, but the parser reads no organisation in 美的集团 (的 inside the name: is_org), '
            'so the next note on it finds no customer (nlu/customer.py, issue 16)',
    },
    "p3": {
        48: 'the card moves to 12月18日, but the check reads the day with nlu.dates, which reads no English month-day (Dec 18: issue 16)',
        61: 'the correction holds, but the parser reads no organisation in 美的集团 (的 inside the name), so the next note on it finds no customer (nlu, issue 16)',
    },
    "p6": {
        18: '总共要160台 with how it ships after it (分两批走)',
        61: 'the correction holds, but the parser reads no organisation in 美的集团 (的 inside the name), so the next note on it finds no customer (nlu, issue 16)',
        92: 'a regression of 8f753a4 (a date\'s year from its own phrase): 三四月份 after 过了年 is read as past now, so no close is set and the message is stored as a note (found by the fifth sitting\'s fresh-clone CI; next sitting)',
    },
    "p5": {
        44: 'the card moves to 12月16日, but the check reads the day with nlu.dates, which reads no English month-day (Dec 16: issue 16)',
        74: 'a place in brackets inside the name (博朗精密（昆山）) and an ownership remark after it (台资厂)',
    },
    "p8": {
        33: 'the card\'s contact\'s assistant (王总助理) speaks: read as another person',
        37: 'the card moves to next Monday, but the check reads the day with nlu.dates, which reads no English weekday (issue 16)',
        45: 'the card moves to 12月24日, but the check reads the day with nlu.dates, which reads no 12-24 (issue 16)',
        48: 'the card moves to 12月28日, but the check reads the day with nlu.dates, which reads no English month-day (Dec 28: issue 16)',
        55: 'the parser reads no organisation in 美的集团 (的 inside the name), and the place after it (顺德那边)',
        62: 'the organisation said with a job (管后勤) and again by its type alone (学校那边的)',
        71: 'the time said first (一月中旬吧) and the close after it by pointing back (单子大概那会儿能下)',
        84: 'a meeting (开完会) before the close (拍板) and its day said after it',
        95: 'a typing slip in the acknowledgement (没啥要该的 for 改)',
    },
}
# When the expected close falls (today is Monday 2026-12-07): every close of our own and the blind
# file is next month; the other files' lines say their own month (read by us, not by the writers; None:
# 年前 and 春节前后 could be read more than one way, only that a close is set is checked).
CLOSE_MONTH = {
    "王总说月底前下单": (2026, 12), "大概在12月20号左右签约": (2026, 12), "王总那边走流程，估计这个月下旬能下PO": (2026, 12),
    "成交预计 下周三": (2026, 12), "他说12月底前把合同签了": (2026, 12), "预计二月初下订单": (2027, 2),
    "能签的话应该是明年第二季度": (2027, 4), "王总说这个月25号前后走完审批就签": (2026, 12), "expected close：3月": (2027, 3),
    "估计本季度内能签下来": (2026, 12),
    "预计月底签": (2026, 12), "年前应该能定下来": None, "春节后下PO": (2027, 2), "合同预计12月20号签": (2026, 12),
    "这单估计要到明年3月才能签下来": (2027, 3), "expected close: 明年Q2": (2027, 4), "下周能拿到PO": (2026, 12),
    "他们说元旦前下单": (2026, 12), "预计本月内签约": (2026, 12), "王总说等预算批下来，大概二季度下定单": (2027, 4),
    "就是说这个单子呢他们年底之前能定下来": (2026, 12), "成交时间的话估计春节前后吧": None, "这周五他们开完会就签": (2026, 12),
    "明年四月份能落地吧我估计": (2027, 4), "嗯然后那个合同的话应该是下下周能签掉": (2026, 12),
    "争取12月25号之前把合同签了": (2026, 12), "那个单子估计要过完年三月份左右吧才会下单": (2027, 3),
    "落地时间预计明年3月": (2027, 3), "PO估计月底能下": (2026, 12), "签约的话估计要等到年后了": (2027, 2),
    "这单估计月底能签": (2026, 12), "嗯王总说下个月中旬下单 大概率": (2027, 1), "预计明年一季度落地": (2027, 1),
    "那个 年前应该能定下来": None, "Q1走合同": (2027, 1), "春节后出PO": (2027, 2), "嗯 那个 合同的话 大概 元旦前能签下来吧": (2026, 12),
    "預計12月25號簽約": (2026, 12), "expected close: end of Jan": (2027, 1), "王总说等他们预算批了，大概三月份下单": (2027, 3),
    "签单时间：下周三": (2026, 12), "最快这周五就能签合同 👍": (2026, 12), "合同流程走下来估计得明年二季度": (2027, 4),
    "嗯就是 他们 下个月初 会下订单 应该问题不大": (2027, 1), "采购那边说今年底前把PO发过来": (2026, 12),
    "这单预计月底签": (2026, 12), "王总说那个下个月中旬应该就能下单了": (2027, 1), "合同估计明年一季度才能落地": (2027, 1),
    "嗯年前因该能定下来": None, "那个嗯王总说这个单子大概圣诞节前后能签下来吧": (2026, 12), "预计成交时间：2027年3月": (2027, 3),
    "签约应该在下周三，王总要先上会": (2026, 12), "他们财务流程慢 估计二季度才付款下单": (2027, 4), "这周五签合同👍": (2026, 12),
    "嗯就是说那个合同的话他们领导说要等到元旦以后才能批下来": (2027, 1), "close date大概1月底": (2027, 1),
    "王总讲下半个月走完审批就签了": (2026, 12), "采购要走招标，估计三月份才能定标签约": (2027, 3), "本季度末能拿到订单": (2026, 12),
    "他们说年底前一定下单的预算要花掉嘛": (2026, 12), "那个订单嗯估计得过了年三四月份才能下来": (2027, 3),
    "十二月二十号左右签": (2026, 12), "合同下个月初能盖章": (2027, 1), "王总口头上说了明年上半年能落地": (2027, 1),
    "PO预计12月15日发过来": (2026, 12), "这个单子呃估计要拖到明年五一前后才会签": None, "成单时间大概就这两周": (2026, 12),
    "王总说顺利的话后天就能把合同签了": (2026, 12),
    "这单大概月底能签": (2026, 12), "合同估计下月中下旬能走完": (2027, 1), "PO expected in Q1": (2027, 1),
    "春节后才会下单": (2027, 2), "嗯那个签单的话他说大概十二月二十号左右吧": (2026, 12), "成交预计：2027年3月": (2027, 3),
    "他们走完审批，下周三能签合同": (2026, 12), "預計本月內簽約": (2026, 12), "expected close date: end of Jan": (2027, 1),
    "嗯合同的话要等到明年上半年才能定领导还没批": (2027, 1), "王总说元旦前下采购订单": (2026, 12), "这个单子Q2能close": (2027, 4),
    "嗯那个估计下个礼拜五能拿到正式订单": (2026, 12), "王总说这个月底能签": (2026, 12), "嗯 一月中旬吧 单子大概那会儿能下": (2027, 1),
    "嗯 那个 合同的话 大概明年一季度才能钱约": (2027, 1), "PO expected by end of Q1": None, "估计年前能定下来": None,
    "春节后落地吧 他们要走预算": (2027, 2), "签约时间：12月25号": (2026, 12), "王总讲下周三前把合同签了": (2026, 12),
    "成交預計在明年三月": (2027, 3), "expected close: Jan 2027": (2027, 1), "嗯就是他说年底之前肯定下单的 大概率": (2026, 12),
    "这单估计二月份能走合同": (2027, 2), "最快元旦后一周签": (2027, 1), "大概下个季度能拿到PO吧 嗯": (2027, 1),
    "王总意思是等他们月中开完会就能拍板，差不多12月16号左右": (2026, 12),
}


def of(kind):
    return [pytest.param(p, id=f"{tag}:{p['text']}",
                         marks=[pytest.mark.xfail(strict=True, reason=XFAIL[tag][n])]
                         if n in XFAIL.get(tag, {}) else [])
            for tag, n, p in PHRASINGS if p["kind"] == kind]


@pytest.mark.parametrize("phrase", of("quantity"))
async def test_a_quantity_said_in_other_words_corrects_the_card(bot, phrase):
    await checks.understood(bot, phrase)


@pytest.mark.parametrize("phrase", of("date"))
async def test_a_delivery_date_correction_moves_the_delivery_and_the_meeting_stays(bot, phrase):
    await checks.understood(bot, phrase)


@pytest.mark.parametrize("phrase", of("customer"))
async def test_a_customer_named_by_company_is_an_organisation(bot, phrase):
    await checks.understood(bot, phrase)


@pytest.mark.parametrize("phrase", of("close"))
async def test_an_expected_close_said_after_the_card_sets_the_deals_range(bot, phrase):
    await checks.understood(bot, phrase, month=CLOSE_MONTH.get(phrase["text"], (2027, 1)))


@pytest.mark.parametrize("phrase", of("product"))
async def test_the_cards_product_said_again_renames_its_item_and_keeps_the_quantity(bot, phrase):
    await checks.understood(bot, phrase)


@pytest.mark.parametrize("phrase", of("ack"))
async def test_acknowledgements_and_emoji_are_answered_and_stored_as_nothing(bot, phrase):
    await checks.understood(bot, phrase)


async def test_a_request_with_no_name_does_not_rename_the_customer(bot):
    rep = await carded(bot)
    await bot.say(rep, "客户记一下")
    assert "记一下" not in [c.name for c in bot.rows(Customer)] + [c.name for c in bot.rows(Contact)]
    [note] = bot.rows(Note, Note.id == 1)
    assert note.extraction["customer"]["name"] == "王总"


async def test_emoji_with_no_card_before_is_no_note_either(bot):
    rep = bot.member("甲")
    replies = await bot.say(rep, "👍👍")
    assert len(replies) == 1 and bot.rows(Note) == []


@pytest.mark.parametrize("phrase", of("note"))
async def test_a_new_note_right_after_a_card_stays_a_note(bot, phrase):
    await checks.understood(bot, phrase)


def buttons_of(reply) -> dict[str, str]:
    return {b.text: b.data for row in reply.buttons or () for b in row}


async def test_a_note_that_may_be_a_correction_stays_a_note_and_one_tap_makes_it_one(bot):
    """Unsure (another order of the card's product, or the card's count changed?): stored as a note,
    with a button that makes it a correction of the card before — pressed after a restart."""
    from bot.conversation import MEANT_AS_FIX

    rep = await carded(bot)
    replies = await bot.say(rep, "王总说A型泵下个月还要再订50台")
    [card] = [r for r in replies if "已记录 #2" in r.text]
    press = buttons_of(card)[MEANT_AS_FIX]
    await bot.conversation.close()
    bot.conversation = bot.make()                       # nothing of it was in memory
    replies = await bot.say(rep, action=press, reply_to=f"m{bot.sent.index(card) + 1}")
    assert "已更新 #1" in replies[-1].text and "50" in replies[-1].text
    assert any("#2" in r.text and r.edit for r in replies)           # the note's card says what became of it
    assert [i.quantity for i in bot.rows(Item)] == [50]
    [second] = bot.rows(Note, Note.id == 2)
    assert second.error == "retracted"
    replies = await bot.say(rep, action=press, reply_to=f"m{bot.sent.index(card) + 1}")
    assert "已经撤回" in replies[-1].text and [i.quantity for i in bot.rows(Item)] == [50]


@pytest.mark.parametrize("text", ["拜访了徐总，他们不要A型了，改要B型，数量还是80台", "今天和谢总签了框架协议，有效期一年",
                                  "王总介绍了他们采购部的李经理给我认识，以后技术对接找李经理，微信已加"])
async def test_a_note_about_something_else_gets_no_correction_button(bot, text):
    from bot.conversation import MEANT_AS_FIX

    rep = await carded(bot)
    replies = await bot.say(rep, text)
    [card] = [r for r in replies if "已记录 #2" in r.text]
    assert MEANT_AS_FIX not in buttons_of(card)


async def test_a_date_without_its_kind_asks_which_planned_date_with_buttons(bot):
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, "王总，A型泵要80台，下周四交货，周五下午去他们厂开会")
    ids = sorted((c.kind, c.id) for c in bot.rows(Commitment))
    replies = await bot.say(rep, "日期不对，是12月23日")
    question = replies[-1]
    labels = [b.text for row in question.buttons for b in row]
    assert "哪一个" in question.text and len(labels) == 2 and any("交货" in x for x in labels)
    pick = next(b.data for row in question.buttons for b in row if "交货" in b.text)
    replies = await bot.say(rep, action=pick, reply_to="m2")
    assert "已更新 #1" in replies[-1].text
    after = {c.kind: (c.id, c.due_date.isoformat()) for c in bot.rows(Commitment)}
    assert after["delivery"] == (dict(ids)["delivery"], "2026-12-23")
    assert after["meeting"] == (dict(ids)["meeting"], "2026-12-11")   # untouched, same number


async def test_a_date_without_its_kind_changes_the_only_planned_date(bot):
    rep = await carded(bot)
    [todo] = bot.rows(Commitment)
    replies = await bot.say(rep, "日期不对，是12月25日")
    assert "已更新 #1" in replies[-1].text
    [delivery] = dates_of(bot, "delivery")
    [meeting] = dates_of(bot, "meeting")
    assert delivery["date"] == "2026-12-25" and meeting == {"date": "2026-12-04", "kind": "meeting", "status": "reported"}
    replies = await bot.say(rep, f"完成 {todo.id}")             # the number shown still means the delivery
    [done] = bot.rows(Commitment)
    assert done.id == todo.id and done.state == "done"


async def test_corrections_in_a_row_all_change_the_first_card(bot):
    rep = await carded(bot)
    await bot.say(rep, "不是80台，是100台")
    await bot.say(rep, "交货改到下周五")
    await bot.say(rep, "客户是恒通机械")
    assert len(bot.rows(Note)) == 1
    [note] = bot.rows(Note)
    assert note.extraction["items"][0]["quantity"] == 100
    assert note.extraction["customer"] == {"name": "王总", "company": "恒通机械"}
    assert [c.due_date.isoformat() for c in bot.rows(Commitment)] == [day_of("下周五").isoformat()]
    assert [c.name for c in bot.rows(Customer)] == ["恒通机械"]


async def test_a_voice_message_that_is_a_correction_corrects_the_card(bot):
    from bot.messages import Inbound, Voice
    from tests.test_conversation import HeardTranscriber

    rep = await carded(bot)
    bot.conversation.transcriber = HeardTranscriber("不对，应该是一百二十台")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    assert "已更新 #1" in bot.sent[-1].text and "A型泵 120台" in bot.sent[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [120]
    notes = bot.rows(Note)
    assert [n.state for n in sorted(notes, key=lambda n: n.id)] == ["parsed", "failed"]   # the voice is no note


async def test_a_spoken_quantity_with_no_card_before_is_a_note(bot):
    from bot.messages import Inbound, Voice
    from tests.test_conversation import HeardTranscriber

    bot.now = MONDAY
    rep = bot.member("甲")
    bot.conversation.transcriber = HeardTranscriber("应该是一百二十台")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    assert "已记录 #1" in bot.sent[-1].text


async def test_a_picture_alone_is_answered_and_a_picture_with_words_is_a_note(bot):
    from bot.conversation import FILE_ALONE
    from bot.messages import Attachment, Inbound

    bot.now = MONDAY
    rep = bot.member("甲")
    picture = Attachment(b"\x89PNG\r\n\x1a\n", "现场.png", "image/png")
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="p1",
                                           received_at=bot.now, file=picture))
    await bot.conversation.idle()
    assert bot.sent[-1].text == FILE_ALONE and "说明" in FILE_ALONE and bot.rows(Note) == []
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="p2",
                                           received_at=bot.now, file=picture, text="恒通机械王总要80台A型泵"))
    await bot.conversation.idle()
    assert "已记录 #1" in bot.sent[-1].text and len(bot.rows(Note)) == 1


async def test_a_note_too_long_is_answered_with_its_length_and_the_limit(bot):
    from nlu.parser import MAX_CHARS

    bot.now = MONDAY
    rep = bot.member("甲")
    text = "恒通机械王总要80台A型泵。" * (MAX_CHARS // 10)
    replies = await bot.say(rep, text)
    assert f"{len(text)}字" in replies[-1].text and f"上限{MAX_CHARS}字" in replies[-1].text
    [note] = bot.rows(Note)
    assert note.state == "failed" and note.raw_text == text          # kept, not lost


def annotated_notes() -> list[list[dict]]:
    """Every annotated note we own, file by file (dev, holdout, working, the training batches, the
    parser's check sets: only read here as notes that must stay notes)."""
    files = [DATA / "notes_dev.jsonl", DATA / "notes_holdout.jsonl", DATA / "notes_real" / "notes_working.jsonl",
             *sorted((DATA / "notes_real").glob("notes_train*.jsonl")),
             *sorted((DATA / "notes_real").glob("notes_check*.jsonl"))]
    return [checks.load(path) for path in files]


def test_no_typed_note_reads_as_a_correction_of_the_card_before_it_or_an_acknowledgement():
    """Every annotated note (2,084) is a note: said right after a card — the tests' card (王总, A型泵 80台, a
    delivery and a past meeting) or the note before it in its file, as annotated — it must not be
    taken for a correction of that card or a question to the bot (郎酒的团购政策好，任总说公司年会用酒更倾向郎酒 once renamed the
    customer; 李经理说预算二十万，月底前签合同 once set the close of the card before)."""
    from bot import intents, questions
    from bot.about_card import about_card, unfound

    card = {"customer": {"name": "王总", "company": None},
            "items": [{"product": "A型泵", "quantity": 80, "unit": "台"}],
            "dates": [{"date": "2026-12-10", "kind": "delivery", "status": "planned"},
                      {"date": "2026-12-04", "kind": "meeting", "status": "reported"}]}
    taken, said = [], 0
    for notes in annotated_notes():
        for before, note in zip([{"expected": card}] + notes, notes):
            said += 1
            when = datetime.fromisoformat(note["ref"]) if note.get("ref") else None   # said when the note was
            for shown in (card, before["expected"]):
                if about_card(note["text"], shown, when) or unfound(note["text"], shown, when) \
                        or intents.acknowledgement(note["text"]) or questions.is_question(note["text"]):
                    taken.append(note["text"])
    assert said >= 2084 and taken == []


TEST_CARD = {"customer": {"name": "王总", "company": None},
             "items": [{"product": "A型泵", "quantity": 80, "unit": "台"}],
             "dates": [{"date": "2026-12-10", "kind": "delivery", "status": "planned"},
                       {"date": "2026-12-04", "kind": "meeting", "status": "reported"}]}


@pytest.mark.parametrize("fix, news", [("王总说再追加20台", "李总也要"), ("王总说交货推到20号", "李总也要"),
                                       ("刚跟王总确认了下，要95台", "预算五十万"), ("哦对了王总后来减了点，只要五十台", "李总也要")])
def test_a_message_with_news_of_its_own_and_no_slot_said_wrong_is_a_note(fix, news):
    """Another person, an amount, a rival, a visit, a past event of its own: a note, unless the card's
    slot is named with a correction's form (the next test)."""
    from bot.about_card import about_card
    said_at = MONDAY.astimezone(checks.SHANGHAI)
    assert about_card(fix, TEST_CARD, said_at) is not None
    assert about_card(f"{fix}，{news}", TEST_CARD, said_at) is None


def test_a_slot_said_wrong_corrects_the_card_whatever_else_is_said():
    from bot.about_card import about_card
    fix = about_card("卡片上的80台改成88台吧，王总说图个吉利，李总也要", TEST_CARD, MONDAY.astimezone(checks.SHANGHAI))
    assert fix is not None and fix.kind == "quantity" and fix.value.startswith("88")


async def test_the_old_value_said_is_replaced_whatever_it_was_and_only_if_the_card_has_it(bot):
    rep = await carded(bot)
    replies = await bot.say(rep, "不是王总，是李总")
    assert "已更新 #1" in replies[-1].text
    replies = await bot.say(rep, "不是A型泵，是B型泵")
    assert "已更新 #1" in replies[-1].text
    [note] = bot.rows(Note)
    assert note.extraction["customer"]["name"] == "李总"
    assert [(i.product, i.quantity) for i in bot.rows(Item)] == [("B型泵", 80)]
    replies = await bot.say(rep, "王总说不是他们不想买，是预算没批下来")   # nothing on the card was said: a note
    assert "已记录 #2" in replies[-1].text


async def test_two_slots_corrected_in_one_message_both_change_and_nothing_else(bot):
    rep = await carded(bot)
    [todo] = bot.rows(Commitment)
    replies = await bot.say(rep, "王总说要100台，下周五交货")
    assert "已更新 #1" in replies[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [100]
    [after] = bot.rows(Commitment)
    assert (after.id, after.due_date) == (todo.id, day_of("下周五"))
    [meeting] = dates_of(bot, "meeting")
    assert meeting["status"] == "reported" and len(bot.rows(Note)) == 1
    replies = await bot.say(rep, "王总要B型阀20个，下周五送货")       # a product the card lacks: a note
    assert "已记录 #2" in replies[-1].text


@pytest.mark.parametrize("heard, quantity", [("王总刚打电话说要加到一百五十台", 150), ("刚才说错了应该是九十台", 90)])
async def test_a_spoken_correction_with_no_punctuation_corrects_the_card(bot, heard, quantity):
    from bot.messages import Inbound, Voice
    from tests.test_conversation import HeardTranscriber

    rep = await carded(bot)
    bot.conversation.transcriber = HeardTranscriber(heard)
    await bot.conversation.receive(Inbound(channel="local", user_id=rep, chat_id=rep, message_id="v1",
                                           received_at=bot.now, voice=Voice(b"RIFF-fake", "wav")))
    await bot.conversation.idle()
    assert "已更新 #1" in bot.sent[-1].text
    assert [i.quantity for i in bot.rows(Item)] == [quantity]


# The blind tester's finds of the last sitting (F1, F3, F6) and a correction that finds nothing.
TREES = "松柏园林姚总 雪松二十棵 下周三去栽"


@pytest.mark.parametrize("said, quantity", [("是25棵不是20棵", 25), ("不是8棵，是10棵", 10)])
async def test_a_count_in_the_cards_measure_word_corrects_it(bot, said, quantity):
    """棵 was missing from a hand-written list of measure words: the parser's own are read."""
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, TREES)
    replies = await bot.say(rep, said)
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    assert [(i.product, i.quantity, i.unit) for i in bot.rows(Item)] == [("雪松", quantity, "棵")]
    assert len(bot.rows(Note)) == 1


def test_every_measure_word_the_parser_counts_with_is_a_count_in_a_correction():
    import re
    from bot import intents
    from nlu.lexicon import all_units
    units = [u for u in all_units() if re.fullmatch(r"[\u4e00-\u9fff]+", u) and not intents.is_date(f"3{u}")]
    assert len(units) > 80
    assert [u for u in units if not intents.quantity_like(f"25{u}")] == []


@pytest.mark.parametrize("card, said, item", [
    ("宏达建材刘经理，角钢20吨，下周一送货", "产品应该是槽钢", ("槽钢", 20)),
    ("宏达建材刘经理，钢筋套筒图纸300套，月底交货", "产品名多了图纸两个字 就是钢筋套筒", ("钢筋套筒", 300)),
    ("王总，A型泵要80台，下周四交货", "不是泵 是阀 DN50闸阀", ("DN50闸阀", 80))])
async def test_a_product_correction_renames_the_item_and_keeps_its_quantity(bot, card, said, item):
    bot.now = MONDAY
    rep = bot.member("甲")
    await bot.say(rep, card)
    replies = await bot.say(rep, said)
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    assert [(i.product, i.quantity) for i in bot.rows(Item)] == [item]
    assert len(bot.rows(Note)) == 1


async def test_a_delivery_word_of_the_parsers_corrects_the_delivery(bot):
    """进场 is a delivery to the parser: 进场改到下周二 moves the card's delivery, no second to-do."""
    rep = await carded(bot)
    [before] = bot.rows(Commitment)
    replies = await bot.say(rep, "进场改到下周二")
    assert "已更新 #1" in replies[-1].text, replies[-1].text
    [after] = bot.rows(Commitment)
    assert (after.id, after.kind, after.due_date) == (before.id, "delivery", day_of("下周二"))
    assert len(bot.rows(Note)) == 1


@pytest.mark.parametrize("said", ["数量不对", "写错了", "日期改一下", "不是这个"])
async def test_a_correction_that_names_no_new_value_is_answered_and_stores_nothing(bot, said):
    rep = await carded(bot)
    replies = await bot.say(rep, said)
    assert len(replies) == 1 and "没找到要改的" in replies[0].text
    assert len(bot.rows(Note)) == 1 and [i.quantity for i in bot.rows(Item)] == [80]
