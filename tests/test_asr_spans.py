"""Span-by-span decoding of the beam (nlu/asr_spans.py), without the model."""
from __future__ import annotations

from nlu.asr_spans import char_probabilities, choose_spans, choose_text, homophones, respell, spans


def test_the_places_where_hypotheses_differ_are_spans_in_the_first_ones_positions():
    places = spans("要求业底前交货", ["要求月底前交货", "要求业底钱交货", "要求月底交货"])
    assert places == [(2, 3, ["月", "业", "月"]), (4, 5, ["前", "钱", ""])]


def test_each_span_takes_its_own_best_reading():
    """The first hypothesis is right at 前 and wrong at 业; the second the other way round: no whole
    hypothesis is right, the spans together are."""
    texts = ["刘总要求业底前交货", "刘总要求月底钱交货", "刘总要求业底钱交货"]
    assert choose_text(texts, [-0.30, -0.32, -0.35], 0.5) == "刘总要求月底前交货"


def test_where_the_hypotheses_agree_the_text_stays():
    """顺丰 heard the same way by every hypothesis is never traded for the commoner 顺风."""
    texts = ["发顺丰快递给王总", "发顺丰快递给王总。"]
    assert choose_text(texts, [-0.2, -0.21], 0.5) == "发顺丰快递给王总"


def test_a_character_the_model_was_unsure_of_may_become_a_word_of_the_same_sound():
    """停制 (no word): where the beam agrees but the model gave 制 a low probability, a word of its
    sound that no hypothesis wrote; a reading that only trades one word for another is none."""
    assert {"滞", "止"} <= set(homophones("甚至出现交易几乎停制的情况", 9, 10))
    assert not homophones("要求月底闲交货", 4, 5)  # 底线 would be a word, but no fewer words
    texts = ["甚至出现交易几乎停制的情况", "甚至出现交易几乎停制的情况。"]
    probs = [0.95] * 13
    assert choose_text(texts, [-0.13, -0.14], 0.5, char_probs=probs) == texts[0]
    probs[9] = 0.3
    assert choose_text(texts, [-0.13, -0.14], 0.5, char_probs=probs) in (
        "甚至出现交易几乎停滞的情况", "甚至出现交易几乎停止的情况")


def test_where_the_beam_disagrees_the_span_takes_one_of_its_readings():
    texts = ["甚至出现交易几乎停制的情况", "甚至出现交易几乎停治的情况"]
    probs = [0.95] * 9 + [0.3] + [0.95] * 3
    assert choose_text(texts, [-0.13, -0.17], 0.5, char_probs=probs) in texts


def test_a_hypothesis_far_behind_the_first_is_no_candidate():
    texts = ["刘总要求业底前交货", "刘总要求月底前交货"]
    assert choose_text(texts, [-0.30, -0.90], 0.5, homophone_cost=99) == "刘总要求业底前交货"


def test_a_character_the_model_was_unsure_of_is_a_span_even_where_the_beam_agrees():
    texts = ["这是一个偏章的结束", "这是一个偏章的结束。"]
    sure = [0.99] * len(texts[0])
    unsure = list(sure)
    unsure[4] = 0.2
    assert choose_text(texts, [-0.2, -0.21], 0.5, char_probs=sure, unsure_below=0.5) == texts[0]
    assert choose_text(texts, [-0.2, -0.21], 0.5, char_probs=unsure, unsure_below=0.5) == "这是一个篇章的结束"


class Tokens:
    """A tokenizer of one id per character; ids from 100 on are timestamps."""

    def __init__(self, text):
        self.chars = sorted(set(text))

    def encode(self, text):
        for c in text:
            if c not in self.chars:
                self.chars.append(c)
        return [self.chars.index(c) for c in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids if i < 50)


def test_a_respelled_span_keeps_the_timestamps_of_its_segment():
    tok = Tokens("业底前交货，王总说")
    ids = [100] + tok.encode("业底前交货") + [120, 121] + tok.encode("王总说") + [130]
    top, changes = choose_spans(["业底前交货王总说", "月底前交货王总说"], [-0.3, -0.31], 0.5)
    assert changes == [(0, 1, "月")]
    new = respell(ids, changes, tok.decode, tok.encode, 100)
    assert new[0] == 100 and new[6:8] == [120, 121] and new[-1] == 130
    assert tok.decode(new) == "月底前交货王总说"


def test_character_probabilities_follow_the_tokens_that_write_them():
    tok = Tokens("偏章结束")
    ids = [100] + tok.encode("偏章结束") + [110]
    assert char_probabilities(ids, [0.2, 0.9, 0.8, 1.0], tok.decode, 100, 50) == [0.2, 0.9, 0.8, 1.0]
    assert char_probabilities(ids, [0.2, 0.9], tok.decode, 100, 50) is None
