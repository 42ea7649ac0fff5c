"""The kind classifiers of dates and amounts (nlu/kind_model.py): the shipped models load, they give the
kind where the rules find no cue, they keep the kinds the rules get right, the parser works the same
without them, and the training script never reads the locked or check sets."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pycrfsuite
import pytest

from nlu import kind_model
from nlu.parser import parse

ROOT = Path(__file__).resolve().parent.parent
REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def date_kinds(text: str) -> list[str]:
    return [d["kind"] for d in parse(text, REF)["dates"]]


@pytest.fixture
def rules_only(monkeypatch):
    monkeypatch.setattr(kind_model, "FILES", {w: Path(f"/nonexistent/{w}.crfsuite") for w in kind_model.FILES})
    kind_model.reset()
    yield
    kind_model.reset()


def test_the_shipped_models_are_there_and_load():
    for what in ("date", "money"):
        assert kind_model.FILES[what].exists()
        p = kind_model.probabilities(what, ["bias", "rule=other"])
        assert p and abs(sum(p.values()) - 1) < 1e-6


NO_CUE = [  # written for this test: the kind is in words the rules' cue lists do not hold
    ("客户那边的审核安排在下周四", "meeting"),
    ("Site audit on 3/12", "meeting"),
    ("Quote needed before 3/12", "deadline"),
    ("周五前回他一个准信", "deadline"),
    ("ETD 3/20, 海运到汉堡", "delivery"),
    ("三月底前要出一版设计稿给他看", "deadline"),
]


def test_the_model_gives_the_kind_where_the_rules_find_no_cue(rules_only):
    assert sum(date_kinds(text) == ["other"] for text, _ in NO_CUE) >= len(NO_CUE) - 1  # the rules alone


def test_the_model_reads_most_kinds_the_rules_miss():
    right = sum(date_kinds(text) == [kind] for text, kind in NO_CUE)
    assert right >= len(NO_CUE) - 1, right


CLEAR = [  # written for this test: kinds the rules get right, which the model must keep
    ("老周那边的回款，月底前打过来", "payment"),
    ("客户说样机下周二寄过去试两周", "trial"),
    ("中石化的采购说投标截止是3月20号", "deadline"),
    ("谢总约了下周四在他们公司碰一下", "meeting"),
    ("明天上午我再打个电话问问刘工", "followup"),
    ("华新水泥的订单下周一发出", "delivery"),
    ("我答应周四前把授权书和检测报告发过去", "deadline"),
    ("郑总下周二来我们厂里看看生产线", "meeting"),
    ("展会是4月8号", "other"),
]


@pytest.mark.parametrize("text,kind", CLEAR)
def test_the_model_keeps_the_kinds_the_rules_get_right(text, kind):
    assert date_kinds(text) == [kind]


MONEY = [  # written for this test
    ("我们报价十二万，他说预算只有十万", [(120000, "quote"), (100000, "budget")]),
    ("合同签了，总价八十六万", [(860000, "deal")]),
]


@pytest.mark.parametrize("text,facts", MONEY)
def test_amounts_keep_their_kinds(text, facts):
    assert [(m["amount"], m["kind"]) for m in parse(text, REF)["money"]] == facts


def test_without_the_models_the_rules_still_give_the_kinds(rules_only):
    assert date_kinds("明天发货") == ["delivery"]
    assert [m["kind"] for m in parse("预算二十万", REF)["money"]] == ["budget"]


@pytest.mark.parametrize("source", ["tests/data/notes_real/notes_locked.jsonl", "tests/data/notes_real/notes_check2.jsonl"])
def test_the_training_script_refuses_the_locked_and_check_sets(source, tmp_path):
    result = subprocess.run([sys.executable, "scripts/train_kinds.py", "--out-dir", str(tmp_path), source],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "never" in result.stderr
    assert not list(tmp_path.iterdir())


CUES = [  # written for this test: cue words of the rules' lexicon (nlu/industry_phrases/common.toml)
    ("集团那边估计下周三才有结果", "deadline"),  # 结果 is no 结 (payment)
    ("他们的评审结果要到月底才出来", "deadline"),
    ("下周一之前先打个样给他看", "trial"),  # 打个样 is no 先打 (payment)
    ("Follow up call on 3/10", "followup"),  # English cues in any case
    ("Next call next Tuesday", "followup"),
    ("Payment due 3/31", "payment"),
    ("Proposal due 3/12", "deadline"),
    ("周一派人送过去", "delivery"),
    ("ETA 3/20", "delivery"),
]


@pytest.mark.parametrize("text,kind", CUES)
def test_cue_words_give_the_kind_with_or_without_the_model(text, kind, request):
    assert date_kinds(text) == [kind]
    request.getfixturevalue("rules_only")
    assert date_kinds(text) == [kind]


def test_the_training_script_writes_models_the_parser_can_load(tmp_path):
    result = subprocess.run([sys.executable, "scripts/train_kinds.py", "--out-dir", str(tmp_path),
                             "tests/data/notes_dev.jsonl"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for what in ("date", "money"):
        path = tmp_path / kind_model.FILES[what].name
        assert path.stat().st_size > 0
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        assert set(tagger.labels()) <= set(("delivery", "followup", "meeting", "payment", "trial", "deadline", "other",
                                            "budget", "quote", "deal", "competitor_price"))
