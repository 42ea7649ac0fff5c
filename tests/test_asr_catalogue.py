"""Transcript correction against the team's catalogue by pinyin: what it fixes, and what it leaves."""
from __future__ import annotations

import pytest

from nlu.catalogue import correct, correct_units, term_spellings, without_mishearings
from nlu.lexicon import common

CATALOGUE = ["张总", "王经理", "李工", "陈经理", "周总", "王总", "华为", "A型号", "B型号", "X3-200", "恒力液压",
             "三一重工"]


@pytest.mark.parametrize("heard,expected", [
    ("王京里说要两百箱", "王经理说要两百箱"),            # homophones of the whole title
    ("张宗，A型号订50台", "张总，A型号订50台"),          # tone only
    ("李公反馈价格太高", "李工反馈价格太高"),
    ("对方已经在跟花为谈", "对方已经在跟华为谈"),        # a competitor heard as homophones
    ("今天拜访了城经理", "今天拜访了陈经理"),            # cheng/chen: a near homophone in a long name
    ("赵总确认比型号追加30台", "赵总确认B型号追加30台"),  # a letter said the Chinese way
    ("诶型号订50台", "A型号订50台"),
    ("王经理说艾克斯3-200要两百箱", "王经理说X3-200要两百箱"),
    ("王经理说爱克斯三杠二百要两百箱", "王经理说X3-200要两百箱"),
    ("王经理说艾克斯３-２００要两百箱", "王经理说X3-200要两百箱"),  # full-width digits
    ("王经理说艾克斯三高二百要两百箱", "王经理说X3-200要两百箱"),  # one syllable off in a long code
    ("恒利液压的订单", "恒力液压的订单"),                # a product heard as homophones
    ("三亿重工在压价", "三一重工在压价"),
])
def test_homophones_of_catalogue_terms_are_corrected(heard, expected):
    text, corrections = correct(heard, CATALOGUE)
    assert text == expected
    assert corrections


@pytest.mark.parametrize("text", [
    "往总部发货",            # 往总 sounds like 王总 but cuts the word 总部
    "理工大学的订单",        # 理工 sounds like 李工 but keeps none of its characters
    "王中说下周再谈",        # zhong is not zong: a two-character term allows no near homophones
    "周总说我们的报价高",    # already right
    "我比较忙，价格比较高",  # 比 alone is not B型号
    "张总和王经理都同意",
    "下周三之前到仓库",
    "x3-200到货了",          # a term in other letter case is left alone
    "",
])
def test_text_that_is_not_a_mishearing_is_left_alone(text):
    assert correct(text, CATALOGUE) == (text, [])


def test_an_empty_catalogue_changes_nothing():
    assert correct("王京里说要两百箱", []) == ("王京里说要两百箱", [])


def test_a_correct_term_next_to_a_mishearing_is_kept_and_the_mishearing_fixed():
    text, corrections = correct("张总和张宗", CATALOGUE)
    assert text == "张总和张总"
    assert corrections == [("张宗", "张总")]


def test_spoken_spellings_of_model_codes():
    assert "艾克斯三杠二百" in term_spellings("X3-200")
    assert "艾克斯三二百" in term_spellings("X3-200")
    assert term_spellings("B型号") == ["比型号"]
    assert term_spellings("iPhone") == []  # a word, not letters


def test_letter_models_are_written_as_letters_without_a_catalogue():
    """比型号 is how the model writes B型号; 对比型号 (compare models) keeps its meaning."""
    from nlu.catalogue import LETTER_MODELS

    assert correct("赵总确认比型号追加30台", LETTER_MODELS)[0] == "赵总确认B型号追加30台"
    assert correct("艾克斯型号先送两台", LETTER_MODELS)[0] == "X型号先送两台"
    assert correct("我们对比型号参数", LETTER_MODELS)[0] == "我们对比型号参数"
    assert correct("这个型号不行", LETTER_MODELS)[0] == "这个型号不行"


@pytest.mark.parametrize("heard,expected", [
    ("王经理说X3-200要两百香，下周三之前到仓库", "王经理说X3-200要两百箱，下周三之前到仓库"),
    ("大概三百捅。", "大概三百桶。"),
    ("先拿50太，月底再说", "先拿50台，月底再说"),
])
def test_a_measure_word_heard_as_a_homophone_after_a_number_is_written_right(heard, expected):
    assert correct_units(heard, common()["units"])[0] == expected


def test_a_measure_word_of_several_sounding_alike_is_the_industrys_own():
    """指 sounds like 只 and 支: electronic components are counted in 只, medicine in 支."""
    from nlu.asr import industry_units

    assert correct_units("一共1200指，", common()["units"], industry_units("电子元器件"))[0] == "一共1200只，"
    assert correct_units("一共1200指，", common()["units"], industry_units("医药"))[0] == "一共1200支，"
    assert correct_units("一共1200指，", common()["units"])[0] == "一共1200指，"


@pytest.mark.parametrize("text", [
    "我们下周一起。", "效果提升了十分。", "一共三十几。", "价格是去年的三倍。", "来了一百人。",
    "一百想要的不多", "说好了二十见。",  # 件 and 间 both sound jian: ambiguous, left alone
])
def test_what_only_sounds_like_a_measure_word_is_left_alone(text):
    assert correct_units(text, common()["units"]) == (text, [])


def test_a_name_learned_from_notes_that_sounds_like_an_imported_one_gives_way():
    learned = ["艾克斯三高二百", "王经理", "恒力液压", "X3-200"]
    assert without_mishearings(learned, ["X3-200", "王经理"]) == ["王经理", "恒力液压", "X3-200"]
