"""Organisation names respelt by the organisation-name model (nlu/asr_orgs.py), without the model call."""
from __future__ import annotations

import sys
from pathlib import Path

from nlu import asr_orgs
from nlu.asr_spans import apply, with_organisations

ROOT = Path(__file__).resolve().parent.parent


def test_an_unsure_name_written_as_ordinary_text_takes_the_spelling_names_have():
    """顶盛 is how ordinary text writes ding sheng; a company is far likelier 鼎盛."""
    text = "今天去了顶盛电子，王总说要100台"
    unsure = [0.0] * len(text)
    assert apply(text, asr_orgs_changes(text, unsure)) == "今天去了鼎盛电子，王总说要100台"


def asr_orgs_changes(text: str, unsure: list[float | None]) -> list[tuple[int, int, str]]:
    return [(i, i + 1, c) for i, c in asr_orgs.fix_organisations(text, unsure)]


def test_characters_the_recogniser_was_sure_of_stay():
    text = "今天去了顶盛电子，王总说要100台"
    assert asr_orgs.fix_organisations(text, [None] * len(text)) == []
    probs = [1.0] * len(text)
    assert with_organisations(text, [], [], probs) == []
    probs[4] = probs[5] = 0.6
    assert apply(text, with_organisations(text, [], [], probs)) == "今天去了鼎盛电子，王总说要100台"


def test_only_the_own_part_of_an_organisation_changes():
    """Its trade and type words (电子) and the text around it stay, however unsure."""
    own = asr_orgs.own_part("顶盛电子")
    assert own == (0, 2)
    assert asr_orgs.own_part("新源") is None  # no trade or type word to tell the name by
    text = "今天新的一年开始了，价格太高"
    assert asr_orgs.fix_organisations(text, [0.0] * len(text)) == []


def test_a_span_reading_of_the_beam_is_respelt_in_the_reading():
    """Where the beam's spans rewrote part of the name, the respelling goes into that span's reading."""
    text = "今天去了定盛电子，王总说要100台"
    changes = with_organisations(text, [(4, 5, "顶")], [(4, 5)], [0.9] * len(text))
    assert changes == [(4, 5, "鼎")]
    assert apply(text, changes) == "今天去了鼎盛电子，王总说要100台"


def test_over_held_out_training_names_the_model_gives_back_more_than_it_breaks():
    """Two-fold over the training notes' company names: names written as ordinary text would write
    their sound come back far more often than before, and right names are seldom respelt."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench.asr_orgs_cv import run
    from train_org_chars import company_names, held_out_notes
    from training_sources import SOURCES

    result = run(company_names(SOURCES, held_out_notes()), 2, asr_orgs.MARGIN)
    assert result["names"] > 1000
    assert result["right_after"] >= result["heard_right"] + 0.4
    assert result["changed_when_right"] <= 0.25  # every character doubted at no cost: the worst case
