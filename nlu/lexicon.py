"""Industry phrase packs (nlu/industry_phrases/*.toml): loading, industry lookup and term matching.

Packs are read lazily with the standard library's tomllib the first time a note needs them. Each pack
gets its own small Aho-Corasick automaton (pyahocorasick) for its product terms, so packs never leak
into each other and no per-industry jieba dictionary is built (DESIGN.md: 0.5 s and 65 MB each).
Competitor names are the one exception on purpose: a competitor brand of any pack is a competitor in
every note, so one automaton holds the competitors of all packs.
"""
from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import ahocorasick

log = logging.getLogger(__name__)
PACK_DIR = Path(__file__).parent / "industry_phrases"


@dataclass(eq=False)  # identity hash: packs are cached singletons
class Pack:
    """One industry pack: data only, plus its term automaton built on first use."""

    slug: str
    name: str
    aliases: list[str]
    units: list[str]
    competitors: list[str]
    model_patterns: list[re.Pattern]
    detect: list[str]
    objections: dict[str, list[str]]
    products: dict[str, str]  # every surface form (name or synonym) -> canonical name
    _automaton: object = field(default=None, repr=False)

    def product_terms(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, surface) of every product term in text, longest first where they overlap."""
        if not self.products:
            return []
        if self._automaton is None:
            self._automaton = build_automaton(self.products)
        return longest_matches(self._automaton, text)


def build_automaton(words) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in words:
        if word:
            automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


def longest_matches(automaton, text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping matches, preferring the longest (then the earliest). A term that starts or
    ends with a Latin letter or digit must not sit inside a longer Latin word (EMS in MEMS)."""
    found = [(end - len(word) + 1, end + 1, word) for end, word in automaton.iter(text)]
    found = [m for m in found if not _inside_word(text, m[0], m[1])]
    found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
    taken: list[tuple[int, int, str]] = []
    for m in found:
        if all(m[1] <= t[0] or m[0] >= t[1] for t in taken):
            taken.append(m)
    return sorted(taken)


def _inside_word(text: str, start: int, end: int) -> bool:
    latin = lambda ch: ch.isascii() and ch.isalnum()
    return (latin(text[start]) and start > 0 and latin(text[start - 1])) or \
        (latin(text[end - 1]) and end < len(text) and latin(text[end]))


def _read(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def _pack_from(slug: str, data: dict) -> Pack:
    products: dict[str, str] = {}
    for p in data.get("products", []):
        name = str(p.get("name", "")).strip()
        for form in [name, *p.get("synonyms", [])]:
            form = str(form).strip()
            if form:
                products.setdefault(form, name)
    patterns = []
    for pattern in data.get("model_patterns", []):
        try:
            patterns.append(re.compile(pattern))
        except re.error:
            log.warning("pack %s: bad model pattern %r skipped", slug, pattern)
    return Pack(
        slug=slug,
        name=str(data.get("name", slug)),
        aliases=[str(a) for a in data.get("aliases", [])],
        units=[str(u) for u in data.get("units", [])],
        competitors=[str(c) for c in data.get("competitors", [])],
        model_patterns=patterns,
        detect=[str(d) for d in data.get("detect", [])],
        objections={k: [str(x) for x in v] for k, v in data.get("objections", {}).items()
                    if isinstance(v, list)},
        products=products,
    )


@cache
def common() -> dict:
    """The common pack as plain data (general units, cue words, surnames, titles, taxonomy)."""
    return _read(PACK_DIR / "common.toml")


@cache
def packs() -> tuple[Pack, ...]:
    """Every industry pack. A broken pack file is logged and skipped, never fatal."""
    out = []
    for path in sorted(PACK_DIR.glob("*.toml")):
        if path.stem == "common":
            continue
        try:
            out.append(_pack_from(path.stem, _read(path)))
        except (OSError, tomllib.TOMLDecodeError, TypeError, AttributeError) as exc:
            log.warning("industry pack %s skipped: %s", path.name, exc)
    return tuple(out)


def _key(name: str) -> str:
    return re.sub(r"[\s/／、,，]+", "", name).lower()


@cache
def _by_name() -> dict[str, Pack]:
    index: dict[str, Pack] = {}
    for pack in packs():
        for name in [pack.name, pack.slug, *pack.aliases, *re.split(r"[/／]", pack.name)]:
            index.setdefault(_key(name), pack)
    return index


def find_pack(industry: str | None) -> Pack | None:
    """The pack for an industry name, slug or alias; None when unknown."""
    if not industry or not isinstance(industry, str):
        return None
    return _pack_named(industry[:100])


@lru_cache(maxsize=256)
def _pack_named(industry: str) -> Pack | None:
    return _by_name().get(_key(industry))


@cache
def _detect_automaton():
    words: dict[str, list[int]] = {}
    for i, pack in enumerate(packs()):
        for word in [*pack.detect, *pack.products]:
            if len(word) >= 2:
                words.setdefault(word, []).append(i)
    automaton = ahocorasick.Automaton()
    for word, owners in words.items():
        automaton.add_word(word, (word, tuple(sorted(set(owners)))))
    if words:
        automaton.make_automaton()
    return automaton if words else None


def detect_industry(text: str) -> Pack | None:
    """The pack whose detect words and product terms the text mentions most; None when nothing fits."""
    automaton = _detect_automaton()
    if automaton is None or not text:
        return None
    scores: dict[int, float] = {}
    for _, (word, owners) in automaton.iter(text):
        for i in owners:  # a word shared by several packs counts less for each
            scores[i] = scores.get(i, 0.0) + len(word) / len(owners)
    if not scores:
        return None
    best = max(scores, key=lambda i: (scores[i], -i))
    return packs()[best]


@cache
def _competitor_automaton():
    names = {c for pack in packs() for c in pack.competitors if len(c) >= 2}
    return build_automaton(names) if names else None


def competitor_terms(text: str) -> list[tuple[int, int, str]]:
    """Known competitor brands of every pack found in text (longest, non-overlapping)."""
    automaton = _competitor_automaton()
    return longest_matches(automaton, text) if automaton is not None else []


@cache
def all_units() -> tuple[str, ...]:
    """Measure words of the common pack and all packs, longest first."""
    units = set(common()["units"])
    for pack in packs():
        units.update(u for u in pack.units if u and len(u) <= 3)
    return tuple(sorted(units, key=len, reverse=True))


@cache
def surnames() -> tuple[frozenset, tuple[str, ...]]:
    data = common()
    single = frozenset(ch for ch in data["surnames"] if not ch.isspace())
    return single, tuple(data["compound_surnames"])


def with_products(pack: Pack | None, products: dict[str, str]) -> Pack:
    """The pack with a team's own catalogue added (surface form -> canonical name); cached, so a team's
    derived pack (and what other modules cache per pack) is built once per catalogue."""
    return _derived(pack, tuple(sorted((str(k), str(v)) for k, v in products.items() if k)))


@lru_cache(maxsize=64)
def _derived(pack: Pack | None, products: tuple[tuple[str, str], ...]) -> Pack:
    if pack is None:
        return Pack(slug="", name="", aliases=[], units=[], competitors=[], model_patterns=[], detect=[],
                    objections={}, products=dict(products))
    return Pack(slug=pack.slug, name=pack.name, aliases=pack.aliases, units=pack.units,
                competitors=pack.competitors, model_patterns=pack.model_patterns, detect=pack.detect,
                objections=pack.objections, products={**pack.products, **dict(products)})
