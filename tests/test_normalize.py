"""Text normalisation (nlu/normalize.py): width, script, whitespace, spoken fillers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.normalize import normalize, strip_fillers

NORMALIZE = [
    ("５０台，３月１５日", "50台,3月15日"),  # full width -> half width
    ("ＡＢＢ的报价", "ABB的报价"),
    ("下週三號發貨", "下周三号发货"),  # Traditional -> Simplified
    ("張總說價格太貴了", "张总说价格太贵了"),
    ("兩萬八千塊", "两万八千块"),
    ("  速冻水饺 \t 两千袋\n后天送  ", "速冻水饺 两千袋 后天送"),  # whitespace collapsed
    ("速冻水饺\u3000两千袋", "速冻水饺 两千袋"),  # ideographic space
    ("盒马的宋经理。鲜榨橙汁1L装六百箱", "盒马的宋经理。鲜榨橙汁1L装六百箱"),  # already clean: unchanged
    ("", ""),
]


@pytest.mark.parametrize("text,expected", NORMALIZE, ids=[t for t, _ in NORMALIZE])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_keeps_every_other_character():
    text = "嗯 那个 郑主管 说 元气森林 给的 陈列费高 😀 OK!"
    assert normalize(text) == text


def test_normalize_refuses_non_strings_quietly():
    assert normalize(None) == ""  # type: ignore[arg-type]


FILLERS = [
    ("嗯 那个 郑主管 说 元气森林 给的 陈列费高 然后 我们的 气泡茶 暂时不上了",
     "郑主管 说 元气森林 给的 陈列费高，我们的 气泡茶 暂时不上了"),
    ("然后 就是 沈经理 那边 铜球阀DN25 五百个 然后 月底前 要",
     "沈经理 那边 铜球阀DN25 五百个，月底前 要"),
    ("嗯嗯，然后我们报了价。啊", "我们报了价。"),
    ("呃 这个 价格 太高", "价格 太高"),
    ("郑姐那个便利店要两箱", "郑姐那个便利店要两箱"),  # glued 那个 is not a filler
    ("他就是说不要了", "他就是说不要了"),  # 就是说 inside a clause
    ("就是说下周再谈", "就是说下周再谈"),
    ("价格就是关键", "价格就是关键"),
    ("好啊 那个人 要两台", "好啊 那个人 要两台"),  # 啊 and 那个 inside words stay
    ("合同金额 十万", "合同金额 十万"),  # 额 in 金额 stays
    ("先送样然后再谈", "先送样然后再谈"),  # 然后 inside a clause stays
    ("他说 贵了 但是 质量 还行", "他说 贵了，但是 质量 还行"),  # a pause before a conjunction
    ("价格 不过 还行", "价格，不过 还行"),
    ("贵了但是质量好", "贵了但是质量好"),  # no pause, no break
    ("然后", ""),
    ("", ""),
]


@pytest.mark.parametrize("text,expected", FILLERS, ids=[t for t, _ in FILLERS])
def test_strip_fillers(text, expected):
    assert strip_fillers(text) == expected


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_never_raises_and_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert "  " not in once and once == once.strip()
    strip_fillers(text)
    strip_fillers(once)
