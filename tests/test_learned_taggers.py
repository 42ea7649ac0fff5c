"""The rival labeller (nlu/competitor_crf.py): the shipped model loads, what it adds never takes someone
else for a rival, and the parser works the same without it (the rules alone). Examples written for these
tests."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nlu import competitor_crf
from nlu.competitors import with_model_rivals
from nlu.note import Note
from nlu.parser import parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def p(text):
    return parse(text, REF)


@pytest.fixture
def without_model(monkeypatch):
    monkeypatch.setattr(competitor_crf, "MODEL", Path("/nonexistent/competitors.crfsuite"))
    competitor_crf._tagger.cache_clear()
    yield
    competitor_crf._tagger.cache_clear()


def test_the_shipped_model_is_there_and_loads():
    assert competitor_crf.MODEL.exists() and competitor_crf._tagger() is not None


def test_without_the_model_the_rules_still_give_the_facts(without_model):
    e = p("华阳电器的葛经理说我们太贵了，博川电子才卖九块。")
    assert e["competitors"] == ["博川电子"]
    assert competitor_crf.rival_spans(Note.build("博川电子才卖九块", REF, None), []) == []


def _note(text):
    return Note.build(text, REF, None)


def test_a_name_only_the_model_finds_is_added(monkeypatch):
    note = _note("邹经理说宏川那边给九块二")
    s = note.text.index("宏川")
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [(s, s + 2)])
    assert with_model_rivals(note, [], [], None) == ["宏川"]


def test_the_model_never_names_the_customer_or_a_contact(monkeypatch):
    note = _note("宏川机械的邹经理说明年扩产")
    company, person = (0, 4), (5, 8)
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [company, person])
    assert with_model_rivals(note, [], [company, person], {"company": "宏川机械"}) == []


def test_a_particle_after_the_name_is_no_part_of_it(monkeypatch):
    note = _note("这单先给华菱了")
    s = note.text.index("华菱")
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [(s, s + 3)])
    assert with_model_rivals(note, [], [], None) == ["华菱"]


def test_words_after_a_name_the_rules_took_are_dropped(monkeypatch):
    note = _note("他说华菱那边一吨便宜八十")
    s = note.text.index("华菱")
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [(s, s + 2)])
    assert with_model_rivals(note, ["华菱那边"], [], None) == ["华菱"]


def test_a_fuller_name_of_the_rules_is_kept(monkeypatch):
    note = _note("他们一直用东方晨光的管材")
    s = note.text.index("晨光")
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [(s, s + 2)])
    assert with_model_rivals(note, ["东方晨光"], [], None) == ["东方晨光"]


@pytest.mark.parametrize("word", ["quote", "demo", "price"])
def test_an_english_word_of_the_sentence_is_no_rival(monkeypatch, word):
    note = _note(f"Buyer Amy 说要 {word}")
    s = note.text.index(word)
    monkeypatch.setattr(competitor_crf, "rival_spans", lambda note, others: [(s, s + len(word))])
    assert with_model_rivals(note, [], [], None) == []


@pytest.mark.parametrize("text", [
    "拜访了宏达机械的李总，他说宏达机械明年扩产。",
    "今天去了海岳食品，采购部的钱经理要三百箱。",
    "张总说价格可以，下周签合同。",
])
def test_the_customer_and_the_contact_are_never_rivals(text):
    e = p(text)
    assert e["competitors"] == [], e["competitors"]


# --- the company labeller (nlu/company_crf.py) ------------------------------------------------------

def test_the_company_model_is_there_and_loads():
    from nlu import company_crf

    assert company_crf.MODEL.exists() and company_crf._tagger() is not None


def _with_company_spans(monkeypatch, spans):
    from nlu import parser

    monkeypatch.setattr(parser, "company_spans", lambda note, others: spans)
    return parser.with_model_company


def test_a_company_only_the_model_finds_is_the_customers(monkeypatch):
    note = _note("宏川机械那边要五台")
    merge = _with_company_spans(monkeypatch, [(0, 4, 0.99)])
    assert merge(note, None, []) == {"name": None, "company": "宏川机械"}
    assert merge(note, {"name": "邹经理", "company": None}, []) == {"name": "邹经理", "company": "宏川机械"}


def test_the_model_sets_the_edges_of_the_company_the_rules_found(monkeypatch):
    note = _note("刚从宏川机械技术中心出来")
    s = note.text.index("宏川机械")
    merge = _with_company_spans(monkeypatch, [(s, s + 4, 0.7)])
    assert merge(note, {"name": None, "company": "宏川机械技术中心"}, [])["company"] == "宏川机械"


def test_another_name_of_the_model_does_not_replace_the_rules_company(monkeypatch):
    note = _note("见了宏川机械的邹经理，他说博雅也来过")
    s = note.text.index("博雅")
    merge = _with_company_spans(monkeypatch, [(s, s + 2, 0.99)])
    assert merge(note, {"name": "邹经理", "company": "宏川机械"}, [])["company"] == "宏川机械"


def test_a_company_the_model_is_unsure_of_is_not_taken(monkeypatch):
    note = _note("宏川机械那边要五台")
    merge = _with_company_spans(monkeypatch, [(0, 4, 0.4)])
    assert merge(note, None, []) is None


def test_a_contact_is_never_the_company(monkeypatch):
    from nlu.customer import Contact

    note = _note("邹经理说要五台")
    merge = _with_company_spans(monkeypatch, [(0, 3, 0.99)])
    assert merge(note, None, [Contact(0, 3, "邹经理")]) is None


def test_without_the_company_model_the_rules_still_find_the_company(monkeypatch):
    from nlu import company_crf

    monkeypatch.setattr(company_crf, "MODEL", Path("/nonexistent/companies.crfsuite"))
    company_crf._tagger.cache_clear()
    try:
        assert p("今天去了宏川机械，见了采购邹经理。")["customer"]["company"] == "宏川机械"
    finally:
        company_crf._tagger.cache_clear()


# --- the product-name labeller (nlu/product_names.py) ------------------------------------------------

def test_the_product_name_model_is_there_and_loads():
    from nlu import product_names

    assert product_names.MODEL.exists() and product_names._tagger() is not None


def _named(monkeypatch, text, product, name, sure):
    from nlu import items, product_names
    from nlu.numbers import find_quantities

    note = _note(text)
    s = note.text.index(name)
    monkeypatch.setattr(product_names, "name_spans", lambda note, others: [(s, s + len(name), sure)])
    q = find_quantities(note.text)[-1]
    return items._named(note, q, product, [], [])


def test_the_name_widens_the_phrase_found(monkeypatch):
    assert _named(monkeypatch, "要了商用冰柜二十台", "冰柜", "商用冰柜", 0.6) == "商用冰柜"


def test_the_name_cuts_words_before_the_head_only_when_sure(monkeypatch):
    assert _named(monkeypatch, "车队大巴刹车盘两百片", "车队大巴刹车盘", "刹车盘", 0.95) == "刹车盘"
    assert _named(monkeypatch, "车队大巴刹车盘两百片", "车队大巴刹车盘", "刹车盘", 0.8) == "车队大巴刹车盘"


def test_the_name_never_drops_the_head_noun(monkeypatch):
    assert _named(monkeypatch, "先送20颗280Ah电芯", "280Ah电芯", "280Ah", 0.99) == "280Ah电芯"


def test_the_name_never_takes_in_the_quantity(monkeypatch):
    assert _named(monkeypatch, "要了冰柜二十台", "冰柜", "冰柜二十台", 0.99) == "冰柜"


def _attached(monkeypatch, text, product, names, which=-1):
    from nlu import items, product_names
    from nlu.numbers import find_quantities

    note = _note(text)
    spans = [(note.text.index(n), note.text.index(n) + len(n), 0.9) for n in names]
    monkeypatch.setattr(product_names, "name_spans", lambda note, others: spans)
    quantities = find_quantities(note.text)
    q = quantities[which]
    counted = [(o.start, o.end) for o in quantities]
    return items._attached_name(note, q, product, [], counted, counted)


def test_a_count_takes_the_name_labelled_before_it_when_the_phrase_is_none(monkeypatch):
    assert _attached(monkeypatch, "要上膜组件，初步算要240片", "初步算", ["膜组件"]) == "膜组件"
    assert _attached(monkeypatch, "要上膜组件，初步算要240片", None, ["膜组件"]) == "膜组件"


def test_a_phrase_the_labeller_agrees_with_stays(monkeypatch):
    assert _attached(monkeypatch, "要上膜组件，风机要3台", "风机", ["膜组件", "风机"]) == "风机"


def test_a_name_counted_by_another_quantity_is_not_taken(monkeypatch):
    assert _attached(monkeypatch, "开发板120套、示波器要20台", "开发板", ["开发板", "示波器"], 0) == "开发板"
    assert _attached(monkeypatch, "石膏板三千张，龙骨五千米", "龙骨", ["石膏板"]) == "龙骨"


@pytest.mark.parametrize("phrase,product", [
    ("液相色谱仪打算", "液相色谱仪"), ("电源适配器再来", "电源适配器"), ("冷却塔风机一年", "冷却塔风机"),
    ("高压电缆原来", "高压电缆"), ("连接器他", "连接器"),
    ("防水卷材", "防水卷材"), ("轴承6205", "轴承6205"), ("HDMI线", "HDMI线"),  # nothing to drop
])
def test_words_that_only_go_on_with_the_sentence_end_no_product(phrase, product):
    from nlu.items import _without_filler_tail

    assert _without_filler_tail(phrase) == product


@pytest.mark.parametrize("text", [
    "今天去了趟恒通机械，李经理说X3型号要80台，之前一直从三一那边拿货，月底前给他回个报价",
    "Visited Harborview Foods, buyer Kevin wants 200 pcs, quote by Mar 15；竞争对手 Quectel 报价更低 😊",
    "拜访一下金鹰重工张总 说 明年 再议\t价格 İstanbul 　全角空格",
])
def test_the_labellers_get_exactly_the_known_strings_of_the_training_features(text):
    """The labellers are given only the feature strings their models know, built by table lookups: they
    must be the training features filtered, in the same order (crfsuite skips the unknown ones)."""
    note = _note(text)
    known = competitor_crf._known()
    full = competitor_crf._base_features(note)
    rows = competitor_crf._known_features(note, known)
    assert [[f.decode() for f in row] for row in rows] == [[f for f in row if f in known] for row in full]
    assert len(known) > 1000 and "c=的" in known


def test_the_model_attributes_are_read_exactly():
    names = competitor_crf.model_attributes(competitor_crf.MODEL)
    tagger = competitor_crf._tagger()
    assert set(names) == {a for a, _ in tagger.info().state_features}


# --- the rival-objection model (nlu/rival_objection.py) ---------------------------------------------

def test_the_rival_objection_model_is_there_and_loads():
    from nlu import rival_objection

    assert rival_objection.MODEL.exists() and rival_objection._tagger() is not None
    p = rival_objection.probability(_note("他们一直用博川的，不打算换"), ["博川"])
    assert 0.0 <= p <= 1.0
    assert rival_objection.probability(_note("张总要五十台"), []) is None  # no rival, no say


def _rival(monkeypatch, p):
    from nlu import rival_objection

    monkeypatch.setattr(rival_objection, "probability", lambda note, rivals: p)
    return rival_objection.with_model


def test_a_sure_model_adds_the_competitor_objection_with_the_rivals_clause(monkeypatch):
    note = _note("今天见了邹经理。他们主要从博川拿货。下周再去。")
    added = _rival(monkeypatch, 0.95)(note, [], ["博川"])
    assert [(c, note.text[a:b]) for c, (a, b) in added] == [("competitor", "他们主要从博川拿货")]


def test_a_sure_model_drops_it_and_leaves_the_others(monkeypatch):
    note = _note("他们之前用博川的，老出故障，这次想换我们。太贵了。")
    raised = [("competitor", (0, 8)), ("price", (20, 23))]
    assert _rival(monkeypatch, 0.05)(note, raised, ["博川"]) == [("price", (20, 23))]


def test_an_unsure_model_leaves_the_rules_alone(monkeypatch):
    note = _note("他们之前用博川的")
    raised = [("competitor", (0, 8))]
    assert _rival(monkeypatch, 0.5)(note, raised, ["博川"]) == raised
    assert _rival(monkeypatch, 0.5)(note, [], ["博川"]) == []


@pytest.mark.parametrize("raw,company", [("【微信】惠佳便利", "惠佳便利"), ("兴业钢构(", "兴业钢构"), ("华美电子：", "华美电子"),
                                         ("Apex Co.", "Apex Co."), ("(香港)利丰", "(香港)利丰")])
def test_marks_around_a_company_name_are_no_part_of_it(raw, company):
    from nlu.parser import _NOT_NAME_EDGES

    assert _NOT_NAME_EDGES.sub("", raw) == company


def test_a_label_before_the_company_is_dropped():
    assert p("【微信】惠佳便利的采购邹经理说要五十箱。")["customer"]["company"] == "惠佳便利"
