"""Character error rate the way ../shared/tools/score_asr.py computes it (for tests and the bench)."""
from __future__ import annotations

import re
import unicodedata

_DIGITS = dict(zip("0123456789", "零一二三四五六七八九"))


def normalise(text: str) -> str:
    """NFKC, Simplified, no punctuation or spaces, lower case, digits as Chinese numerals, 两 -> 二."""
    from nlu.asr import to_simplified

    text = to_simplified(unicodedata.normalize("NFKC", text or ""))
    text = re.sub(r"[\W_]+", "", text).lower()
    return "".join(_DIGITS.get(c, c) for c in text).replace("两", "二")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference length) after normalising both."""
    ref = normalise(reference)
    return edit_distance(ref, normalise(hypothesis)), len(ref)


def cer(pairs) -> float:
    """Corpus CER over (reference, hypothesis) pairs: total edits / total reference characters."""
    edits = total = 0
    for reference, hypothesis in pairs:
        e, n = errors(reference, hypothesis)
        edits, total = edits + e, total + n
    return edits / max(total, 1)
