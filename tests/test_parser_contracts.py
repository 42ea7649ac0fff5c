"""The parser's extras other areas build on: expected_close, parts, objection_evidence (AREAS.md).

Duckling-style: one test per example, grouped by the expected value, with negatives that must give
nothing. Every example was written for these tests (none comes from an evaluation set).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from nlu.parser import parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")  # a Monday


def p(text: str) -> dict:
    return parse(text, REF)


# --- expected_close ------------------------------------------------------------------------------

CLOSES = {
    ("2026-04-11", "2026-04-21", "month"): ["张总说下个月中旬签合同", "下个月中旬能定下来", "下个月中旬下单"],
    ("2027-01-01", "2027-04-01", "quarter"): ["明年一季度下单", "他们明年一季度才拍板"],
    ("2026-03-31", "2026-04-01", "day"): ["月底前签", "月底之前要把合同签了", "他说月底前定下来"],
    ("2026-03-09", "2026-03-16", "week"): ["下周签约", "下周能签单", "合同下周签"],
    ("2026-03-11", "2026-03-12", "day"): ["合同下周三签", "下周三让我带合同过去签", "下周三签完合同就发货"],
    ("2026-03-02", "2026-03-09", "week"): ["PO这周内下", "这周就下单"],
    ("2026-03-01", "2026-04-01", "month"): ["他们三月份定下来", "三月份成交"],
    ("2026-07-01", "2026-07-02", "day"): ["7.1之前签约", "7月1号签合同"],
    ("2026-03-03", "2026-03-04", "day"): ["明天下午签合同"],
    # a year, then a quarter of it; a quarter or month already past is the coming one; the verbs reps use
    ("2027-04-01", "2027-07-01", "quarter"): ["明年Q2签", "明年第二季度下单", "明年 Q2 签"],
    ("2027-01-11", "2027-02-01", "month"): ["1月中下旬签约"],
    ("2026-04-01", "2026-05-01", "month"): ["下个月能落地", "王总说4月份合同能走完"],
    ("2026-03-11", "2026-03-12", "day"): ["成交预计 下周三"],
    ("2026-04-11", "2026-04-21", "month"): ["签约时间预计在下个月中旬"],
    ("2026-03-09", "2026-03-16", "week"): ["下周能拿到PO"],
    ("2027-02-01", "2027-02-02", "day"): ["预计二月初下订单"],
    # a range already under way counts from the current month (the forecast's month is never past)
    ("2026-03-01", "2026-04-01", "month"): ["本季度内能签下来", "Q1 走合同"],
}


@pytest.mark.parametrize("text,expected", [(t, v) for v, ts in CLOSES.items() for t in ts])
def test_expected_close(text, expected):
    start, end, grain = expected
    assert p(text).get("expected_close") == {"start": start, "end": end, "grain": grain}


@pytest.mark.parametrize("text", [
    "昨天签了合同",            # done, not expected
    "今天签了合同",
    "上个月就定下来了",
    "合同签不了",              # denied
    "还没定下来",
    "下个月也不会下单",
    "月底前付款",              # a payment is no close
    "下周三发货",              # nor is a delivery
    "下周一签收",              # 签收: goods received
    "签完一周内上线",          # the time dates the go-live
    "张总要签合同",            # a close with no time
    "下周三去拜访张总",
    "一月份签了合同",          # a month past with a close done is no close to come
    "上个月就下单了",
])
def test_no_expected_close(text):
    assert "expected_close" not in p(text)


def test_the_first_close_in_the_note_is_the_one():
    e = p("合同下周三签，框架协议下个月中旬再签")
    assert e["expected_close"]["start"] == "2026-03-11"


# --- parts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,customers", [
    ("上午去了华强电子见了姜经理，要异丙醇十桶。下午到了立新制版，于厂长说再考虑。",
     [("姜经理", "华强电子"), ("于厂长", "立新制版")]),
    ("今天跑了两家：先到蓝海科技找了冯经理，要饮水机五台；然后去了华宇传媒，邵总嫌我们贵。",
     [("冯经理", "蓝海科技"), ("邵总", "华宇传媒")]),
    ("金鼎门窗的马总要拉手三千个。另外顺路去了华安锁业，王厂长说节后装几套试试。",
     [("马总", "金鼎门窗"), ("王厂长", "华安锁业")]),
    ("上午 去了 蓝海印染 彭厂长 要双氧水六十吨 然后 下午 去了 新晨纺织 周经理 说暂时不换",
     [("彭厂长", "蓝海印染"), ("周经理", "新晨纺织")]),
])
def test_a_note_about_several_customers_has_one_part_each(text, customers):
    e = p(text)
    parts = e.get("parts")
    assert parts, text
    assert [((x["customer"] or {}).get("name"), (x["customer"] or {}).get("company")) for x in parts] == customers
    assert e["customer"] == parts[0]["customer"]
    for part in parts:
        assert part["text"] and part["text"] in text
        assert {"customer", "items", "dates", "money", "objections", "competitors"} <= set(part)


def test_each_part_has_its_own_facts_and_the_note_keeps_them_all():
    e = p("上午去了华强电子见了姜经理，要异丙醇十桶。下午到了立新制版，于厂长嫌我们太贵。")
    first, second = e["parts"]
    assert [i["product"] for i in first["items"]] == ["异丙醇"] and not first["objections"]
    assert second["objections"] == ["price"] and not second["items"]
    assert e["objections"] == ["price"] and [i["product"] for i in e["items"]] == ["异丙醇"]


@pytest.mark.parametrize("text", [
    "华强电子的姜经理要异丙醇十桶，下午再打电话确认。",                   # one customer, a later time
    "上午去了华强电子见了姜经理，下午又去了华强电子的仓库看了货。",         # the same customer twice
    "今天跑了两家。上午在华强电子，姜经理要异丙醇十桶。下午没什么事。",    # the afternoon names nobody
    "上午拜访了华强电子的姜经理，然后去了他们车间看设备。",
    "张总要十台，另外李工说样品下周到。",                                # 另外 without a visit
])
def test_a_note_about_one_customer_has_no_parts(text):
    assert "parts" not in p(text), p(text).get("parts")


# --- objection_evidence --------------------------------------------------------------------------

@pytest.mark.parametrize("text,evidence", [
    ("张总说我们太贵了，交期也太长。", [("price", "张总说我们太贵了"), ("delivery_time", "交期也太长")]),
    ("王经理要再考虑一下。", [("decision_delay", "王经理要再考虑一下")]),
    ("我们报三千二一台，李工说隔壁厂才两千八。", [("price", "李工说隔壁厂才两千八")]),
])
def test_each_objection_comes_with_its_clause(text, evidence):
    e = p(text)
    assert [(x["category"], x["text"]) for x in e["objection_evidence"]] == evidence
    assert [x["category"] for x in e["objection_evidence"]] == e["objections"]


def test_evidence_is_given_as_the_note_wrote_it():
    e = p("張總說我們太貴了。")
    assert e["objection_evidence"] == [{"category": "price", "text": "張總說我們太貴了"}]


@pytest.mark.parametrize("text", ["张总要五十台，下周发货。", "我们觉得价格偏高，要请示一下。", "质量没问题。"])
def test_no_objection_no_evidence(text):
    assert "objection_evidence" not in p(text)
