"""nlu/prefilter: a pattern's hint finds something wherever the pattern matches (a necessary condition),
so gating a scan on it never changes a result."""
import re

from hypothesis import given, settings, strategies as st

from nlu import competitors, customer, objections, repair
from nlu.prefilter import hint, required

PATTERNS = [repair._CUE, competitors._CHOSEN, competitors._RIVAL_DOES, customer._ROLE_END,
            objections._ANOTHER_SUPPLIER, customer._VISITED_END]


def test_required_literals_of_simple_patterns():
    assert required(re.compile(r"(?:改成|改为)了?")) == {"改成", "改为"}
    assert required(re.compile(r"[嗯呃]+")) == {"嗯", "呃"}
    assert required(re.compile(r"a?b*")) is None  # matches the empty string: nothing is required
    assert required(re.compile(r"x|y?")) is None  # one branch needs nothing
    assert hint(re.compile(r"\d+")) is None


def test_repair_cue_hint_on_spoken_repairs():
    """The repair cues share no literal since the dictated repairs were added (the hint is then None and
    every note is scanned, nlu/repair.py gating by a first-character lookahead instead): a spoken repair
    is found, and never hidden by a hint if the cues come to share one again."""
    h = hint(repair._CUE)
    for text in ["要上两台加工中心，哦不对，后来又说三台", "扳手四百套，哦说错了，是三百套", "八百米 不对 九百米",
                 "一开始说两百，后来又改成两百五", "周三 哦不 周四", "预算又往上调到五十万"]:
        assert repair._CUE.search(text) and (h is None or h.search(text))


# Text drawn from the characters the patterns are made of, so matches are common.
_ALPHABET = "".join(sorted({ch for p in PATTERNS for ch in p.pattern if "\u4e00" <= ch <= "\u9fff"})) + "，。 12AB"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=30))
def test_hint_is_necessary(text):
    for pattern in PATTERNS:
        h = hint(pattern)
        if h is not None and pattern.search(text):
            assert h.search(text), (pattern.pattern[:40], text)
