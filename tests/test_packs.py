"""Every industry phrase pack is checked: its shape, and each example / negative as its own test
(Duckling's corpus style: one failure never hides the rest)."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

PACK_DIR = Path(__file__).parent.parent / "nlu" / "industry_phrases"
PACK_FILES = sorted(p for p in PACK_DIR.glob("*.toml") if p.name != "common.toml")
DEV_INDUSTRIES = {
    "化工", "快消/食品饮料", "汽配", "医疗器械", "工业自动化设备", "SaaS/软件", "家居", "电子元器件", "物流",
    "机械设备", "教育培训", "建材", "五金", "新能源/电池材料", "光伏", "食品添加剂", "服装纺织", "农资", "酒水", "办公用品",
}
OBJECTION_CATEGORIES = {"price", "budget", "delivery_time", "quality", "decision_delay", "competitor",
                        "payment_terms", "service", "spec"}


def load(path: Path) -> dict:
    with path.open("rb") as f:
        return tomllib.load(f)


PACKS = {p.stem: load(p) for p in PACK_FILES}


def norm(s):
    if s is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)).strip().lower())


def facts(e: dict) -> dict:
    """The fact sets the reference scorer compares (score_notes.py), slot by slot."""
    c = e.get("customer") or {}
    return {
        "customer.name": {norm(c.get("name"))} - {None},
        "customer.company": {norm(c.get("company"))} - {None},
        "items": {(norm(i["product"]) if i.get("product") else None, round(float(i["quantity"]), 4),
                   norm(i.get("unit"))) for i in e.get("items") or []},
        "dates": {(str(d["date"])[:10], d["kind"]) for d in e.get("dates") or []},
        "money": {(round(float(m["amount"]), 4), m["kind"]) for m in e.get("money") or []},
        "objections": set(e.get("objections") or []),
        "competitors": {norm(x) for x in e.get("competitors") or []},
    }


def test_at_least_27_industries_and_the_dev_names():
    names = {pack["name"] for pack in PACKS.values()}
    assert len(names) >= 27
    assert DEV_INDUSTRIES <= names, DEV_INDUSTRIES - names
    assert (PACK_DIR / "common.toml").exists()


@pytest.mark.parametrize("slug", sorted(PACKS))
def test_pack_shape(slug):
    pack = PACKS[slug]
    assert pack["name"] and isinstance(pack.get("aliases", []), list)
    assert len(pack["products"]) >= 30, "a pack needs at least 30 product terms"
    assert all(p["name"] for p in pack["products"])
    assert pack["competitors"], "competitor brands"
    assert pack["units"], "units"
    assert pack["model_patterns"], "model-code patterns"
    for pattern in pack["model_patterns"]:
        re.compile(pattern)
    assert set(pack.get("objections", {})) <= OBJECTION_CATEGORIES
    assert len(pack["examples"]) >= 15
    assert pack["negatives"]
    for example in pack["examples"]:
        e = example["expected"]
        for item in e["items"]:
            assert item["product"] in example["text"], item
        for key in ("name", "company"):
            if e["customer"].get(key):
                assert e["customer"][key] in example["text"]
        for comp in e["competitors"]:
            assert comp in example["text"]
        assert set(e["objections"]) <= OBJECTION_CATEGORIES


def _cases(kind):
    for slug, pack in sorted(PACKS.items()):
        for n, case in enumerate(pack.get(kind, []), 1):
            yield pytest.param(pack["name"], case, id=f"{slug}-{n}")


@pytest.mark.parametrize("industry,example", list(_cases("examples")))
def test_example(industry, example):
    from nlu.parser import parse

    got = parse(example["text"], datetime.fromisoformat(example["ref"]), industry)
    expected = facts(example["expected"])
    assert facts(got) == expected, example["text"]


@pytest.mark.parametrize("industry,negative", list(_cases("negatives")))
def test_negative(industry, negative):
    from nlu.parser import parse

    got = parse(negative["text"], datetime.fromisoformat(negative["ref"]), industry)
    assert all(not v for v in facts(got).values()), negative["text"]
