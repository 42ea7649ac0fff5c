"""Bad input never crashes the parser and loses nothing: empty or partial facts, or an error key."""
from __future__ import annotations

import json
import random
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from nlu.parser import MAX_CHARS, parse

REF = datetime.fromisoformat("2026-06-01T09:00:00+08:00")
KEYS = {"customer", "items", "dates", "money", "objections", "competitors"}


def well_formed(e: dict) -> bool:
    """The six keys with the schema's types (what every consumer relies on)."""
    if not KEYS <= set(e) or not (e["customer"] is None or isinstance(e["customer"], dict)):
        return False
    ok = all(isinstance(e[k], list) for k in KEYS - {"customer"})
    ok = ok and all(isinstance(i["quantity"], (int, float)) for i in e["items"])
    ok = ok and all(len(d["date"]) == 10 and d["status"] in ("planned", "reported") for d in e["dates"])
    return ok and all(isinstance(m["amount"], (int, float)) for m in e["money"])


def empty(e: dict) -> bool:
    return e["customer"] is None and not any(e[k] for k in KEYS - {"customer"})


def test_empty_and_blank_text_give_empty_facts():
    for text in ("", "   ", "\n\t", "，。！"):
        e = parse(text, REF)
        assert well_formed(e) and empty(e) and "error" not in e


def test_only_emoji_gives_empty_facts():
    e = parse("😀😀👍🎉🔥", REF)
    assert well_formed(e) and empty(e)


def test_text_over_the_limit_is_refused_with_a_chinese_error():
    e = parse("张总要五十台。" * 20_000, REF)  # 140,000 characters
    assert "error" in e and "上限" in e["error"] and empty(e)
    assert "error" not in parse("张总要五十台。" * (MAX_CHARS // 8), REF)


def test_binary_garbage_does_not_crash():
    rng = random.Random(7)
    for _ in range(20):
        blob = bytes(rng.randrange(256) for _ in range(300)).decode("utf-8", errors="replace")
        assert well_formed(parse(blob, REF))
    assert well_formed(parse("\x00\x01\x02\ufffd\ud800"[:-1] + "张总", REF))


def test_mixed_english_keeps_the_chinese_facts():
    e = parse("Meeting with Tom at ACME，杜经理要 LED panel 两百片，next Monday 下周一发货。", REF)
    assert e["customer"]["name"] == "杜经理"
    assert {(d["date"], d["kind"]) for d in e["dates"]} == {("2026-06-08", "delivery")}
    assert e["items"] and e["items"][0]["quantity"] == 200


def test_a_note_with_no_facts_is_empty():
    assert empty(parse("今天路上堵车，回头整理一下资料。", REF) | {"dates": []})
    assert empty(parse("天气不错，心情也不错。", REF))


def test_non_text_input_gives_an_error_not_an_exception():
    for value in (None, 123, b"bytes", ["list"]):
        e = parse(value, REF)  # type: ignore[arg-type]
        assert "error" in e and empty(e)


def test_a_missing_or_naive_reference_time_still_works():
    assert well_formed(parse("明天送货", None))
    assert parse("明天送货", datetime(2026, 6, 1, 9))["dates"][0]["date"] == "2026-06-02"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises_on_any_string(text):
    assert well_formed(parse(text, REF))


CJK_WORDS = ["张总", "王经理", "的", "要", "五十台", "两百箱", "明天", "下周三", "发货", "单价", "三千六", "预算", "万",
             "华为", "便宜", "太贵", "再考虑", "，", "。", " ", "嗯", "然后", "那个", "号", "月", "前", "后", "块", "毛"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CJK_WORDS), max_size=40))
def test_parse_never_raises_on_sales_like_word_salad(words):
    e = parse("".join(words), REF)
    assert well_formed(e)
    flat = "".join(words).replace(" ", "")
    strings = [(e["customer"] or {}).get("name"), (e["customer"] or {}).get("company"), *e["competitors"]]
    assert all(s in flat for s in strings if s)


def test_cli_reports_bad_lines_and_goes_on(tmp_path, capsys):
    path = tmp_path / "notes.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "张总要五十台，明天发货。", "ref": "2026-06-01T09:00:00+08:00"}, ensure_ascii=False),
        "not json",
        json.dumps({"id": "b", "text": "货" * (MAX_CHARS + 1)}, ensure_ascii=False),
        json.dumps({"id": "c", "text": None}),
        json.dumps({"id": "d", "text": "", "ref": "not a time"}),
        json.dumps({"id": "e", "text": "😀"}, ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["parse", "--jsonl", str(path)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "b", "c", "d", "e"]
    assert out[0]["extraction"]["items"][0]["quantity"] == 50
    assert all("error" in o for o in out[1:5])
    assert "extraction" in out[5]


TYPED_WORDS = ["65w", "2.4W", "8k", "3k/月", "26元/kg", "@260/箱", "30%", "T/T 30 days", "500 pcs", "40 sets", "license",
               "Mar 15", "15/3", "7.20", "next Friday", "tomorrow", "PO", "quote", "sample", "MOQ", "Kevin", "Linda",
               "Harborview Foods", "不对", "哦不对", "不对不对 是", "后来又改成", "一开始说", "改口", "👍", "#跟进", "✅",
               "報價", "下週三", "兩百", "經理", "聊那个", "的事情", "还有", "首批", "压货", "保证金", "目标价是", "先去的",
               "技术中心的", "叫林海峰", "要用", "做个小试", "一期", "每课时", "别人家", "给的是"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CJK_WORDS + TYPED_WORDS), max_size=40), st.booleans())
def test_no_step_raises_on_typed_bilingual_or_repaired_salad(words, spaced):
    """The inner steps themselves never raise (parse's guard would hide a crash as an empty card)."""
    from nlu.parser import _parse

    text = (" " if spaced else "").join(words)
    e = _parse(text, REF, None)
    assert well_formed(e)
