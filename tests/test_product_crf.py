"""The product-span labeller: the shipped model loads, labels the product of a quantity, and the parser
works the same without it (the rules alone)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from nlu import product_crf
from nlu.note import Note
from nlu.numbers import find_quantities
from nlu.parser import parse

REF = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


def test_the_shipped_model_is_there_and_loads():
    assert product_crf.MODEL.exists()
    assert product_crf._tagger() is not None


EXAMPLES = [  # written for this test: a product before or after its quantity, with words around it
    ("庞老板要刹车油一百桶", "刹车油"),
    ("周经理说伺服电机要20台", "伺服电机"),
    ("她挺喜欢那款马瑟兰，先要24瓶", "马瑟兰"),
    ("确认了三台前移式叉车", "前移式叉车"),
    ("消泡剂每月要一吨半", "消泡剂"),
]


def test_the_model_labels_the_product_of_most_quantities():
    right = 0
    for text, product in EXAMPLES:
        note = Note.build(text, REF, None)
        q = find_quantities(note.text)[-1]
        span = product_crf.product_span(note, q)
        right += span is not None and note.text[span[0]:span[1]] == product
    assert right >= len(EXAMPLES) - 1, right


def test_without_the_model_the_rules_still_give_the_facts(monkeypatch):
    monkeypatch.setattr(product_crf, "MODEL", Path("/nonexistent/products.crfsuite"))
    product_crf._tagger.cache_clear()
    try:
        e = parse("华阳电器的葛经理，电容五千颗，明天发货。", REF)
        assert [(i["product"], i["quantity"]) for i in e["items"]] == [("电容", 5000)]
    finally:
        product_crf._tagger.cache_clear()
