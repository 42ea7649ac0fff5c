"""The rival labeller (nlu/competitor_crf.py) and the objection model (nlu/objection_model.py): the shipped
models load, what they add never takes someone else for a rival nor breaks the evidence contract, and the
parser works the same without them (the rules alone). Examples written for these tests."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nlu import competitor_crf, objection_model
from nlu.competitors import with_model_rivals
from nlu.note import Note
from nlu.parser import parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def p(text):
    return parse(text, REF)


@pytest.fixture
def without_models(monkeypatch):
    monkeypatch.setattr(competitor_crf, "MODEL", Path("/nonexistent/competitors.crfsuite"))
    monkeypatch.setattr(objection_model, "MODEL", Path("/nonexistent/objections.crfsuite"))
    competitor_crf._tagger.cache_clear()
    objection_model._table.cache_clear()
    yield
    competitor_crf._tagger.cache_clear()
    objection_model._table.cache_clear()


def test_the_shipped_models_are_there_and_load():
    assert competitor_crf.MODEL.exists() and competitor_crf._tagger() is not None
    assert objection_model.MODEL.exists() and objection_model._table()


def test_without_the_models_the_rules_still_give_the_facts(without_models):
    e = p("华阳电器的葛经理说我们太贵了，博川电子才卖九块。")
    assert e["competitors"] == ["博川电子"]
    assert e["objections"] == ["price"]
    assert objection_model.probabilities(Note.build("张总说太贵了", REF, None)) is None


# --- the rival labeller ----------------------------------------------------------------------------

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


# --- the objection model ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "万总对我们的涂层心里没底，怕用半年就掉漆。",
    "他说隔壁那家一箱便宜五块，我们这个价卖不动。",
    "邹经理说明年再考虑，先放一放。",
    "鲁总说保修才一年太短，别家都给三年。",
    "张总要五十台，下周发货。",
])
def test_each_objection_still_comes_with_a_clause_of_the_note(text):
    e = p(text)
    evidence = e.get("objection_evidence", [])
    assert [x["category"] for x in evidence] == e["objections"]
    assert all(x["text"] and x["text"] in text for x in evidence)


def test_probabilities_are_per_category():
    probs = objection_model.probabilities(_note("他说太贵了，别家便宜两成。"))
    assert set(probs) == set(objection_model.CATEGORIES)
    assert all(0.0 <= x <= 1.0 for x in probs.values())
    assert probs["price"] > probs["payment_terms"]


def test_a_category_the_model_is_sure_of_is_added_with_its_clause(monkeypatch):
    note = _note("今天去了海岳食品。钱经理对包装心里没底。下周再去。")
    monkeypatch.setattr(objection_model, "probabilities",
                        lambda note, rivals=0: {c: 0.99 if c == "quality" else 0.01 for c in objection_model.CATEGORIES})
    import numpy
    matrix = numpy.zeros((2, len(objection_model.CATEGORIES)))
    matrix[0, objection_model.CATEGORIES.index("quality")] = 2.0
    monkeypatch.setattr(objection_model, "_table", lambda: ({"w=没底": 0}, matrix, numpy.zeros(len(objection_model.CATEGORIES))))
    added = objection_model.with_model(note, [], 0)
    assert [(c, note.text[a:b]) for c, (a, b) in added] == [("quality", "钱经理对包装心里没底")]


def test_the_rules_categories_are_kept_as_found(monkeypatch):
    note = _note("张总说太贵了。")
    monkeypatch.setattr(objection_model, "probabilities",
                        lambda note, rivals=0: {c: 0.0 for c in objection_model.CATEGORIES})
    assert objection_model.with_model(note, [("price", (0, 6))], 0) == [("price", (0, 6))]
