"""Verbal-promise risk phrases from the phrase packs, with negation and standard terms."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.render import card
from nlu.parser import parse
from nlu.risks import find_risks

RISKY = [
    ("我跟张总说了免费送三个月运维", {"免费", "送三个月"}),
    ("签约后赠送一年维保", {"赠送"}),
    ("我保证下周一定到货", {"保证"}),
    ("跟客户说了不满意可以包退包换", {"包退包换"}),
    ("答应他无条件退货", {"无条件"}),
    ("我说这是全年最低价", {"最低价"}),
    ("我们不仅免费调试，还送两个月耗材", {"免费", "送两个月"}),   # 不仅 is no negation
    ("没问题，保证交期", {"保证"}),                                # 没 belongs to another clause
]
SAFE = [
    "这个价格我们不能保证",
    "没有免费的，安装另算",
    "我们不提供免费培训",
    "跟他说了不会再送了三个月的服务已经结束",
    "保证金交了五万",
    "运费我们负责，免费送货到厂",
    "张总要了报价，下周二去拜访",
]


@pytest.mark.parametrize("text,phrases", RISKY)
def test_promises_beyond_standard_terms_are_marked(text, phrases):
    found = find_risks(text)
    assert {r["phrase"] for r in found} == phrases
    assert all(r["text"] == text for r in found)  # the whole sentence, for the manager


@pytest.mark.parametrize("text", SAFE)
def test_negated_or_standard_phrases_are_not_risks(text):
    assert find_risks(text) == []


def test_only_the_sentence_with_the_promise_is_quoted():
    found = find_risks("张总订了50台。我答应他免费维护两年！下周发货")
    assert [r["text"] for r in found] == ["我答应他免费维护两年"]


def test_the_parser_adds_risks_and_the_card_warns():
    ref = datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    extraction = parse("王总订了20台，我答应免费送三个月运维", ref)
    assert {r["phrase"] for r in extraction["risks"]} == {"免费", "送三个月"}
    shown = card(note_id=1, extraction=extraction, commitments=[])
    assert "口头承诺风险" in shown and "免费" in shown
    plain = parse("王总订了20台，下周发货", ref)
    assert "risks" not in plain and "口头承诺风险" not in card(note_id=2, extraction=plain, commitments=[])


def test_a_pack_adds_its_own_risk_phrases():
    said = "跟院长说了这台设备零副作用"
    assert find_risks(said) == []                                        # not a general phrase
    assert [r["phrase"] for r in find_risks(said, "medical_devices")] == ["零副作用"]
    assert [r["phrase"] for r in find_risks("答应他们不限用户数", "saas")] == ["不限用户数"]
    assert find_risks("答应他们不限用户数", "fmcg") == []                # packs do not leak
