"""A dictated note prepared for the extractors: cleaned text, clauses, the pack in use.

Cleaning keeps the text as spoken (extracted strings must be substrings of it after NFKC and
whitespace removal): it only removes spaces, filler words, and turns the spoken connective 然后 into a
clause break.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from bisect import bisect_left, bisect_right
from functools import cache

from nlu.lexicon import Pack, common, competitor_terms

from nlu.normalize import normalize, strip_fillers
from nlu.repair import repair

log = logging.getLogger(__name__)

CJK = "\u3400-\u9fff"
CLAUSE_BREAKS = "，。；！？,;!?：:\n…~"
def clean(text: str) -> tuple[str, frozenset[int]]:
    """Normalised text (NFKC, Simplified, no fillers, no spaces between Chinese words) and the
    places where a spoken space was removed: word boundaries the extractors may use."""
    return _clean_normalized(normalize(marks_to_breaks(text)))


# Typed notes carry marks that are no words: emoji and pictographs (✅ 👍 🎉), labels (#跟进), list
# markers (① ②) and bars between fields (鼎丰饮料 祝总 | 三氯蔗糖 …). Each becomes a clause break.
_MARKS = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2460-\u24FF\u3251-\u32BF"
    "\uFE0F\u200D|｜•·▪►★☆]+"
    "|(?:^|(?<=[\\s，。；,;!?！？]))#[^\\s，。；,;!?！？#]{1,12}"
)


def marks_to_breaks(text: str) -> str:
    """Emoji, labels, list markers and bars as clause breaks (see _MARKS)."""
    if not isinstance(text, str) or text.isascii() and "#" not in text and "|" not in text:
        return text
    return _MARKS.sub("，", text)


def _clean_normalized(text: str) -> tuple[str, frozenset[int]]:
    if "嗯" in text or "呃" in text:
        text = _HESITATION.sub("，", text)  # 见了姚总 嗯 他们五一有…: a hesitation starts a new thought
    text = strip_fillers(text)
    text = repair(_shorthand(text))[0]  # 四十台 不对 是四十五台: the final value only
    text = _LONG_RUN.sub(_break_turns, text)  # dictation with no punctuation: who speaks starts a clause
    if " " not in text:
        return text, frozenset()
    out: list[str] = []
    breaks: set[int] = set()
    kept, last = 0, 0
    for m in _PAUSE.finditer(text):
        out.append(text[last:m.start()])
        kept += m.start() - last
        breaks.add(kept)
        last = m.end()
    out.append(text[last:])
    return "".join(out), frozenset(breaks)


_HESITATION = re.compile(r"(?<=\S)\s+[嗯呃]+\s+(?=\S)")
# Typed shorthand after a number: w/W = 万, k/K = 千 (52.6w, 4.5k/吨); kg, kw, kWh are units, not these,
# and neither is a power or a resolution glued to a noun (580W单晶组件, 8K屏).
_NOT_SHORTHAND_NEXT = r"(?![A-Za-z]|[\u4e00-\u9fff](?<![元块左以多起到一每的盒箱台件套吨个只支瓶桶包袋张片条颗卷平方人斤副本把罐剂粒盆册米公码筒]))"
_TEN_THOUSAND = re.compile(rf"(?<=\d)[wW](?! \d)(?:(?=米)|{_NOT_SHORTHAND_NEXT})")  # (750W 40套: watts)  # 1.2w米, 6k米 (typed notes mean thousands of metres)
_THOUSAND = re.compile(rf"(?<=\d)[kK]{_NOT_SHORTHAND_NEXT}")


# A dictated run with no punctuation (嗯今天去了…他说预算卡得很死…我说回去申请一下…) is cut where a
# speaker or a turn of the story starts, so cue words are read in the clause they belong to.
_LONG_RUN = re.compile(r"[^，。；！？,;!?：:\n]{24,}")
_TURN = re.compile(r"(?<=[^\s，])(?=(?:我说|他说|她说|他们说|她们说|我答应|我跟他说|我跟她说|但是|不过|所以|因为|对了|另外|而且|"
                   r"结果|后来|然后|他还|她还|他们还|我这边|我们这边|我们报|我报|我们一般|我们不)(?!了?[，。]))")


def _break_turns(m: re.Match) -> str:
    return _TURN.sub("，", m.group())


_AT_PRICE = re.compile(r"@\s?(?=[¥$]?\d)")


def _shorthand(text: str) -> str:
    """52.6w -> 52.6万, 4.5k -> 4.5千 (one character for one), @260/箱 -> 单价260/箱 (a unit price)."""
    if "@" in text:
        text = _AT_PRICE.sub(lambda m: "单价" + m.group()[1:], text)
    if not text.isascii() and not any(c in text for c in "wWkK"):
        return text
    text = _CUED_SHORTHAND.sub(lambda m: m.group(1) + ("万" if m.group(2) in "wW" else "千"), text)
    return _THOUSAND.sub("千", _TEN_THOUSAND.sub("万", text))


# After a money word the letter is always the magnitude, whatever follows (总价22.95w已确认).
_CUED_SHORTHAND = re.compile(r"((?:总价|报价|合计|预算|单价|总额|合同额|金额|一共|总共|报了?|价格是?|给到)\s?\d+(?:\.\d+)?)([wWkK])(?![A-Za-z])")
# A space next to a Chinese character (or Chinese punctuation) is a spoken pause, not part of a name.
_PAUSE = re.compile(rf"(?<=[{CJK}，。、,.;:!?]) | (?=[{CJK}，。、,.;:!?])")


@cache
def _jieba():
    """One base tokenizer over the common words of jieba's dictionary (frequency >= 10, up to six
    characters: 105k of its 349k entries). The parser only needs word boundaries around function
    words and verbs; the full dictionary costs about four times as long to load (cold start)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:
        tokenizer = jieba.Tokenizer(dictionary=str(_common_words(jieba)))
        tokenizer.initialize()
    except OSError:
        log.warning("common word list unavailable; using jieba's full dictionary", exc_info=True)
        tokenizer = jieba.dt
        tokenizer.initialize()
    return tokenizer


def _common_words(jieba) -> Path:
    """The common-word list, derived once from the installed jieba dictionary into the temp
    directory (where jieba keeps its own caches), keyed by jieba's version."""
    path = Path(tempfile.gettempdir()) / f"salesbot-jieba-{jieba.__version__}-common.txt"
    if not path.exists():
        source = Path(jieba.__file__).with_name("dict.txt")
        keep = []
        with source.open(encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and len(parts[0]) <= 6 and parts[1].isdigit() and int(parts[1]) >= 10:
                    keep.append(f"{parts[0]} {parts[1]}\n")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(keep), encoding="utf-8")
        os.replace(tmp, path)  # atomic: concurrent first runs never see half a file
    return path


# Word classes of jieba's dictionary that never name a product on their own (time words, adverbs,
# conjunctions, pronouns, prepositions, particles, directions; its verb, noun and place tags are too loose).
_FUNCTION_TAGS = frozenset("t tg d c r rr rz p u uj ul uz ud ug f".split())


@cache
def _function_words() -> frozenset[str]:
    """jieba's common words (frequency >= 10, up to six characters) of the classes above, derived once
    into the temp directory like the common-word list."""
    import jieba

    path = Path(tempfile.gettempdir()) / f"salesbot-jieba-{jieba.__version__}-function-words.txt"
    if not path.exists():
        source = Path(jieba.__file__).with_name("dict.txt")
        keep = []
        with source.open(encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and len(parts[0]) <= 6 and parts[1].isdigit() and int(parts[1]) >= 10 \
                        and parts[2] in _FUNCTION_TAGS:
                    keep.append(parts[0] + "\n")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(keep), encoding="utf-8")
        os.replace(tmp, path)
    return frozenset(path.read_text(encoding="utf-8").split())


def is_function_word(word: str) -> bool:
    """Is word a verb, time word, adverb, conjunction, pronoun, numeral, place … in jieba's dictionary?"""
    return word in _function_words()


def tokens(s: str) -> list[str]:
    """Words of s (one base jieba dictionary, no HMM: stable and fast): exactly jieba's
    lcut(s, HMM=False), computed by _Segmenter."""
    return _segmenter().cut(s) if s else []


@cache
def _segmenter() -> "_Segmenter":
    return _Segmenter(_jieba())


_ABSENT = object()


class _Segmenter:
    """jieba's HMM-free cut (the same blocks, dictionary, route and tie-break, so the same words) in one
    right-to-left pass per block, without jieba's generators and per-word dictionary lookups: the
    parser segments many short windows, and jieba's own overhead was most of their cost."""

    def __init__(self, tokenizer):
        import jieba
        from math import log

        self._han, self._skip = jieba.re_han_default, jieba.re_skip_default
        # jieba's re_eng ([a-zA-Z0-9]) on the one-character words it is asked of
        self._eng = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        logtotal = log(tokenizer.total)
        # every word and every prefix of a word -> jieba's weight of the word (log(freq) - log(total), the
        # same float jieba computes), None for a prefix only (frequency 0): one lookup per fragment
        self._weight = {w: (log(f) - logtotal if f else None) for w, f in tokenizer.FREQ.items()}
        self._unknown = log(1) - logtotal  # jieba's weight of a character that is no word

    def cut(self, sentence: str) -> list[str]:
        # both patterns are one capturing group: split puts the matches at the odd places, where jieba
        # asks each piece whether it matches
        out: list[str] = []
        for k, blk in enumerate(self._han.split(sentence)):
            if k % 2:
                self._cut_block(blk, out)
            elif blk:
                for j, x in enumerate(self._skip.split(blk)):
                    if j % 2:
                        out.append(x)
                    else:
                        out.extend(x)
        return out

    def _cut_block(self, blk: str, out: list[str]) -> None:
        n = len(blk)
        weights, unknown, absent = self._weight, self._unknown, _ABSENT
        score, route = [0.0] * (n + 1), list(range(n))
        for idx in range(n - 1, -1, -1):
            # jieba's get_DAG (the words starting here) and calc (the best of them) at once; jieba keeps
            # the max of (score, end): a later (longer) word wins a tie, hence >=
            best, end = None, idx
            i, frag = idx, blk[idx]
            while i < n:
                weight = weights.get(frag, absent)
                if weight is absent:
                    break
                if weight is not None:
                    here = weight + score[i + 1]
                    if best is None or here >= best:
                        best, end = here, i
                i += 1
                frag = blk[idx:i + 1]
            if best is None:
                best = unknown + score[idx + 1]
            score[idx], route[idx] = best, end
        x, buf, eng = 0, "", self._eng
        while x < n:
            y = route[x] + 1
            word = blk[x:y]
            if y - x == 1 and word in eng:
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)


@dataclass
class Note:
    text: str
    ref: datetime
    pack: Pack | None
    clauses: list[tuple[int, int]] = field(default_factory=list)
    breaks: frozenset[int] = frozenset()
    spoken: str = ""  # the note as spoken: normalised, fillers kept, no whitespace
    _clause_bounds: dict = field(default_factory=dict, repr=False, compare=False)  # word-boundary cache
    _rivals: list | None = field(default=None, repr=False, compare=False)
    dates_memo: dict = field(default_factory=dict, repr=False, compare=False)  # the date scans of this note's text
    crf_base: list | None = field(default=None, repr=False, compare=False)  # the span labellers' features
    crf_known: list | None = field(default=None, repr=False, compare=False)  # ... only the models' strings
    crf_items: dict = field(default_factory=dict, repr=False, compare=False)  # ... converted, by marked spans
    product_names: list | None = field(default=None, repr=False, compare=False)  # nlu/product_names.py's spans
    name_spans: dict | None = field(default=None, repr=False, compare=False)  # nlu/name_labeller.py's, by kind

    @classmethod
    def build(cls, raw: str, ref: datetime, pack: Pack | None) -> "Note":
        normalized = normalize(raw)
        marked = marks_to_breaks(raw)
        text, breaks = _clean_normalized(normalized if marked is raw else normalize(marked))
        spoken = normalized.replace(" ", "")
        return cls(text=text, ref=ref, pack=pack, clauses=split_clauses(text), breaks=breaks, spoken=spoken)


    def rival_terms(self) -> list[tuple[int, int, str]]:
        """The known competitor brands in the text (lexicon.competitor_terms), found once per note:
        the customer and competitor steps both ask. Callers must not change the list."""
        if self._rivals is None:
            self._rivals = competitor_terms(self.text)
        return self._rivals

    def _bounds(self, index: int) -> list[int]:
        """Word boundaries of the clause holding index (one jieba pass per clause, when needed)."""
        i = self.clause_index(index)
        if i not in self._clause_bounds:
            start, end = self.clauses[i] if self.clauses else (0, len(self.text))
            out, pos = [start], start
            for word in self._words(start, end):  # the labellers' features segment the same clauses
                pos += len(word)
                out.append(pos)
            self._clause_bounds[i] = out
        return self._clause_bounds[i]

    def words(self, lo: int, hi: int) -> list[str]:
        """The words of text[lo:hi] (segmented on their own: the windows are a few characters)."""
        return list(self._words(lo, hi)) if hi > lo else []

    def _words(self, lo: int, hi: int) -> list[str]:
        """words(lo, hi) segmented once per note; callers must not change the list."""
        key = (lo, hi)
        if key not in self._clause_bounds:
            self._clause_bounds[key] = tokens(self.text[lo:hi])
        return self._clause_bounds[key]

    def splits_word(self, index: int) -> bool:
        """Do the characters on both sides of index form a dictionary word (线|束 in 线束总成)?
        A cheap stand-in for a word boundary test where segmenting the clause is not needed."""
        if index <= 0 or index >= len(self.text):
            return False
        return _jieba().FREQ.get(self.text[index - 1:index + 1], 0) > 0

    def is_boundary(self, index: int) -> bool:
        """Is index a word boundary? Clause edges always are."""
        if index <= 0 or index >= len(self.text):
            return True
        start, end = self.clause_at(index - 1)
        if index >= end or self.clause_at(index)[0] == index:
            return True
        b = self._bounds(index - 1)
        i = bisect_left(b, index)
        return i < len(b) and b[i] == index

    def clause_at(self, index: int) -> tuple[int, int]:
        """The (start, end) of the clause holding index."""
        for start, end in self.clauses:
            if start <= index < end:
                return start, end
        return (0, len(self.text))

    def clause_index(self, index: int) -> int:
        for i, (start, end) in enumerate(self.clauses):
            if start <= index < end:
                return i
        return len(self.clauses) - 1

    def clause_text(self, index: int) -> str:
        start, end = self.clause_at(index)
        return self.text[start:end]


_CLAUSE = re.compile(rf"[^{re.escape(CLAUSE_BREAKS)}]+")


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Spans between clause punctuation (the punctuation itself belongs to no clause)."""
    return [m.span() for m in _CLAUSE.finditer(text)] or [(0, len(text))]


def compile_phrases(phrases) -> re.Pattern | None:
    """One regex for a list of phrases (each may itself be a small regex), longest first."""
    phrases = sorted({p for p in phrases if p}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in phrases)) if phrases else None


def words(section: str, key: str) -> list[str]:
    return list(common()[section][key])
