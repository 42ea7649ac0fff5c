"""The one name labeller (nlu/name_labeller.py): one tagging per note read as the company, rival and
product-name labellers' spans; off (or without its model) the three are used. Examples written for
these tests."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nlu import company_crf, competitor_crf, name_labeller, product_names
from nlu.note import Note
from nlu.parser import parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


class StubTagger:
    """Labels given in advance; every label's marginal is 0.95 except at `unsure` (0.6)."""

    def __init__(self, labels, unsure=()):
        self._labels, self._unsure = labels, set(unsure)
        self.tagged = 0

    def tag(self, _items):
        self.tagged += 1
        return list(self._labels)

    def marginal(self, _label, i):
        return 0.6 if i in self._unsure else 0.95

    def labels(self):
        return ["O", "B-COMP", "I-COMP", "B-RIVAL", "I-RIVAL", "B-PROD", "I-PROD"]


@pytest.fixture
def stub(monkeypatch):
    def use(labels, unsure=()):
        tagger = StubTagger(labels, unsure)
        monkeypatch.setattr(name_labeller, "ON", True)
        monkeypatch.setattr(name_labeller, "_tagger", lambda: tagger)
        name_labeller._kinds.cache_clear()
        return tagger

    yield use
    name_labeller._kinds.cache_clear()


def test_each_kind_is_read_from_its_own_runs_of_labels(stub):
    note = Note.build("恒通机械说三一便宜要挖机", REF, None)
    assert note.text == "恒通机械说三一便宜要挖机"
    tagger = stub(["B-COMP", "I-COMP", "I-COMP", "I-COMP", "O", "B-RIVAL", "I-RIVAL", "O", "O", "O", "I-PROD",
                   "I-PROD"], unsure={6})
    assert company_crf.company_spans(note, []) == [(0, 4, 0.95)]
    assert competitor_crf.rival_spans(note, []) == [(5, 7)]
    assert product_names.name_spans(note, []) == [(10, 12, 0.95)]  # I after O starts a name
    assert name_labeller.spans(note, [], "RIVAL") == [(5, 7, 0.6)]  # how sure: its least sure character
    assert tagger.tagged == 1  # one tagging for the three kinds


def test_a_run_of_another_kind_ends_a_name(stub):
    note = Note.build("金鹰重工三一", REF, None)
    stub(["B-COMP", "I-COMP", "I-COMP", "I-COMP", "I-RIVAL", "I-RIVAL"])
    assert name_labeller.spans(note, [], "COMP") == [(0, 4, 0.95)]
    assert name_labeller.spans(note, [], "RIVAL") == [(4, 6, 0.95)]


def test_a_model_without_a_kind_leaves_that_kind_to_its_own_labeller(stub):
    tagger = stub(["O"] * 6)
    tagger.labels = lambda: ["O", "B-COMP", "I-COMP", "B-RIVAL", "I-RIVAL"]
    assert name_labeller.active("COMP") and name_labeller.active("RIVAL") and not name_labeller.active("PROD")


def test_switched_on_without_its_model_the_three_labellers_give_the_same_card(monkeypatch):
    text = "今天去了趟恒通机械，李经理说X3型号要80台，之前一直从三一那边拿货，月底前给他回个报价"
    before = parse(text, REF)
    monkeypatch.setattr(name_labeller, "ON", True)
    monkeypatch.setattr(name_labeller, "MODEL", Path("/nonexistent/names.crfsuite"))
    name_labeller._tagger.cache_clear()
    name_labeller._kinds.cache_clear()
    try:
        assert not name_labeller.active("COMP")
        assert parse(text, REF) == before
    finally:
        name_labeller._tagger.cache_clear()
        name_labeller._kinds.cache_clear()


def test_the_shipped_model_labels_companies_and_rivals_and_leaves_products_to_their_labeller():
    assert name_labeller.MODEL.exists() and name_labeller.model_kinds() == ["COMP", "RIVAL"]
    assert not name_labeller.active("PROD") and name_labeller.active("COMP") == name_labeller.ON


def test_the_card_from_the_one_labeller():
    e = parse("今天去了趟恒通机械，李经理说X3型号要80台，之前一直从三一那边拿货，月底前给他回个报价", REF)
    assert e["customer"] == {"name": "李经理", "company": "恒通机械"}
    assert e["competitors"] == ["三一"]
    e = parse("拜访了华阳电器的葛经理，他说博川电子才卖九块", REF)
    assert e["customer"]["company"] == "华阳电器" and e["competitors"] == ["博川电子"]


def test_off_gives_the_three_labellers_back():
    with name_labeller.off():
        assert not name_labeller.active("COMP")
    assert name_labeller.active("COMP") == name_labeller.ON
