"""Duckling's Chinese numeral and money corpora (../shared/data/duckling_zh) against our readers.

One test per corpus line. Numerals: to_number of the whole text, or a value find_numbers reads in it.
Money: the amount in yuan (Duckling's "cent" unit is 1/100 yuan); intervals: each bound must be an
amount find_money reads; other currencies (港币): at least the number."""
from __future__ import annotations

import json

import pytest

from nlu.numbers import find_money, find_numbers, to_number
from tests.conftest import SHARED

# Cantonese 個 as "dollar" (五個半 = 5.5, 個九 = 1.9): in Mandarin sales notes 五个半 is five and a half
# of anything, so the money reader does not take 个 as a currency word.
_GE_AS_DOLLAR = "Cantonese 個 as a dollar unit is not read as money (五个半 is a count in Mandarin notes)"
# Duckling reads 一对 = 2, 五打 = 60; in sales notes 对/双/打 are measure words (五双 = 5 双).
_PAIR_DOZEN = "对/双/打 are measure words in sales notes (五双 = 5 双), not multipliers"


def _rows(name: str) -> list:
    path = SHARED / "data" / "duckling_zh" / name
    if not path.exists():
        return [pytest.param(None, id=f"{name}-missing")]
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            marks = []
            if name == "numeral.jsonl" and any(c in row["text"] for c in "對雙打对双"):
                marks.append(pytest.mark.xfail(reason=_PAIR_DOZEN, strict=True))
            if name == "money.jsonl" and ("個" in row["text"] or "个" in row["text"]):
                marks.append(pytest.mark.xfail(reason=_GE_AS_DOLLAR, strict=True))
            rows.append(pytest.param(row, id=f"{i + 1}-{row['text']}", marks=marks))
    return rows


def _close(a, b) -> bool:
    return a is not None and b is not None and abs(a - b) < 1e-9


@pytest.mark.parametrize("row", _rows("numeral.jsonl"))
def test_numeral(row, shared_data):
    shared_data("duckling_zh", "numeral.jsonl")
    text, want = row["text"], row["expected"]["value"]
    found = [v for _, v in find_numbers(text)]
    assert _close(to_number(text), want) or any(_close(v, want) for v in found), (to_number(text), found)


def _yuan(value: dict) -> float:
    return value["value"] / 100 if value.get("unit") == "cent" else value["value"]


@pytest.mark.parametrize("row", _rows("money.jsonl"))
def test_money(row, shared_data):
    shared_data("duckling_zh", "money.jsonl")
    text, exp = row["text"], row["expected"]
    amounts = [m.amount for m in find_money(text)]
    if exp["type"] == "value":
        if exp.get("unit") not in ("$", "cent", "CNY"):  # another currency: at least the number
            numbers = [v for _, v in find_numbers(text)] + [to_number(text)]
            assert any(_close(v, exp["value"]) for v in numbers), numbers
            assert not any(_close(a, exp["value"]) for a in amounts), "not yuan"
        else:
            assert any(_close(a, _yuan(exp)) for a in amounts), amounts
        return
    for side in ("from", "to"):
        if side in exp:
            assert any(_close(a, _yuan(exp[side])) for a in amounts), (side, amounts)
