"""The number, quantity and money readers (nlu/numbers.py), Duckling-style: groups of phrases with
their expected value, and negative groups that must yield nothing."""
from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.numbers import (
    UNITS, find_money, find_numbers, find_quantities, find_specs, money_after, to_number,
)

# NOTES_SCHEMA.md "numbers", plus the colloquial forms reps use.
NUMERALS = {
    "五十": 50, "两百": 200, "一千三百": 1300, "1.5万": 15000, "一万三千": 13000, "二百万": 2000000,
    "三千": 3000, "十二万五": 125000, "十八万五": 185000, "十六万八": 168000, "七万二": 72000,
    "四千六": 4600, "二百七": 270, "一千二": 1200, "两万八": 28000, "一百一": 110, "三千六百五": 3650,
    "一千零五十": 1050, "两千九百五": 2950, "一百二十八": 128, "0.5": 0.5, "半": 0.5, "一点五": 1.5,
    "十四万八": 148000, "一万零四十": 10040, "二零二六": 2026, "3,650": 3650, "3万5": 35000,
    "叁仟陆佰伍拾": 3650, "兩萬八": 28000,
}


@pytest.mark.parametrize("text,value", NUMERALS.items(), ids=list(NUMERALS))
def test_to_number_reads_each_form(text, value):
    got = to_number(text)
    assert got == value
    assert type(got) is type(value)  # integers as int, others as float


@pytest.mark.parametrize("text", ["", "   ", "abc", "两三百", "十百", "一二", "三点", "万万", "五一", "😀", "1.2.3"])
def test_to_number_refuses_what_is_not_one_numeral(text):
    assert to_number(text) is None


def test_to_number_refuses_non_strings():
    assert to_number(None) is None  # type: ignore[arg-type]
    assert to_number(12) is None  # type: ignore[arg-type]


# --- quantities --------------------------------------------------------------------------------------


def _q(text, units=()):
    return [(q.value, q.unit) for q in find_quantities(text, units) if q.kind == "count"]


@pytest.mark.parametrize("unit", sorted(set(UNITS) - {"个"}))
def test_every_schema_unit_is_a_measure_word(unit):
    assert _q(f"这次要二十{unit}，下周送") == [(20, unit)]


QUANTITIES = [
    ("离合器片三千套", [(3000, "套")]),
    ("A型号订50台", [(50, "台")]),
    ("贴片电容1.5万件", [(15000, "件")]),
    ("共模扼流圈两万颗", [(20000, "颗")]),
    ("二百万颗", [(2000000, "颗")]),
    ("卷尺三百个，茶几十二个", [(300, "个"), (12, "个")]),
    ("速冻水饺 两千袋 后天送", [(2000, "袋")]),
    ("双面组件，两兆瓦", [(2, "兆瓦")]),
    ("钠电池正极材料五百公斤", [(500, "公斤")]),
    ("销售技能内训，报了二十五人", [(25, "人")]),
    ("一个月大概四十车", [(40, "车")]),
    ("移动DR一台，先放一台三个月", [(1, "台"), (1, "台")]),
    ("三百多箱", [(300, "箱")]),
    ("钢丝两吨半", [(2.5, "吨")]),
    ("HRB400螺纹钢两百八十吨", [(280, "吨")]),
    ("三元正极NCM811五十吨", [(50, "吨")]),
    ("B5笔记本三百本", [(300, "本")]),
    ("培训三期", [(3, "期")]),
    ("五十台", [(50, "台")]),
    ("５０台", [(50, "台")]),
    ("三百臺", [(300, "台")]),  # units come back Simplified
]


@pytest.mark.parametrize("text,expected", QUANTITIES, ids=[t for t, _ in QUANTITIES])
def test_find_quantities(text, expected):
    assert _q(text) == expected


COUNTING_NOUNS = [
    ("八十个账号", (80, "账号")), ("门店管理系统三百个门店", (300, "门店")), ("五十个用户", (50, "用户")),
    ("二十个授权", (20, "授权")), ("一百个托位", (100, "托位")), ("两百个终端", (200, "终端")),
]


@pytest.mark.parametrize("text,expected", COUNTING_NOUNS, ids=[t for t, _ in COUNTING_NOUNS])
def test_counting_noun_after_ge_is_the_unit(text, expected):
    assert _q(text) == [expected]


def test_units_from_an_industry_pack_count_too():
    assert _q("Python课程三十课时") == []
    assert _q("Python课程三十课时", units=["课时"]) == [(30, "课时")]
    assert _q("开两个班", units=["班"]) == [(2, "班")]
    assert _q("十五槽车", units=("槽车", "车")) == [(15, "槽车")]


PACKAGES = [
    ("复合肥每袋五十公斤", (50, "公斤")), ("每箱十二瓶", (12, "瓶")), ("每桶十八升", None),
    ("十二瓶一箱", (12, "瓶")), ("一袋五十公斤", (50, "公斤")), ("每车三十吨", (30, "吨")),
    ("12瓶/箱", (12, "瓶")),
]


@pytest.mark.parametrize("text,expected", PACKAGES, ids=[t for t, _ in PACKAGES])
def test_package_sizes_are_flagged_not_counted(text, expected):
    found = find_quantities(text)
    assert all(q.kind == "package" for q in found)
    assert [(q.value, q.unit) for q in found] == ([expected] if expected else [])


def test_package_size_beside_the_order():
    found = find_quantities("有机肥八百袋，每袋五十公斤")
    assert [(q.value, q.unit, q.kind) for q in found] == [(800, "袋", "count"), (50, "公斤", "package")]


SPECS = [
    ("薯片七十克装九百箱", "七十克装", [(900, "箱")]),
    ("鲜榨橙汁1L装六百箱", "1L装", [(600, "箱")]),
    ("光伏电缆六平方三万米", "六平方", [(30000, "米")]),
    ("洗衣液500ml二十箱", "500ml", [(20, "箱")]),
    ("光纤激光器1.5kW两台", "1.5kW", [(2, "台")]),
]


@pytest.mark.parametrize("text,spec,items", SPECS, ids=[t for t, _, _ in SPECS])
def test_specs_are_not_quantities(text, spec, items):
    assert _q(text) == items
    assert spec in [s.text for s in find_specs(text)]


NOT_QUANTITIES = [
    "预付20%的货款", "百分之八十", "便宜两成", "打八折", "低6个点", "要降五个点",
    "3月15日发货", "15号到", "3.15送", "下午三点到", "十点半开会", "电话13812345678", "X3-200", "DOT4",
    "DN25", "试用一个月", "至少三个月", "一个学期", "等了五天", "第一批", "第三方检测报告", "拿一个小项目试试",
    "龙湖天街二期", "单价三块六一斤", "便宜 五十块 一吨", "一个 才 九十", "三年质保", "十字螺丝刀",
    "零件", "只要五千", "价格 按二十六块八",
]


@pytest.mark.parametrize("text", NOT_QUANTITIES)
def test_not_quantities(text):
    assert _q(text) == []


def test_quantity_spans_point_into_the_text():
    text = "速干面料八千米，5月12号前交"
    (q,) = find_quantities(text)
    assert (q.start, q.end, q.text) == (4, 7, "八千米")
    assert text[q.start:q.end] == q.text


# --- money -----------------------------------------------------------------------------------------

MONEY = [
    ("十二万五", 125000), ("十八万五", 185000), ("十六万八", 168000), ("七万二", 72000), ("五十万", 500000),
    ("200万", 2000000), ("报价四千六", 4600), ("报价二百七", 270), ("六块五", 6.5), ("两块四", 2.4),
    ("一块零八", 1.08), ("九毛五", 0.95), ("三毛六", 0.36), ("一毛四", 0.14), ("三厘", 0.003),
    ("1.2万元", 12000), ("3650元", 3650), ("单价三千六百五", 3650), ("报价六十五", 65), ("¥3650", 3650),
    ("￥3,650", 3650), ("人民币三千六", 3600), ("RMB 3650", 3650), ("3650人民币", 3650), ("五十块钱", 50),
    ("二十二块五", 22.5), ("两块半", 2.5), ("两毛", 0.2), ("五分", 0.05), ("预算两百六十万", 2600000),
    ("预算大概二十万", 200000), ("总价八万四", 84000), ("定金二十万", 200000), ("培训费人均两千六", 2600),
    ("我们报 一百一 然后", 110), ("每趟报价六千二", 6200), ("京东物流 只要 五千 然后", 5000),
    ("年费九十万", 900000), ("进场费三千", 3000), ("他想降到两万八", 28000), ("成交价一万九", 19000),
    ("壹拾贰元叁角肆分", 12.34), ("八块五", 8.5), ("MLCC一分五", 0.015), ("单价一块二一平", 1.2),
    ("派送费一单五毛太高", 0.5),
]


@pytest.mark.parametrize("text,amount", MONEY, ids=[t for t, _ in MONEY])
def test_find_money(text, amount):
    assert [m.amount for m in find_money(text)] == [amount]


UNIT_PRICES = [
    ("3650元/吨", 3650, "吨"), ("单价十四万八一吨", 148000, "吨"), ("价格一百六一桶", 160, "桶"),
    ("单价三块六一斤", 3.6, "斤"), ("每米二十二块五", 22.5, None), ("单价一万九一吨", 19000, "吨"),
    ("报价 每车 五千六", 5600, None), ("三块五每斤", 3.5, "斤"),
]


@pytest.mark.parametrize("text,amount,per", UNIT_PRICES, ids=[t for t, _, _ in UNIT_PRICES])
def test_unit_prices(text, amount, per):
    (m,) = find_money(text)
    assert m.amount == amount
    if per:
        assert m.per == per


def test_a_list_of_prices_after_one_cue():
    assert [m.amount for m in find_money("单价分别是六十五和四十八，下周到货")] == [65, 48]


BOUNDS = [
    ("最多一块二", [(1.2, "max")]), ("至少三块零四", [(3.04, "min")]), ("预算五十万以内", [(500000, "max")]),
    ("3.04块以上", [(3.04, "min")]), ("5.6到5.78元", [(5.6, "min"), (5.78, "max")]),
    ("五块六到五块七毛八", [(5.6, "min"), (5.78, "max")]), ("至少三块四分", [(3.04, "min")]),
]


@pytest.mark.parametrize("text,expected", BOUNDS, ids=[t for t, _ in BOUNDS])
def test_bounds(text, expected):
    assert [(m.amount, m.bound) for m in find_money(text)] == expected


NOT_MONEY = [
    "便宜两成", "打八折", "低6个点", "便宜两块五", "预付20%", "降价百分之八", "便宜 五十块 一吨", "中通比我们低两毛",
    "柳工的铲车便宜三万", "比我们便宜 八百一吨", "每吨便宜一千", "联影的CT报价低了一百多万",
    "离合器片三千套", "二百万颗", "三元正极材料五十吨", "这个十分重要", "十点五分开会", "3月15日",
    "电话13812345678", "3.14港币", "交期 只要 二十天", "地砖两千块", "报了二十五人", "万一他不要",
    "千万别忘了", "第一批一千套", "一个 才", "单价按上个月的走", "精度我们只能做到0.01", "六角螺栓",
]


@pytest.mark.parametrize("text", NOT_MONEY)
def test_not_money(text):
    assert find_money(text) == []


def test_money_span_covers_the_words():
    text = "小麦种子八千斤，单价三块六一斤。"
    (m,) = find_money(text)
    assert m.text == "三块六一斤" and text[m.start:m.end] == m.text


def test_money_after_a_cue():
    text = "报价 每车 五千六，交期只要二十天"
    m = money_after(text, text.index("报价") + 2)
    assert m is not None and m.amount == 5600 and m.text == "五千六"
    assert money_after(text, text.index("只要") + 2) is None  # 二十天 is a duration
    assert money_after("隔壁厂才报四十五", len("隔壁厂才报")) .amount == 45
    assert money_after("预算确认了", 2) is None
    assert money_after("x", 5) is None


# --- find_numbers --------------------------------------------------------------------------------------


def test_find_numbers_spans_and_values():
    text = "冰醋酸一百二十吨，7月8号开始送，单价两千九百五"
    assert [(s.text, v) for s, v in find_numbers(text)] == [
        ("一百二十", 120), ("7", 7), ("8", 8), ("两千九百五", 2950)]


@pytest.mark.parametrize("text", ["一起送", "十字螺丝刀", "万盛化工", "千万别", "三环的电容", "X3-200", "DN25",
                                  "统一", "一直在用", "五一前"])
def test_words_with_numeral_characters_are_not_numbers(text):
    assert find_numbers(text) == []


def test_find_numbers_reads_negatives_fractions_and_percent():
    assert [v for _, v in find_numbers("负5")] == [-5]
    assert [v for _, v in find_numbers("三分之一的货")] == [pytest.approx(1 / 3)]
    assert [v for _, v in find_numbers("降价百分之八")] == [0.08]


# --- properties --------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10**11))
def test_to_number_agrees_with_cn2an(n):
    assert to_number(cn2an.an2cn(n)) == n
    assert to_number(cn2an.an2cn(n, "up")) == n
    assert to_number(str(n)) == n and to_number(f"{n:,}") == n


@given(st.integers(min_value=1, max_value=10**9))
def test_find_money_agrees_with_cn2an_rmb(cents):
    amount = cents / 100
    text = cn2an.an2cn(amount, "rmb")  # 壹拾贰元叁角肆分
    assert [m.amount for m in find_money(text)] == [pytest.approx(amount)]


_ALPHABET = st.characters(codec="utf-8") | st.sampled_from(list("零一二两三四五六七八九十百千万亿点块元毛分厘个台吨每¥%到-.0123456789 "))


@settings(max_examples=400)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_readers_never_raise_and_spans_are_honest(text):
    assert to_number(text) is None or isinstance(to_number(text), (int, float))
    for found in (find_quantities(text, ["课时"]), find_money(text), find_specs(text)):
        for s in found:
            assert 0 <= s.start < s.end <= len(text) and text[s.start:s.end] == s.text
    for span, value in find_numbers(text):
        assert text[span.start:span.end] == span.text and isinstance(value, (int, float))
    for m in find_money(text):
        assert m.amount >= 0
    money_after(text, len(text) // 2)


# --- rules found on the industry packs' example notes ------------------------------------------------

UNIT_PRICE_FIRST = [
    ("我们报一盒六十八", 68, "盒"), ("复合肥一吨二千九", 2900, "吨"), ("一个授权四千五", 4500, "授权"),
    ("手套 一箱 二百七 月底前到", 270, "箱"), ("单价一米一百三十五", 135, "米"), ("条码费一个单品三千", 3000, "单品"),
]


@pytest.mark.parametrize("text,amount,per", UNIT_PRICE_FIRST, ids=[t for t, _, _ in UNIT_PRICE_FIRST])
def test_unit_price_said_unit_first(text, amount, per):
    assert [(m.amount, m.per) for m in find_money(text)] == [(amount, per)]
    assert _q(text) == []  # the 一箱 of a unit price is not an order of one box


@pytest.mark.parametrize("text,amount", [
    ("想按每个十一块算", 11), ("他想要六十二", 62), ("他只肯给二百五", 250), ("七千以内能接受", 7000),
    ("办公经费只剩八千", 8000), ("预算每本十五块以内", 15),
])
def test_more_price_cues(text, amount):
    assert [m.amount for m in find_money(text)] == [amount]


@pytest.mark.parametrize("text", ["六角螺栓", "幅宽一米五", "五一后开班", "三一重工的经理", "一块组件", "标的二十八"])
def test_more_not_money(text):
    assert find_money(text) == []


def test_pieces_per_pallet_are_not_money():
    assert [(q.value, q.unit, q.kind) for q in find_quantities("每托三十六块")] == [(36, "块", "package")]


@pytest.mark.parametrize("text,expected", [
    ("三台25吨汽车吊", [(3, "台")]), ("现在改成八台3吨电动叉车", [(8, "台")]), ("要一份报价", []),
    ("等了一个 星期", []), ("一米比我们便宜三块", []), ("便宜二十块一桶", []),
])
def test_more_quantity_rules(text, expected):
    assert _q(text) == expected


@pytest.mark.parametrize("text,kind", [("处理量每小时五十吨", "package"), ("6月5号第一批一千套", "batch"),
                                       ("首批二十吨下周到", "batch")])
def test_flagged_quantities(text, kind):
    assert [q.kind for q in find_quantities(text)] == [kind]


# --- the parser reads text with the spaces between Chinese words removed -----------------------------

UNSPACED = [
    ("片碱五十吨每袋二十五公斤国庆后发", [(50, "吨", "count"), (25, "公斤", "package")], []),
    ("啤酒600箱一箱62下周四送", [(600, "箱", "count")], [62]),
    ("手套五百箱单价一箱二百七月底前到", [(500, "箱", "count")], [270]),
    ("报价一个才八块我们报九块二", [], [8, 9.2]),
    ("增强料25吨单价2.18万10月20号前到", [(25, "吨", "count")], [21800]),
    ("Φ12盘螺120吨单价3580周三前到场", [(120, "吨", "count")], [3580]),
    ("枪机六十台半球四十台", [(60, "台", "count"), (40, "台", "count")], []),
    ("宗总说我们标两千六", [], [2600]),
]


@pytest.mark.parametrize("text,quantities,amounts", UNSPACED, ids=[t for t, _, _ in UNSPACED])
def test_unspaced_notes(text, quantities, amounts):
    assert [(q.value, q.unit, q.kind) for q in find_quantities(text)] == quantities
    assert [m.amount for m in find_money(text)] == amounts


@pytest.mark.parametrize("text,expected", [
    ("价格在三千到三千五之间", [(3000, "min"), (3500, "max")]),
    ("3000-3500元", [(3000, "min"), (3500, "max")]),
    ("五十万到六十万", [(500000, "min"), (600000, "max")]),
    ("一百万以内", [(1000000, "max")]),
])
def test_money_ranges(text, expected):
    assert [(m.amount, m.bound) for m in find_money(text)] == expected


@pytest.mark.parametrize("text", ["X3-200", "电话0571-88888888", "型号AB-3000"])
def test_dashed_codes_and_phones_are_not_numbers(text):
    assert find_numbers(text) == []


@pytest.mark.parametrize("text", ["一" * 5000, "1" * 5000, "1,000" * 2000, "五十台" * 2000, "报价五十到六十，" * 500])
def test_long_inputs_are_read_without_error(text):
    find_numbers(text), find_quantities(text), find_money(text), find_specs(text)


@pytest.mark.parametrize("text,quantities,money", [
    ("现在每吨报到四千二", [], [(4200, None)]),
    ("价格每吨不超过八千五", [], [(8500, "max")]),
    ("先做两个点位的试点,一个点位大概五万", [(2, "点位", "count")], [(50000, None)]),
    ("三十个门店每个门店两套收银机", [(30, "门店", "count"), (2, "套", "count")], []),
    ("A4纸一百箱,每箱五包,一包五百张", [(100, "箱", "count"), (5, "包", "package"), (500, "张", "package")], []),
    ("签了三年的框架协议,每年不低于三百万", [], [(3000000, "min")]),
])
def test_mixed_sentences(text, quantities, money):
    assert [(q.value, q.unit, q.kind) for q in find_quantities(text)] == quantities
    assert [(m.amount, m.bound) for m in find_money(text)] == money


def test_kuai_is_pieces_after_a_product_and_yuan_after_a_price_word():
    assert _q("地砖一万三千块") == [(13000, "块")] and find_money("地砖一万三千块") == []
    assert _q("报价一万三千块") == [] and [m.amount for m in find_money("报价一万三千块")] == [13000]
    assert [m.amount for m in find_money("总共一万三千块钱")] == [13000]


@pytest.mark.parametrize("text,amounts", [
    ("海康的四百万半球才两百八我们报三百二", [280, 320]),  # 四百万 pixels describe the camera
    ("铜箔的预付款三百万昨天到账了", [3000000]),
    ("合同额四十八万施总签了", [480000]),
    ("设备款两千五", [2500]),
])
def test_uncued_wan_before_a_noun_is_an_attribute(text, amounts):
    assert [m.amount for m in find_money(text)] == amounts


@pytest.mark.parametrize("text,expected", [
    ("下周二提货", []), ("周三车到", []), ("四件套先打样", []), ("三人位沙发", []), ("设备款分十二期付", []),
    ("一个柜装八十桶", [(80, "桶", "package")]), ("一箱装四台", [(4, "台", "package")]),
    ("星期天两车", [(2, "车", "count")]),
])
def test_weekdays_product_words_and_containers(text, expected):
    assert [(q.value, q.unit, q.kind) for q in find_quantities(text, ["柜"])] == expected


@pytest.mark.parametrize("text", [
    "橡胶手套每月大概三百盒以上，下周再谈",  # 盒 after a period cue
    "每月 600 cartons 左右",  # an English measure word, a space between
    "这款清洁剂每周 45 drums",
    "一年要 1200 pcs, 分四批",
    "新店开业每月大概八十盆",  # a pack's measure word (盆)
    "每月大概三百櫃，走海運",  # a Traditional one (櫃)
    "村里报了六十户，下月装",  # households after 报了
    "每週大概五百碼布",
])
def test_goods_counted_per_period_are_not_money(text):
    assert find_money(text) == []


@pytest.mark.parametrize("text,amounts", [
    ("每月 3600 元，一年一签", [3600]),  # a currency still marks money
    ("报价 980 RMB, 含税", [980]),
    ("每月服务费 1200", [1200]),
    ("报价三千具体看量", [3000]),  # 具 starts 具体, not a measure word
    ("单价八十五，先打样", [85]),
    ("每盆每月15，她说还行", [15]),
])
def test_money_before_words_that_look_like_units(text, amounts):
    assert [m.amount for m in find_money(text)] == amounts


def test_counts_in_english_and_traditional_units_become_quantities():
    assert [(q.value, q.unit) for q in find_quantities("每月 500 bottles")] == [(500, "bottles")]
    assert [(q.value, q.unit) for q in find_quantities("每月三百櫃", ["柜"])] == [(300, "柜")]
    assert [(q.value, q.unit) for q in find_quantities("這次先下30捲膠帶")] == [(30, "卷")]


def test_pieces_of_a_product_named_with_a_code():
    assert find_money("网线CAT6A二十块，明天送") == []
    assert [m.amount for m in find_money("报价二十块")] == [20]
