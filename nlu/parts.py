"""Several visits in one note: where each part starts, and whether the parts name different customers.

A part starts at a clause that opens a new visit: a time of day with a place (上午在…, 下午去了…), a
movement word (然后去了…, 另外顺路去了…, 最后到…), a count of visits (第二家, 另一家, ②). The parser
parses each part on its own; a part that names no customer belongs to the one before it, and parts
about the same customer are joined. The note has parts only when two or more customers remain.
"""
from __future__ import annotations

import re
import unicodedata

from nlu.normalize import to_simplified

# The marker may follow clause punctuation, a space (dictation) or a filler (对, 嗯, 然后).
_OPEN = r"(?:^|(?<=[，。；;,.!！?？\s：:、]))(?:(?:嗯|呃|对|然后|接着|之后|后来)\s*)*"
_TIME_OF_DAY = r"(?:今天|昨天|前天)?(?:一大早|早上|上午|中午|下午|傍晚|晚上)"
_MOVE = r"(?:又|再|先|还|就|也)?(?:去了?|到了?|在|跑了?|拜访了?|走访了?|见了?|回到)"
_MARKER = re.compile(
    _OPEN + rf"(?:{_TIME_OF_DAY}(?:先|又|再|还|就|也|顺路|顺便|接着)?"
    rf"|(?:先|又|再|然后|接着|随后|之后|最后|另外|顺路|顺便|回来路上|回来的路上)(?:顺路|顺便|又|再|还)?(?={_MOVE})"
    r"|第[二三四五两]家|另一家|还有一家|[①②③④⑤⑥]|[1-6][.、)）](?!\d))"
)
_VISIT_AFTER = re.compile(_MOVE + r"|第|另一家|还有一家|[①②③④⑤⑥]|[1-6][.、)）]")


# Any marker needs one of these characters (Traditional forms included): most notes have none.
_HINT = re.compile(r"午|晚上|早上|傍晚|先[去到在]|[又再][去到]|然[后後][去到又再下上中晚]|接[着著]|随后|隨後|最[后後]|另外|顺路|順路|顺便|順便|"
                   r"第[二三四五两兩]家|另一家|有一家|[①②③④⑤⑥]|[1-6][.、)）]")


def split_points(raw: str) -> list[tuple[int, bool]]:
    """(offset in raw, whether a visit word follows) for every part start after the first."""
    if not _HINT.search(raw):
        return []
    text = _aligned(raw)
    out = []
    for m in _MARKER.finditer(text):
        start = m.start()
        if start <= 0 or not text[:start].strip(" ，。；;,.!！?？：:、"):
            continue
        visit = bool(_VISIT_AFTER.match(text, m.end())) or bool(_VISIT_AFTER.match(text, m.end() - 3, m.end()))
        if out and out[-1][0] == start:
            continue
        out.append((start, visit or not re.match(_TIME_OF_DAY, text[start:])))
    return out


def split(raw: str) -> list[tuple[str, bool]]:
    """The note cut at every part start: (part text as written, whether it opens with a visit)."""
    points = split_points(raw)
    if not points:
        return [(raw.strip(), True)]
    out = []
    bounds = [(0, True)] + points
    for (a, visit), (b, _) in zip(bounds, bounds[1:] + [(len(raw), True)]):
        piece = raw[a:b].strip().rstrip("，,；;、")
        if piece:
            out.append((piece, visit))
    return out


def _aligned(raw: str) -> str:
    """raw in Simplified, half-width characters, offset for offset (the markers are matched on it)."""
    if unicodedata.is_normalized("NFKC", raw):
        text = raw
    else:
        text = "".join(map(_HALF_WIDTH.__getitem__, raw))
    if text.isascii():
        return text
    simple = to_simplified(text)
    return simple if len(simple) == len(text) else "".join(to_simplified(c) for c in text)


class _OneForOne(dict):
    """Each character's NFKC form when that is one character, else the character itself: a small,
    bounded memo of a static fact about characters."""

    def __missing__(self, ch: str) -> str:
        nfkc = unicodedata.normalize("NFKC", ch)
        value = self[ch] = nfkc if len(nfkc) == 1 else ch
        return value


_HALF_WIDTH = _OneForOne()


def same_customer(a: dict | None, b: dict | None) -> bool:
    """Do two parts' customers name the same customer (same company, or same contact with no other
    company said)?"""
    a, b = a or {}, b or {}
    if a.get("company") and b.get("company"):
        return a["company"] == b["company"] or a["company"] in b["company"] or b["company"] in a["company"]
    if a.get("name") and b.get("name"):
        return a["name"] == b["name"]
    return False
