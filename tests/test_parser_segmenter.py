"""The parser's own segmenter (nlu/note.py) gives exactly the words of jieba's HMM-free cut over the
same dictionary: the rules were written against jieba's word boundaries."""
from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.note import _jieba, tokens

NOTES = Path(__file__).parent / "data" / "notes_real" / "notes_working.jsonl"


def jieba_words(s: str) -> list[str]:
    return _jieba().lcut(s, HMM=False)


def test_mixed_notes_segment_as_jieba():
    for s in ["今天去了趟恒通机械，李经理说X3型号要80台，月底前给他回个报价",
              "Harborview Foods 的 buyer Kevin 说 MOQ 500pcs，T/T 30 days",
              "四十台 不对 是四十五台", "a-b.c_d%e+f#g&h 中文\r\n测试\t  x", "劉姐說價格太貴了", "１２３ＡＢＣ",
              "😀拜访一下金鹰重工张总", " ", "。"]:
        assert tokens(s) == jieba_words(s), s


def test_windows_of_working_notes_segment_as_jieba():
    rng = random.Random(7)
    texts = [json.loads(line)["text"] for line in NOTES.open(encoding="utf-8") if line.strip()]
    for text in rng.sample(texts, 60):
        for _ in range(10):
            a, b = sorted(rng.sample(range(len(text) + 1), 2))
            assert tokens(text[a:b]) == jieba_words(text[a:b]), text[a:b]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("的了是我们客户报价台套万元中国机械采购说不太贵ABCxyz0123456789 .-_%#&+，。\n")),
               max_size=40))
def test_any_string_segments_as_jieba(s):
    assert tokens(s) == jieba_words(s)
