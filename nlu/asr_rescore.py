"""N-best rescoring of Whisper's beam with a word language model.

Whisper base often has the right reading among its beam's hypotheses but ranks a string of homophones
that make no words first (要求业底前交货 above 要求月底前交货, 比竞争对手跪了一程 above 贵了一成, 大魔院
above 达摩院, each a few hundredths of a nat per token apart). The beam's finished hypotheses are
asked for (CTranslate2's generate with num_hypotheses and return_scores, on the model object
faster-whisper holds) and reranked by

    acoustic score (the model's log-probability per token) + weight * language score

where the language score is the log-probability per character of the hypothesis' best segmentation
under jieba's word frequencies (the parser's dictionary) and a sales vocabulary jieba lacks (交期,
回款, the packs' products): a string of real words scores higher than homophones that make none. A
name (surname + title, after nlu/asr_fix's title correction) reads as a pronoun and a number as one
numeral, so the dictionary never trades 李工 for 理工 or weighs 30台 against 三十台. Each word's
probability is mixed with how often it follows the word before it in sales notes (BIGRAM_LAMBDA of
n(v w) / n(v), nlu/data/sales_bigrams.json), so 型号订 beats the commoner 定 and 贵了一成 the commoner
一层 where reps say them so. Only the beam's
ranking changes: what faster-whisper does with the chosen hypothesis (segments, timestamps, the
fallback on doubtful text) stays its own.
"""
from __future__ import annotations

import json
import math
import re
from functools import cache, lru_cache
from pathlib import Path
from types import SimpleNamespace

_HAN = re.compile(r"[\u3400-\u9fff]+")


SALES_WORD_FREQUENCY = 100  # what jieba's frequencies count a sales word it does not know as
MAX_WORD = 6


@cache
def sales_vocabulary() -> frozenset[str]:
    """Words of sales notes that jieba's 2013 dictionary mostly lacks (交期, 回款, the packs' products,
    units, titles, trade words of company names, competitors)."""
    from nlu.asr_fix import SALES_WORDS
    from nlu.lexicon import common, packs

    c = common()
    words = {*SALES_WORDS, *c["units"], *c["titles"], *c["trade_words"], *c["departments"],
             *c["company_suffixes"], *c["spec_words"]}
    for pack in packs():
        words |= {*pack.products, *pack.products.values(), *pack.units, *pack.competitors}
    # the parser's objection cues said in plain words (太贵, 涨得太, 交期太长): what reps say of a deal
    words |= {w for cues in c["objections"].values() for w in cues if isinstance(w, str)}
    return frozenset(w for w in words if isinstance(w, str) and 1 < len(w) <= MAX_WORD and _HAN.fullmatch(w))


def segment(run: str) -> tuple[float, list[str]]:
    """(log P, words) of the best segmentation of a run of Han characters into words (jieba's unigram
    frequencies, the sales vocabulary at SALES_WORD_FREQUENCY; an unknown character counts once)."""
    from nlu.note import _jieba

    tokenizer = _jieba()
    freq, log_total = tokenizer.FREQ, math.log(tokenizer.total)
    sales = sales_vocabulary()
    best: list[tuple[float, int]] = [(0.0, 0)] * (len(run) + 1)
    for i in range(len(run) - 1, -1, -1):
        options = []
        for j in range(i + 1, min(len(run), i + MAX_WORD) + 1):
            word = run[i:j]
            count = freq.get(word) or (SALES_WORD_FREQUENCY if word in sales else 0)
            if count or j == i + 1:
                options.append((math.log(count or 1) - log_total + best[j][0], j))
        best[i] = max(options)
    words, i = [], 0
    while i < len(run):
        words.append(run[i:best[i][1]])
        i = best[i][1]
    return best[0][0], words


# Word pairs of sales text (nlu/data/sales_bigrams.json, scripts/train_sales_bigrams.py): with
# BIGRAM_LAMBDA > 0 a word's probability after another is mixed from how often the pair follows in sales
# notes and the word's own frequency: lambda * n(v w) / n(v) + (1 - lambda) * P(w).
# 0.1 chosen on recorded beams: speech_dev CER 0.069 -> 0.051, facts 0.885 -> 0.934; speech_real 0.1417
# unchanged (0.2 and 0.3: 0.1444, 0.6: 0.147); synthetic working 40 OGG CER 0.2759 -> 0.2751, facts unchanged.
BIGRAM_LAMBDA = 0.1
BIGRAMS = Path(__file__).parent / "data" / "sales_bigrams.json"


@cache
def sales_bigrams() -> tuple[dict[str, int], dict[str, int]]:
    """(word pair "v w" -> count, word -> how often it opens a pair)."""
    data = json.loads(BIGRAMS.read_text(encoding="utf-8"))
    pairs = data["pairs"]
    firsts: dict[str, int] = {}
    for pair, n in pairs.items():
        v = pair.split(" ", 1)[0]
        firsts[v] = firsts.get(v, 0) + n
    return pairs, firsts


@lru_cache(maxsize=4096)
def _run_logprob(run: str) -> float:
    """log P of the run's words: their unigram log P on its best segmentation, or with BIGRAM_LAMBDA
    each word mixed with how often it follows the one before in sales text."""
    unigram, words = segment(run)
    if BIGRAM_LAMBDA <= 0 or len(words) < 2:
        return unigram
    from nlu.note import _jieba

    tokenizer = _jieba()
    freq, total, sales = tokenizer.FREQ, tokenizer.total, sales_vocabulary()
    pairs, firsts = sales_bigrams()
    out = 0.0
    for k, word in enumerate(words):
        p = (freq.get(word) or (SALES_WORD_FREQUENCY if word in sales else 0) or 1) / total
        if k and firsts.get(words[k - 1]):
            v = words[k - 1]
            p = BIGRAM_LAMBDA * pairs.get(f"{v} {word}", 0) / firsts[v] + (1 - BIGRAM_LAMBDA) * p
        out += math.log(p)
    return out


# A number written in digits or in characters (30台, 三十台) reads as one numeral: the model's choice
# between the two is no matter of likely words.
_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9]+)?%?|[零一二两三四五六七八九十百千万亿]{2,}")


def name_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of a known surname followed by a contact title (李工, 周经理): names, which a word
    dictionary does not know and would trade for a word of the same sound (理工)."""
    from nlu.asr_fix import _titles_longest_first, surname_data

    surnames = surname_data()[1]
    spans = []
    for i, char in enumerate(text[:-1]):
        if char in surnames:
            title = next((t for t in _titles_longest_first() if text.startswith(t, i + 1)), None)
            if title:
                spans.append((i, i + 1 + len(title)))
    return spans


def _as_words(text: str) -> str:
    """The text as the language score reads it: titles heard as homophones corrected (李公 -> 李工,
    nlu/asr_fix), then numbers as one numeral and names as a pronoun."""
    from nlu.asr_fix import fix_names

    text = fix_names(text)[0]
    for start, end in reversed(name_spans(text)):
        text = text[:start] + "他" + text[end:]
    return _NUMBER.sub("五", text)


def language_score(text: str) -> float:
    """Log-probability per Han character of the text's words; 0.0 for text without Han characters."""
    runs = _HAN.findall(_as_words(text or ""))
    chars = sum(len(r) for r in runs)
    return sum(_run_logprob(r) for r in runs) / chars if chars else 0.0


# Only hypotheses the model itself nearly tied with its first are candidates (log-probability per token
# within this of the best): on speech_dev every hypothesis that the language score rightly preferred
# was within 0.07; further down the beam it traded a right word for a wrong one as often as not.
MAX_ACOUSTIC_GAP = 0.1


def choose(texts: list[str], scores: list[float], weight: float, max_gap: float | None = None) -> int:
    """The index of the hypothesis to take: the best acoustic + weight * language score among those
    within max_gap (MAX_ACOUSTIC_GAP) of the best acoustic score."""
    max_gap = MAX_ACOUSTIC_GAP if max_gap is None else max_gap
    top = max(scores)
    near = [i for i, s in enumerate(scores) if top - s <= max_gap]
    return max(near, key=lambda i: scores[i] + weight * language_score(texts[i]))


class RescoringModel:
    """Stands in for faster-whisper's CTranslate2 Whisper object: a beam search call returns the beam's
    hypotheses reranked (the first is the one faster-whisper takes); sampling calls and every other
    attribute go to the model unchanged.

    With `tokens` (the tokenizer's encode, first timestamp id, end-of-text and start-of-transcript ids)
    the first hypothesis is instead the likeliest one read span by span (nlu/asr_spans), where the
    beam disagrees or the model gave a character a low probability (its tokens' probabilities
    computed again on that hypothesis with the model's align)."""

    def __init__(self, model, decode, weight: float, hypotheses: int = 5, record: list | None = None,
                 tokens: SimpleNamespace | None = None, probabilities: bool = False):
        self._model = model
        self._decode = decode          # token ids -> text (the tokenizer's, timestamps left out)
        self.weight = weight
        self.hypotheses = hypotheses
        self.record = record           # when a list: every beam call's hypotheses, for the benches
        self.tokens = tokens
        self.probabilities = probabilities and tokens is not None

    def __getattr__(self, name):
        return getattr(self._model, name)

    def generate(self, features, prompts, **kwargs):
        beam = kwargs.get("beam_size", 1) > 1 and not kwargs.get("sampling_temperature", 0) > 0
        if not beam or self.hypotheses < 2:
            results = self._model.generate(features, prompts, **kwargs)
            if self.record is not None:
                self.record.extend({"ids": [list(r.sequences_ids[0])], "texts": None, "scores": list(r.scores),
                                    "no_speech": r.no_speech_prob, "sampled": True} for r in results)
            return results
        kwargs["num_hypotheses"] = max(self.hypotheses, kwargs.get("num_hypotheses", 1))
        kwargs["return_scores"] = True
        results = self._model.generate(features, prompts, **kwargs)
        probs = self._probabilities(features, prompts, results) if self.probabilities else [None] * len(results)
        return [self._rerank(r, p) for r, p in zip(results, probs)]

    def _probabilities(self, features, prompts, results) -> list[list[float] | None]:
        """Per result: the probability of each text token of its likeliest hypothesis (model.align)."""
        tok = self.tokens
        text = [[t for t in r.sequences_ids[max(range(len(r.scores)), key=r.scores.__getitem__)] if t < tok.eot]
                for r in results]
        prompt = list(prompts[0])
        start = prompt[prompt.index(tok.sot):] if tok.sot in prompt else prompt
        if not all(text):
            return [None] * len(results)
        try:
            aligned = self._model.align(features, start, text, int(features.shape[1]) * 2)
        except Exception:  # an uncertainty signal only: the spans of disagreement still count
            return [None] * len(results)
        return [list(a.text_token_probs) for a in aligned]

    def _rerank(self, result, probs=None):
        texts = [self._decode(ids) for ids in result.sequences_ids]
        scores = list(result.scores)
        if self.record is not None:
            self.record.append({"ids": [list(ids) for ids in result.sequences_ids], "texts": texts,
                                "scores": scores, "no_speech": result.no_speech_prob, "probs": probs})
        if self.tokens is not None:
            from nlu.asr_spans import decode_window

            tok = self.tokens
            best, ids = decode_window([list(i) for i in result.sequences_ids], scores, self.weight, self._decode,
                                      tok.encode, tok.first_timestamp, probs=probs, eot=tok.eot)
            ranked = [i for i in range(len(texts)) if i != best]
            return SimpleNamespace(sequences_ids=[ids] + [result.sequences_ids[i] for i in ranked], sequences=[],
                                   scores=[scores[best]] + [scores[i] for i in ranked],
                                   no_speech_prob=result.no_speech_prob)
        best = choose(texts, scores, self.weight)
        ranked = [best] + [i for i in range(len(texts)) if i != best]
        return SimpleNamespace(sequences_ids=[result.sequences_ids[i] for i in ranked],
                               sequences=[result.sequences[i] for i in ranked] if result.sequences else [],
                               scores=[scores[i] for i in ranked], no_speech_prob=result.no_speech_prob)
