"""The learned second opinion on objections (nlu/objection_model.py): who speaks in each clause, and how
the model's probabilities add or drop a category of the rules'. Examples written for these tests."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nlu import objection_model
from nlu.note import Note

REF = datetime(2026, 12, 8, 10, 0)


def note(text: str) -> Note:
    return Note.build(text, REF, None)


VOICES = [  # (voice of each clause, texts)
    (["c"], ["王总说价格太高了", "他觉得交期太长", "客户反映上批货有色差", "她嫌我们的账期太短"]),
    (["o"], ["我们一般月结三十天", "我说回去请示一下", "我们这边觉得偏高"]),
    (["n"], ["上午去了恒通机械", "样品下周寄出"]),
    # a clause with no cue goes on in the voice of the one before it, within its sentence only
    (["c", "c"], ["他说太贵了，要再想想", "李经理说质量一般，还得再测"]),
    (["c", "n"], ["他说太贵了。样品下周寄出"]),
    (["o", "c"], ["我说一千二一套，他说太贵了"]),
]


@pytest.mark.parametrize("expected,text", [(v, t) for v, texts in VOICES for t in texts])
def test_who_speaks_in_each_clause(expected, text):
    assert objection_model.voices(note(text)) == expected


def test_a_word_is_marked_by_its_voice():
    feats = objection_model.note_features(note("他说太贵了"))
    assert "c=太贵" in feats and "w=太贵" in feats and "o=太贵" not in feats
    feats = objection_model.note_features(note("我们觉得太贵了"))
    assert "o=太贵" in feats and "c=太贵" not in feats


def test_no_model_leaves_the_rules_alone(monkeypatch):
    monkeypatch.setattr(objection_model, "MODEL", Path("/nonexistent/objections.json"))
    objection_model._weights.cache_clear()
    try:
        n = note("他说太贵了，要再想想")
        raised = [("price", n.clauses[0])]
        assert objection_model.with_model(n, raised) == raised
    finally:
        objection_model._weights.cache_clear()


def sure(monkeypatch, probabilities: dict[str, float]) -> None:
    p = {c: 0.5 for c in objection_model.JUDGED} | probabilities
    monkeypatch.setattr(objection_model, "probabilities", lambda n: p)
    monkeypatch.setattr(objection_model, "_evidence", lambda n, c: n.clauses[-1])


def test_a_category_the_model_is_sure_of_is_added_in_the_order_raised(monkeypatch):
    sure(monkeypatch, {"quality": 0.95})
    n = note("他说太贵了，上批货的盖子拧不紧")
    got = objection_model.with_model(n, [("price", n.clauses[0])])
    assert [c for c, _ in got] == ["price", "quality"]
    assert got[1][1] == n.clauses[1]


@pytest.mark.parametrize("text", ["账期是月结60天，我们保证质量。", "我们的账期一般是月结三十天"])
def test_where_the_rules_read_the_category_and_ruled_it_out_the_model_adds_nothing(monkeypatch, text):
    sure(monkeypatch, {"payment_terms": 0.99})
    assert objection_model.with_model(note(text), []) == []


def test_the_rules_findings_are_kept_however_unsure_the_model(monkeypatch):
    sure(monkeypatch, {"price": 0.001})
    n = note("价格我们报的一千二，交期他说太长")
    raised = [("price", n.clauses[0]), ("delivery_time", n.clauses[1])]
    assert objection_model.with_model(n, raised) == raised


@pytest.mark.parametrize("p", [objection_model.ADD_AT - 0.05, 0.5])
def test_an_unsure_model_changes_nothing(monkeypatch, p):
    sure(monkeypatch, {c: p for c in objection_model.JUDGED})
    n = note("他说太贵了")
    raised = [("price", n.clauses[0])]
    assert objection_model.with_model(n, raised) == raised


def test_competitor_is_left_to_the_rival_model(monkeypatch):
    assert "competitor" not in objection_model.JUDGED and "price" not in objection_model.JUDGED
    n = note("他们一直用西门子的")
    raised = [("competitor", n.clauses[0])]
    sure(monkeypatch, {})
    assert objection_model.with_model(n, raised) == raised
