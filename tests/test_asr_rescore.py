"""N-best rescoring (nlu/asr_rescore.py): the language score and the reranking, without the model."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from nlu.asr_rescore import RescoringModel, language_score


@pytest.mark.parametrize("right,heard", [
    ("要求月底前交货", "要求业底前交货"),            # homophones that make no word
    ("报价比竞争对手贵了一成", "报价比竞争对手跪了一程"),
    ("甚至出现交易几乎停滞的情况", "甚至出现交易几乎停制的情况"),
    ("交期太长", "交期太场"),                        # 交期: a sales word jieba lacks
])
def test_real_words_score_above_homophones_that_make_none(right, heard):
    assert language_score(right) > language_score(heard)


def test_what_reps_say_of_a_deal_scores_above_a_commoner_homophone():
    """The parser's objection cues count as words: 涨得太快 (prices rising) above 长得太快 (growing)."""
    assert language_score("价格涨得太快了") > language_score("价格长得太快了")
    assert language_score("价格太高") > language_score("价格派高")


def test_a_number_in_digits_or_in_characters_scores_the_same():
    assert language_score("追加30台") == language_score("追加三十台")


def test_a_name_scores_above_the_word_of_its_sound():
    """李工 (a surname and a title, 李公 as heard) is a person, not 理工 (science and engineering),
    even where the rest of the sentence was misheard too (反会)."""
    assert language_score("李公反会价格太高") > language_score("理工反会价格太高")
    assert language_score("周经理说") >= language_score("周经历说")


def test_text_without_chinese_scores_zero():
    assert language_score("") == 0.0
    assert language_score("OK") == 0.0


class FakeWhisper:
    """CTranslate2's Whisper as far as the reranking uses it: generate() returns the beam's finished
    hypotheses, best acoustic score first."""

    def __init__(self, texts, scores):
        self.texts, self.scores, self.calls = texts, scores, []
        self.is_multilingual = True

    def generate(self, features, prompts, **kwargs):
        self.calls.append(kwargs)
        n = kwargs.get("num_hypotheses", 1)
        ids = [[i] for i in range(len(self.texts))][:n]
        return [SimpleNamespace(sequences_ids=ids, sequences=[], scores=self.scores[:n], no_speech_prob=0.01)]


def decode(ids):
    return FakeWhisper.current.texts[ids[0]]


@pytest.fixture
def fake():
    FakeWhisper.current = FakeWhisper(["刘总要求业底前交货。", "刘总要求月底前交货。", "刘总要求月底钱交货。"],
                                      [-0.30, -0.32, -0.60])
    return FakeWhisper.current


def test_the_beam_is_reranked_when_the_language_score_outweighs_a_small_acoustic_gap(fake):
    model = RescoringModel(fake, decode, weight=0.5, hypotheses=5)
    result = model.generate(None, [[1]], beam_size=5)[0]
    assert decode(result.sequences_ids[0]) == "刘总要求月底前交货。"
    assert result.scores[0] == pytest.approx(-0.32)  # the chosen one's own acoustic score (the fallback uses it)
    assert fake.calls[0]["num_hypotheses"] == 5 and fake.calls[0]["return_scores"]


def test_a_wide_acoustic_gap_keeps_the_models_choice(fake):
    fake.scores = [-0.30, -0.90, -0.95]
    result = RescoringModel(fake, decode, weight=0.5).generate(None, [[1]], beam_size=5)[0]
    assert decode(result.sequences_ids[0]) == "刘总要求业底前交货。"


def test_sampling_calls_and_other_attributes_go_to_the_model_unchanged(fake):
    model = RescoringModel(fake, decode, weight=0.5)
    model.generate(None, [[1]], beam_size=1, sampling_temperature=0.4, num_hypotheses=1)
    assert fake.calls[0]["num_hypotheses"] == 1
    assert model.is_multilingual


def test_words_that_follow_each_other_in_sales_notes_score_above_their_homophones(monkeypatch):
    """订 after a model and 一成 after 贵了: alone each homophone is commoner (定, 一层); as sales notes
    say them the pair decides (word pairs of the training notes, nlu/data/sales_bigrams.json)."""
    from nlu import asr_rescore

    pairs = [("张总A型号订五十台", "张总A型号定五十台"), ("比竞争对手贵了一成", "比竞争对手贵了一层")]
    monkeypatch.setattr(asr_rescore, "BIGRAM_LAMBDA", 0.0)
    asr_rescore._run_logprob.cache_clear()
    assert all(language_score(right) < language_score(heard) for right, heard in pairs)
    monkeypatch.setattr(asr_rescore, "BIGRAM_LAMBDA", 0.1)
    asr_rescore._run_logprob.cache_clear()
    assert all(language_score(right) > language_score(heard) for right, heard in pairs)
    asr_rescore._run_logprob.cache_clear()
