"""Text normalisation for notes: width, script, whitespace; and spoken fillers.

``normalize(text)``: NFKC (full-width letters, digits and punctuation become half-width: ，-> , and
５０ -> 50), Traditional -> Simplified with OpenCC ``t2s``, every run of whitespace collapsed to one
plain space, leading/trailing whitespace dropped. Nothing else changes, so spans found in the result
are spans of what the parser reads. Cost: ~1.5 us for OpenCC plus a cheap NFKC check per note.

``strip_fillers(text)``: for dictated text (speech output, or reps who type the way they speak,
with a space between every word). What it does:

- drops the hesitation sounds 嗯 呃 (anywhere: they are never part of a word) and 啊 额 哦 唉 诶 when
  they stand alone (between spaces / punctuation, or at the very start or end);
- drops 那个 这个 when they stand alone as a spoken token (``嗯 那个 郑主管``); glued inside a phrase
  (``郑姐那个便利店``) they are left alone;
- drops 就是 at the start of a clause when it is a filler (``然后 就是 沈经理``), but keeps 就是说 and
  就是 inside a clause (``价格就是关键``);
- turns 然后 into a clause break (``，``) when it stands alone or starts a clause, since a rep's 然后
  almost always begins a new statement;
- puts a clause break before 但是 不过 可是 所以 而且 另外 when they stand alone after a spoken pause
  (``贵了 但是 质量好`` -> ``贵了，但是 质量好``);
- tidies the result: no doubled breaks, no break at the start, single spaces.

Spaces between ordinary words are kept: they are word boundaries, and only the parser knows which of
them end a clause. The parser decides whether to call this at all.
"""
from __future__ import annotations

import re
import threading
import unicodedata

__all__ = ["normalize", "strip_fillers", "to_simplified"]

_WS = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_converter = None
_lock = threading.Lock()


def _t2s():
    """The OpenCC converter, created once on first use."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def normalize(text: str) -> str:
    """NFKC, Traditional -> Simplified, whitespace collapsed to single spaces (see module docstring)."""
    if not isinstance(text, str):
        return ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = to_simplified(text)
    return collapse_spaces(text)


def collapse_spaces(text: str) -> str:
    """Every run of whitespace as one space, none at either end: _WS.sub(" ", text).strip(), since str.split,
    str.strip and the regex's \\s agree on what whitespace is. A text with no space that prints as it is
    has none (every other whitespace character is unprintable), so it comes back as it is."""
    if " " not in text and text.isprintable():
        return text
    return " ".join(text.split())


def to_simplified(text: str) -> str:
    """t2s until nothing changes (a few characters convert in two steps: 薴 -> 苧 -> 苎), so that
    normalize(normalize(x)) == normalize(x)."""
    cc = _t2s()
    try:
        out = cc.convert(text)
    except UnicodeEncodeError:  # lone surrogates (e.g. from broken JSON escapes) cannot reach OpenCC
        text = _SURROGATE.sub("\ufffd", text)
        out = cc.convert(text)
    for _ in range(3):
        if out == text:
            break
        text, out = out, cc.convert(out)
    return out


_BREAK = r"[\s,，。.!！?？;；:：、]"
# hesitation sounds that are never part of a word
_HESITATION = re.compile(r"[嗯呃]+")
# sounds / fillers that count only as standalone tokens
_STANDALONE = re.compile(rf"(?:(?<={_BREAK})|^)(?:啊|额|哦|唉|诶|呢|吧|嘛|呀|那个|这个)+(?={_BREAK}|$)"
                         r"(?!\s(?:月|星期|礼拜|季度|周|批|时候)(?:\s|$))")  # 这个 月 is this month
_THEN = re.compile(rf"(?:(?<={_BREAK})|^)然后(?:(?={_BREAK})|$|(?=\S))")
_JIUSHI = re.compile(rf"(?:(?<={_BREAK})|^)就是(?!说)")
# a spoken pause before a clause-opening conjunction is a clause break: 他说 贵了 但是 质量好
_CONJUNCTION = re.compile(r"(?<=[^\s,，。.!！?？;；:：、]) (?=(?:但是|不过|可是|所以|而且|另外)(?:\s|$))")
_FILLER_HINT = re.compile(r"\s|啊|额|哦|唉|诶|呢|吧|嘛|呀|那个|这个|然后|就是")
_TIDY_BREAKS = re.compile(r"\s*，[\s，,]*")
_BREAK_BEFORE_END = re.compile(r"，([。！？!?.；;])")


def strip_fillers(text: str) -> str:
    """Remove spoken fillers and mark 然后 as a clause break (see module docstring)."""
    if not isinstance(text, str) or not text:
        return "" if not isinstance(text, str) else text
    if "嗯" in text or "呃" in text:
        text = _HESITATION.sub(" ", text)
    if _FILLER_HINT.search(text):  # every step below leaves a text with no space and no filler word as it is
        text = _strip_runs(text)
    if "，" in text:  # both patterns need a full-width comma (NFKC left none: only the steps above add it)
        text = _TIDY_BREAKS.sub("，", text)
        text = _BREAK_BEFORE_END.sub(r"\1", text)
    return text.strip(" ，,")


def _strip_runs(text: str) -> str:
    # repeat: fillers often come in runs (嗯 然后 那个 就是 ...)
    for _ in range(3):
        before = text
        text = _STANDALONE.sub(" ", text)
        if "然后" in text:  # each pattern below needs its literal: no scan without it
            text = _THEN.sub("，", text)
        if "就是" in text:
            text = _JIUSHI.sub(" ", text)
        if " " in text:
            text = _CONJUNCTION.sub("，", text)
        text = collapse_spaces(text)
        if text == before:
            break
    return text


def positions(text: str, word: str) -> list[int]:
    """Where word starts in text, every occurrence (overlapping ones too)."""
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out
