"""Transcript corrections that need no catalogue (nlu/asr_fix.py): pure text, fast."""
from __future__ import annotations

import pytest

from nlu import asr_fix
from nlu.asr_fix import fix_names, surname_for


@pytest.mark.parametrize("heard,expected", [
    ("今天拜访了陈经历。对方已经在跟华为谈。", "今天拜访了陈经理。对方已经在跟华为谈。"),  # title heard as a word
    ("孙金李问能不能先发样品。", "孙经理问能不能先发样品。"),   # jin/jing: one near syllable
    ("王京里说要两百箱", "王经理说要两百箱"),
    ("王精力说下周再谈", "王经理说下周再谈"),
    ("李公反馈价格太高", "李工反馈价格太高"),                 # single-character titles by sound
    ("张纵确认了", "张总确认了"),
    ("跟张主人约了周五", "跟张主任约了周五"),
    ("鱼总说下周再谈", "余总说下周再谈"),                     # a surname heard as a non-surname
    ("旅工那边要两百箱", "吕工那边要两百箱"),
    ("理工反馈价格太高", "李工反馈价格太高"),                 # a word, but said of a person
    ("上午见了鱼经历，他说价格偏高", "上午见了余经理，他说价格偏高"),  # both
])
def test_names_heard_as_homophones_are_corrected(heard, expected):
    text, fixes = fix_names(heard)
    assert text == expected
    assert fixes


@pytest.mark.parametrize("text", [
    "往总部发货", "公司总部在上海", "理工大学的订单", "这段经历很难忘", "他的经历很丰富", "他说精力不够",
    "张公司的", "我和总经理谈了", "各位老总好", "副总说可以", "员工宿舍", "加工费太高", "我们对比型号参数",
    "刘老板说", "李园长说", "这个总价", "张总和王经理都同意", "施工队说", "价格太高", "俞总说可以",
    "王经历过很多事", "一共三十几台", "",
])
def test_words_and_right_names_are_left_alone(text):
    assert fix_names(text) == (text, [])


def test_the_most_common_surname_of_a_sound_wins_and_tone_counts_first():
    assert surname_for("鱼") == "余"   # yu2: 余 ranks above 于 in the 2019 list
    assert surname_for("旅") == "吕"
    assert surname_for("里") == "李"
    assert surname_for("哦") is None    # no surname sounds o


def test_the_surname_list_names_its_source_and_holds_the_common_surnames():
    ranked, trusted = asr_fix.surname_data()
    assert len(ranked) == 100 and len(set(ranked)) == 100 and ranked[:3] == ("王", "李", "张")
    assert set(ranked) <= trusted and {"俞", "喻", "萧"} <= trusted and "鱼" not in trusted
    assert "公安部" in (asr_fix.DATA / "surnames.txt").read_text(encoding="utf-8")
