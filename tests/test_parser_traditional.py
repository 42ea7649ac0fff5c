"""Speech recognisers often answer in Traditional characters: the parser reads them as Simplified
but reports names, products and units as the note wrote them (NOTES_SCHEMA: substrings of the text)."""
from datetime import datetime

from nlu.parser import parse

REF = datetime.fromisoformat("2026-04-07T10:00:00+08:00")


def test_traditional_note_keeps_its_own_characters():
    e = parse("嗯 那個 劉姐 的 民宿 要 實木床 十六張 然後 下週末 送到 她說 價格 沒問題", REF)
    assert e["customer"]["name"] == "劉姐"
    assert {"product": "實木床", "quantity": 16, "unit": "張"} in e["items"]
    assert e["dates"][0]["date"] == "2026-04-18" and e["objections"] == []


def test_traditional_company_and_competitor():
    e = parse("綠城服務的湛經理說寧波電梯的報價比我們便宜", REF)
    assert e["customer"] == {"name": "湛經理", "company": "綠城服務"}


def test_simplified_note_is_unchanged():
    e = parse("绿城服务的湛经理，实木床十六张，下周末送到", REF)
    assert e["customer"] == {"name": "湛经理", "company": "绿城服务"}
    assert e["items"][0]["product"] == "实木床"
