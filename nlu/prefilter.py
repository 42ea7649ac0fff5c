"""Cheap prefilters for the parser's regexes: the literals one of which every match of a pattern
contains, worked out from the pattern itself, so a text with none of them is never scanned by it.

``hint(pattern)`` gives a small regex of plain literals (or None when the pattern has no such
literals). Where ``hint.search(text, pos, endpos)`` finds nothing, ``pattern`` cannot match anywhere in
text[pos:endpos] either: a match's literals lie inside the match. Derived from the pattern, the hint
stays right when the pattern is edited.
"""
from __future__ import annotations

import re
from re import _constants as c, _parser

_MAX_CLASS = 12  # a character class of up to this many characters is a set of one-character literals
_MAX_RUNS = 48  # the most literals one run may stand for


def hint(pattern: re.Pattern) -> re.Pattern | None:
    """A regex of literals one of which every match of pattern contains, or None."""
    found = required(pattern)
    if not found:
        return None
    return re.compile("|".join(re.escape(s) for s in sorted(found, key=len, reverse=True)))


def required(pattern: re.Pattern) -> frozenset[str] | None:
    """Literals one of which every match of pattern contains (None when none can be worked out)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _sequence(list(_parser.parse(pattern.pattern, pattern.flags)))


def _sequence(items) -> frozenset[str] | None:
    """The most selective requirement among the parts every match of the sequence goes through.
    Adjacent literals and small classes make one run of literals (改[成为] -> 改成, 改为)."""
    options: list[frozenset[str]] = []
    run: set[str] = {""}

    def flush():
        if run != {""}:
            options.append(frozenset(run))

    for op, arg in items:
        chars = _class(arg) if op is c.IN else {chr(arg)} if op is c.LITERAL else None
        if chars is not None and len(run) * len(chars) <= _MAX_RUNS:
            run = {r + ch for r in run for ch in chars}
            continue
        flush()
        run = {""}
        need = frozenset(chars) if chars is not None else _item(op, arg)
        if need:
            options.append(need)
    flush()
    if not options:
        return None
    return max(options, key=_selectivity)


def _class(arg) -> set[str] | None:
    """The characters of a small class of plain characters ([成为]), else None."""
    chars = set()
    for kind, value in arg:
        if kind is not c.LITERAL:
            return None
        chars.add(chr(value))
    return chars if len(chars) <= _MAX_CLASS else None


def _item(op, arg) -> frozenset[str] | None:
    if op is c.SUBPATTERN:
        return _sequence(list(arg[3]))
    if op is c.BRANCH:
        out: set[str] = set()
        for branch in arg[1]:
            need = _sequence(list(branch))
            if not need:
                return None  # one way through needs nothing
            out |= need
        return frozenset(out)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1:
        return _sequence(list(arg[2]))
    return None  # assertions, anchors, classes, optional parts: no requirement


def _selectivity(need: frozenset[str]) -> tuple[int, int]:
    """Longer literals and fewer of them are rarer in a note."""
    return min(map(len, need)), -len(need)
