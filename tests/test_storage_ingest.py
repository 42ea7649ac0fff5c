"""Note ingest rules, on SQLite and PostgreSQL: recording, matching, deals, amounts, commitments, crashes."""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import func, select

from storage import notes as notes_module
from storage.deals import change_stage, close_deal
from storage.models import (Commitment, CompetitorMention, Contact, Customer, Deal, Item, MoneyFact, Note,
                            ObjectionMention, StageChange)
from storage.notes import apply_extraction, mark_failed, mark_transcribed, record_inbound, unfinished_notes
from storage.stages import stages_from_config
from storage.teams import add_member, add_team

DEFAULTS = Path(__file__).parents[1] / "bot" / "defaults.toml"
STAGES = stages_from_config(tomllib.loads(DEFAULTS.read_text(encoding="utf-8")))
CST = timezone(timedelta(hours=8))
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=CST)


def extraction(name=None, company=None, items=(), dates=(), money=(), objections=(), competitors=()):
    customer = {"name": name, "company": company} if (name or company) else None
    return {"customer": customer, "items": list(items), "dates": list(dates), "money": list(money),
            "objections": list(objections), "competitors": list(competitors)}


def count(session, table, *where) -> int:
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


@pytest.fixture
def team(db_session):
    team = add_team(session=db_session, name="华东一组")
    manager = add_member(session=db_session, team=team, name="王经理", role="manager")
    li = add_member(session=db_session, team=team, name="小李", manager=manager)
    zhang = add_member(session=db_session, team=team, name="小张", manager=manager)
    return {"team": team, "manager": manager, "li": li, "zhang": zhang}


counter = iter(range(1, 10**9))


def note_by(session, member, ext, at=MONDAY, text="", **kwargs):
    """Records and applies a note as a channel would."""
    note, _ = record_inbound(session=session, author_id=member.id, channel="local",
                             channel_message_id=f"m{next(counter)}", received_at=at, text=text or "测试")
    return apply_extraction(session=session, note=note, extraction=ext, stages=STAGES, **kwargs)


# --- phase 1 ---------------------------------------------------------------------------------

def test_inbound_is_stored_before_parsing_and_once_per_delivery(db_session, team):
    first = record_inbound(session=db_session, author_id=team["li"].id, channel="telegram",
                           channel_message_id="42:7", received_at=MONDAY, text="张总，A型号50台")
    assert not first.duplicate and first.note.state == "received"
    again = record_inbound(session=db_session, author_id=team["li"].id, channel="telegram",
                           channel_message_id="42:7", received_at=MONDAY + timedelta(minutes=1),
                           text="张总，A型号50台")
    assert again.duplicate and again.note.id == first.note.id
    other_channel = record_inbound(session=db_session, author_id=team["li"].id, channel="wecom",
                                   channel_message_id="42:7", received_at=MONDAY, text="x")
    assert not other_channel.duplicate
    assert count(db_session, Note) == 2
    stored = db_session.get(Note, first.note.id)
    assert stored.raw_text == "张总，A型号50台"
    assert stored.received_at == MONDAY.astimezone(timezone.utc)


def test_unfinished_notes_are_received_or_transcribed(db_session, team):
    li = team["li"]
    a = record_inbound(session=db_session, author_id=li.id, channel="local", channel_message_id="a",
                       received_at=MONDAY, audio_ref="voice/a.ogg").note
    b = record_inbound(session=db_session, author_id=li.id, channel="local", channel_message_id="b",
                       received_at=MONDAY, text="张总 明天发货").note
    c = record_inbound(session=db_session, author_id=li.id, channel="local", channel_message_id="c",
                       received_at=MONDAY, text="坏").note
    mark_transcribed(session=db_session, note=a, transcript="王总 下周一见面")
    apply_extraction(session=db_session, note=b, extraction=extraction("张总"), stages=STAGES)
    mark_failed(session=db_session, note=c, error="parser crashed")
    assert [n.id for n in unfinished_notes(session=db_session)] == [a.id]
    assert db_session.get(Note, c.id).error == "parser crashed"


# --- who the note is about ----------------------------------------------------------------------

def test_same_contact_of_same_company_is_one_contact_of_one_customer(db_session, team):
    first = note_by(db_session, team["li"], extraction("张总", "盒马"))
    second = note_by(db_session, team["li"], extraction("张总", "盒马"))
    by_other_rep = note_by(db_session, team["zhang"], extraction("张总", "盒马"))
    assert first.new_customer and not second.new_customer
    assert first.customer.id == second.customer.id == by_other_rep.customer.id
    assert first.contact.id == second.contact.id == by_other_rep.contact.id
    assert count(db_session, Customer) == 1 and count(db_session, Contact) == 1
    assert first.contact.title == "总" and first.contact.role == "decision_maker"


def test_matching_stays_within_the_team(db_session, team):
    other = add_team(session=db_session, name="华南组")
    rep = add_member(session=db_session, team=other, name="小陈")
    ours = note_by(db_session, team["li"], extraction("张总", "盒马"))
    theirs = note_by(db_session, rep, extraction("张总", "盒马"))
    assert ours.customer.id != theirs.customer.id
    assert theirs.customer.team_id == other.id


def test_without_company_the_reps_customer_with_that_contact_matches(db_session, team):
    known = note_by(db_session, team["li"], extraction("张总", "盒马"))
    later = note_by(db_session, team["li"], extraction("张总", None))
    assert later.customer.id == known.customer.id and later.contact.id == known.contact.id
    assert not later.new_customer and later.deal.id == known.deal.id


def test_without_company_and_no_match_a_customer_named_after_the_contact(db_session, team):
    note_by(db_session, team["zhang"], extraction("刘工", "京东"))  # someone else's 刘工
    first = note_by(db_session, team["li"], extraction("刘工", None))
    assert first.new_customer and first.customer.name == "刘工" and first.customer.is_person
    again = note_by(db_session, team["li"], extraction("刘工", None))
    assert again.customer.id == first.customer.id and not again.new_customer
    assert count(db_session, Customer) == 2


def test_two_candidates_make_the_note_ambiguous_with_nothing_linked(db_session, team):
    li = team["li"]
    hema = note_by(db_session, li, extraction("张总", "盒马")).customer
    wumart = note_by(db_session, li, extraction("张总", "物美")).customer
    ext = extraction("张总", None, items=[{"product": "A型号", "quantity": 50, "unit": "台"}],
                     dates=[{"date": "2026-03-05", "kind": "delivery", "status": "planned"}])
    result = note_by(db_session, li, ext)
    assert result.ambiguous
    assert {c.customer_name for c in result.candidates} == {"盒马", "物美"}
    assert all(c.contact_name == "张总" for c in result.candidates)
    note = db_session.get(Note, result.note.id)
    assert note.state == "ambiguous" and note.customer_id is None and note.deal_id is None
    assert count(db_session, Item) == 0 and count(db_session, Commitment) == 0
    assert note not in unfinished_notes(session=db_session)
    # the rep picks 物美: the same extraction is applied with that customer
    picked = apply_extraction(session=db_session, note=note, extraction=note.extraction, stages=STAGES,
                              customer_id=wumart.id)
    assert not picked.ambiguous and picked.customer.id == wumart.id != hema.id
    assert picked.note.state == "parsed"
    assert count(db_session, Item, Item.deal_id == picked.deal.id) == 1
    assert [c.due_date for c in picked.commitments] == [date(2026, 3, 5)]


def test_a_note_without_customer_links_nothing_but_keeps_its_facts(db_session, team):
    ext = extraction(items=[{"product": "水泥", "quantity": 30, "unit": "吨"}],
                     dates=[{"date": "2026-03-04", "kind": "followup", "status": "planned"}])
    result = note_by(db_session, team["li"], ext)
    assert result.customer is None and result.deal is None
    assert count(db_session, Item) == 1 and count(db_session, Deal) == 0
    assert result.commitments[0].owner_id == team["li"].id and result.commitments[0].deal_id is None


# --- deals -------------------------------------------------------------------------------------

def test_note_joins_the_reps_open_deal_or_opens_one_at_the_first_stage(db_session, team):
    li, zhang = team["li"], team["zhang"]
    first = note_by(db_session, li, extraction("张总", "盒马"))
    assert first.new_deal and first.deal.stage == STAGES[0].name and first.deal.status == "open"
    second = note_by(db_session, li, extraction("张总", "盒马"), at=MONDAY + timedelta(days=3))
    assert not second.new_deal and second.deal.id == first.deal.id
    assert second.deal.last_activity_at == (MONDAY + timedelta(days=3)).astimezone(timezone.utc)
    other_rep = note_by(db_session, zhang, extraction("张总", "盒马"))
    assert other_rep.new_deal and other_rep.deal.owner_id == zhang.id
    close_deal(session=db_session, deal=first.deal, status="won")
    after_win = note_by(db_session, li, extraction("张总", "盒马"))
    assert after_win.new_deal and after_win.deal.id != first.deal.id
    assert after_win.deal.stage == STAGES[0].name
    assert count(db_session, StageChange, StageChange.deal_id == after_win.deal.id) == 1


def test_first_stage_comes_from_the_stage_list_given(db_session, team):
    custom = stages_from_config([{"name": "意向", "probability": 0.2, "stall_days": 7},
                                 {"name": "成交", "probability": 1.0, "stall_days": 30}])
    note, _ = record_inbound(session=db_session, author_id=team["li"].id, channel="local",
                             channel_message_id="custom", received_at=MONDAY, text="x")
    result = apply_extraction(session=db_session, note=note, extraction=extraction("张总", "盒马"),
                              stages=custom)
    assert result.deal.stage == "意向"


@pytest.mark.parametrize("steps, expected", [
    ([[("budget", 500000)]], (500000, "budget")),
    ([[("budget", 500000)], [("quote", 420000)]], (420000, "quote")),
    ([[("quote", 420000)], [("budget", 380000)]], (420000, "quote")),
    ([[("quote", 420000)], [("deal", 400000)], [("quote", 450000)]], (400000, "deal")),
    ([[("deal", 400000)], [("deal", 395000)]], (395000, "deal")),
    ([[("competitor_price", 300000), ("other", 10000)]], (None, None)),
])
def test_deal_amount_latest_deal_figure_else_quote_else_budget(db_session, team, steps, expected):
    deal = None
    for day, money in enumerate(steps):
        ext = extraction("张总", "盒马", money=[{"amount": a, "kind": k} for k, a in money])
        deal = note_by(db_session, team["li"], ext, at=MONDAY + timedelta(days=day)).deal
    assert (deal.amount, deal.amount_kind) == expected


def test_a_deadline_is_no_expected_close_a_close_said_is(db_session, team):
    """报价周五前发 is the rep's deadline, not the deal's close; only the parser's expected_close (a
    clause that signs or orders) sets it."""
    ext = extraction("张总", "盒马", dates=[
        {"date": "2026-03-10", "kind": "deadline", "status": "planned"},
        {"date": "2026-03-06", "kind": "delivery", "status": "planned"}])
    deal = note_by(db_session, team["li"], ext).deal
    assert deal.expected_close is None
    ext["expected_close"] = {"start": "2026-03-20", "end": "2026-03-21", "grain": "day"}
    deal = note_by(db_session, team["li"], ext).deal
    assert (deal.expected_close, deal.expected_close_grain) == (date(2026, 3, 20), "day")


# --- commitments ---------------------------------------------------------------------------------

def test_only_planned_dates_become_commitments_owned_by_the_rep(db_session, team):
    li = team["li"]
    ext = extraction("张总", "盒马", dates=[
        {"date": "2026-03-02", "kind": "meeting", "status": "reported"},   # 今天拜访了
        {"date": "2026-03-01", "kind": "meeting", "status": "reported"},   # 昨天见了
        {"date": "2026-03-02", "kind": "delivery", "status": "planned"},   # 今天下午送货
        {"date": "2026-03-09", "kind": "followup", "status": "planned"}])  # 下周一再联系
    result = note_by(db_session, li, ext, text="今天拜访了张总，昨天见了王总，今天下午送货，下周一再联系")
    made = sorted((c.due_date, c.kind) for c in result.commitments)
    assert made == [(date(2026, 3, 2), "delivery"), (date(2026, 3, 9), "followup")]
    stored = db_session.exec(select(Commitment)).all()
    assert len(stored) == 2
    assert all(c.owner_id == li.id and c.state == "open" and c.deal_id == result.deal.id for c in stored)
    assert all("下周一再联系" in c.text for c in stored)


def test_a_reported_event_only_counts_as_activity(db_session, team):
    li = team["li"]
    first = note_by(db_session, li, extraction("张总", "盒马"))
    later = MONDAY + timedelta(days=5)
    ext = extraction("张总", "盒马", dates=[{"date": "2026-03-07", "kind": "meeting", "status": "reported"}])
    result = note_by(db_session, li, ext, at=later)
    assert result.commitments == []
    assert count(db_session, Commitment) == 0
    assert result.deal.id == first.deal.id
    assert result.deal.last_activity_at == later.astimezone(timezone.utc)


def test_without_a_status_only_days_after_the_note_are_plans(db_session, team):
    ext = extraction("张总", "盒马", dates=[{"date": "2026-03-01", "kind": "meeting"},
                                        {"date": "2026-03-02", "kind": "meeting"},
                                        {"date": "2026-03-03", "kind": "delivery"}])
    result = note_by(db_session, team["li"], ext)
    assert [(c.due_date, c.kind) for c in result.commitments] == [(date(2026, 3, 3), "delivery")]


def test_facts_rows_follow_the_extraction(db_session, team):
    ext = extraction("张总", "盒马",
                     items=[{"product": "A型号", "quantity": 50, "unit": "台"},
                            {"product": "B型号", "quantity": 2.5, "unit": "吨"}],
                     money=[{"amount": 6.5, "kind": "quote"}],
                     objections=["price", "price", "delivery_time"], competitors=["伟星管业"])
    result = note_by(db_session, team["li"], ext)
    items = db_session.exec(select(Item).order_by(Item.id)).all()
    assert [(i.product, i.quantity, i.unit) for i in items] == [("A型号", 50, "台"), ("B型号", 2.5, "吨")]
    assert {o.category for o in db_session.exec(select(ObjectionMention)).all()} == {"price", "delivery_time"}
    assert count(db_session, ObjectionMention) == 2
    assert [c.name for c in db_session.exec(select(CompetitorMention)).all()] == ["伟星管业"]
    assert all(i.deal_id == result.deal.id and i.customer_id == result.customer.id for i in items)


def test_malformed_extraction_parts_are_skipped_not_fatal(db_session, team):
    ext = {"customer": "盒马", "items": [{"product": "A", "quantity": "五十"}, None, {"quantity": 3}],
           "dates": [{"date": "2026-13-45", "kind": "delivery", "status": "planned"}, "x"],
           "money": "lots", "objections": [1, "price"], "competitors": None}
    result = note_by(db_session, team["li"], ext)
    assert result.note.state == "parsed" and result.customer is None
    assert count(db_session, Item) == 1 and count(db_session, Commitment) == 0
    with pytest.raises(ValueError):
        note_by(db_session, team["li"], ["not", "a", "dict"])


# --- crash safety and corrections ----------------------------------------------------------------

def test_a_crash_halfway_leaves_the_note_received_with_no_rows(db_sessions, monkeypatch):
    with db_sessions() as session:
        team = add_team(session=session, name="华东一组")
        rep = add_member(session=session, team=team, name="小李")
        note, _ = record_inbound(session=session, author_id=rep.id, channel="telegram",
                                 channel_message_id="1:1", received_at=MONDAY, text="张总 A型号50台 明天发货")
        note_id = note.id
    ext = extraction("张总", "盒马", items=[{"product": "A型号", "quantity": 50, "unit": "台"}],
                     money=[{"amount": 100000, "kind": "quote"}],
                     dates=[{"date": "2026-03-03", "kind": "delivery", "status": "planned"}])

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(notes_module, "_add_commitments", crash)  # after customer, deal and items
    with db_sessions() as session:
        with pytest.raises(RuntimeError):
            apply_extraction(session=session, note=session.get(Note, note_id), extraction=ext, stages=STAGES)
    monkeypatch.undo()

    with db_sessions() as session:  # what a restarted process sees
        assert session.get(Note, note_id).state == "received"
        for table in (Customer, Contact, Deal, Item, MoneyFact, Commitment, StageChange):
            assert count(session, table) == 0, table.__name__
        assert [n.id for n in unfinished_notes(session=session)] == [note_id]
        result = apply_extraction(session=session, note=session.get(Note, note_id), extraction=ext,
                                  stages=STAGES)
        assert result.note.state == "parsed" and result.deal.amount == 100000
    with db_sessions() as session:
        assert count(session, Item) == 1 and count(session, Commitment) == 1
        assert unfinished_notes(session=session) == []


def test_applying_again_replaces_what_the_note_produced(db_session, team):
    li = team["li"]
    ext = extraction("张总", None, items=[{"product": "A型号", "quantity": 50, "unit": "台"}],
                     dates=[{"date": "2026-03-05", "kind": "delivery", "status": "planned"}])
    first = note_by(db_session, li, ext)
    assert first.customer.name == "张总"
    # 客户是王总 / 数量改成60: the corrected extraction is applied to the same note
    fixed = extraction("王总", "盒马", items=[{"product": "A型号", "quantity": 60, "unit": "台"}],
                       dates=[{"date": "2026-03-05", "kind": "delivery", "status": "planned"}])
    second = apply_extraction(session=db_session, note=first.note, extraction=fixed, stages=STAGES)
    assert second.customer.name == "盒马" and second.contact.name == "王总"
    assert [i.quantity for i in db_session.exec(select(Item)).all()] == [60]
    assert count(db_session, Commitment) == 1
    # the placeholder customer 张总 and its deal existed only because of this note: gone
    assert [c.name for c in db_session.exec(select(Customer)).all()] == ["盒马"]
    assert count(db_session, Deal) == 1


def test_a_stage_move_requires_the_configured_facts(db_session, team):
    from storage.deals import MissingFacts

    deal = note_by(db_session, team["li"], extraction("李工", "万科")).deal
    with pytest.raises(MissingFacts) as missing:
        change_stage(session=db_session, deal=deal, stage="商务谈判", stages=STAGES)
    assert set(missing.value.missing) == {"quote", "decision_maker"}
    note_by(db_session, team["li"], extraction("周总", "万科", money=[{"amount": 80000, "kind": "quote"}]))
    moved = change_stage(session=db_session, deal=deal, stage="商务谈判", stages=STAGES, by_id=team["li"].id)
    assert moved.stage == "商务谈判"
    with pytest.raises(ValueError):
        change_stage(session=db_session, deal=deal, stage="不存在", stages=STAGES)


def test_candidates_of_a_stored_ambiguous_note_are_read_without_writing(db_session, team):
    from storage.notes import candidates_for_note

    li = team["li"]
    note_by(db_session, li, extraction("张总", "盒马"))
    note_by(db_session, li, extraction("张总", "物美"))
    waiting = note_by(db_session, li, extraction("张总", None)).note
    customers_before = count(db_session, Customer)
    offered = candidates_for_note(session=db_session, note=waiting)
    assert [c.customer_name for c in offered] == ["盒马", "物美"]
    assert count(db_session, Customer) == customers_before
    chosen = apply_extraction(session=db_session, note=waiting, extraction=waiting.extraction, stages=STAGES,
                              new_customer=True)  # "neither": a new customer named after the contact
    assert chosen.new_customer and chosen.customer.name == "张总" and chosen.customer.is_person


def test_a_delivery_racing_in_from_another_worker_is_stored_once(db_session, team, monkeypatch):
    """No read before the insert (another worker's row may land between a read and an insert): the
    unique delivery key refuses the second row, and only then is the stored note looked up."""
    first = record_inbound(session=db_session, author_id=team["li"].id, channel="telegram",
                           channel_message_id="9:9", received_at=MONDAY, text="张总").note
    real_find = notes_module._find_delivery
    seen = []

    def find(session, channel, message_id):
        seen.append(count(session, Note))
        return real_find(session, channel, message_id)

    monkeypatch.setattr(notes_module, "_find_delivery", find)
    again = record_inbound(session=db_session, author_id=team["li"].id, channel="telegram",
                           channel_message_id="9:9", received_at=MONDAY, text="张总")
    assert again.duplicate and again.note.id == first.id
    assert seen == [1]       # looked up once, after the refusal, when only the first row exists
    assert count(db_session, Note) == 1


def test_a_crash_while_correcting_keeps_the_previous_result(db_sessions, monkeypatch):
    with db_sessions() as session:
        team = add_team(session=session, name="华东一组")
        rep = add_member(session=session, team=team, name="小李")
        note, _ = record_inbound(session=session, author_id=rep.id, channel="local", channel_message_id="c1",
                                 received_at=MONDAY, text="张总 A型号50台")
        apply_extraction(session=session, note=note, stages=STAGES, extraction=extraction(
            "张总", "盒马", items=[{"product": "A型号", "quantity": 50, "unit": "台"}]))
        note_id = note.id

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(notes_module, "_add_facts", crash)
    with db_sessions() as session:
        with pytest.raises(RuntimeError):
            apply_extraction(session=session, note=session.get(Note, note_id), stages=STAGES, extraction=extraction(
                "王总", "物美", items=[{"product": "A型号", "quantity": 60, "unit": "台"}]))
    with db_sessions() as session:
        kept = session.get(Note, note_id)
        assert kept.state == "parsed" and kept.extraction["customer"]["company"] == "盒马"
        assert [i.quantity for i in session.exec(select(Item)).all()] == [50]
        assert [c.name for c in session.exec(select(Customer)).all()] == ["盒马"]


def test_a_correction_does_not_reopen_a_kept_promise(db_session, team):
    from storage.deals import complete_commitment

    dates = [{"date": "2026-03-03", "kind": "delivery", "status": "planned"},
             {"date": "2026-03-09", "kind": "followup", "status": "planned"}]
    first = note_by(db_session, team["li"], extraction("张总", "盒马", dates=dates))
    delivery = next(c for c in first.commitments if c.kind == "delivery")
    complete_commitment(session=db_session, commitment=delivery)
    again = apply_extraction(session=db_session, note=first.note, stages=STAGES,
                             extraction=extraction("张总", "盒马", dates=dates + [
                                 {"date": "2026-03-12", "kind": "payment", "status": "planned"}]))
    assert sorted(c.kind for c in again.commitments) == ["followup", "payment"]
    states = sorted((c.kind, c.state) for c in db_session.exec(select(Commitment)).all())
    assert states == [("delivery", "done"), ("followup", "open"), ("payment", "open")]
