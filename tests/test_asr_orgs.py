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


def test_a_name_heard_in_a_near_sound_takes_the_spelling_names_have(monkeypatch):
    """景 (jing) for 锦 (jin): a near sound the recogniser writes for it; with the same sounds alone the
    name becomes another name of the heard sound (精诚), never the one said."""
    text = "今天去了景程物流，王总说要100台"
    unsure = [0.0] * len(text)
    assert apply(text, asr_orgs_changes(text, unsure)) == "今天去了锦程物流，王总说要100台"
    monkeypatch.setattr(asr_orgs, "NEAR", False)
    asr_orgs.candidates.cache_clear()
    try:
        assert "锦" not in apply(text, asr_orgs_changes(text, unsure))
    finally:
        asr_orgs.candidates.cache_clear()


def test_a_near_sound_costs_more_than_the_same_sound():
    """The confusions Whisper makes (nlu/data/asr_confusions.json) price a near sound: jing heard for jin
    is cheap, a sound it never wrote for another is out of reach."""
    assert asr_orgs.near_cost("jing", "jing") == 0.0
    assert 0.0 < asr_orgs.near_cost("jing", "jin") < asr_orgs.near_cost("jing", "bo")
    options = asr_orgs.candidates("景")
    assert options["景"] == 0.0 and 0.0 < options["锦"] <= asr_orgs.MAX_NEAR_COST + asr_orgs.TONE_COST
    assert "波" not in options


def test_a_trade_word_heard_as_its_homophone_is_written_as_the_trade_word():
    """气修 is no word and sounds as 汽修 does; 这里能 stays (里 ends 这里, a word)."""
    text = "明天去盛世气修厂，金师傅说要换机油"
    assert apply(text, asr_orgs_changes(text, [0.5] * len(text))) == "明天去盛世汽修厂，金师傅说要换机油"
    assert asr_orgs.fix_trade_words(text, [4.0] * len(text)) == []  # the recogniser was sure: it stays
    assert asr_orgs.fix_trade_words(text, [None] * len(text)) == []
    plain = "这里能做的我们都做了，价格太高"
    assert asr_orgs.fix_trade_words(plain, [0.0] * len(plain)) == []


def test_own_part_before_ordinary_words_of_what_the_organisation_is():
    """通达|公交集团, 宏图|职业技术学院: the name is the start, ordinary words stand between it and the tail."""
    assert asr_orgs.own_part("通达公交集团") == (0, 2)
    assert asr_orgs.own_part("宏图职业技术学院") == (0, 2)
    assert asr_orgs.own_part("安康从瑞丰物流") == (3, 5)  # no ordinary word before 物流: its two characters


def test_typed_notes_companies_never_change():
    """On typed text the recogniser doubts nothing: no training note's company changes, trade words and
    near sounds included."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from name_labeller_training import rows_of
    from training_sources import SOURCES

    seen = 0
    for source in SOURCES:
        if source == "packs":
            continue
        for row in rows_of(source)[:40]:
            company = ((row.get("expected") or {}).get("customer") or {}).get("company")
            if isinstance(company, str) and company in row["text"]:
                seen += 1
                assert asr_orgs.fix_organisations(row["text"], [None] * len(row["text"])) == []
    assert seen > 150
