"""The organisation-name model (nlu/asr_orgs.py) measured on text, by k-fold cross-validation over the
training notes' company names (scripts/train_org_chars.py's names; no audio):

    .venv/bin/python -m bench.asr_orgs_cv [--folds 5] [--grid] [--doubt NATS] [--near on|off|both]

For each held-out name, its own part (before its trade and type words) is marked unsure at a cost of
--doubt nats per character (0, the default: the worst case, a change costs nothing; 0.69: the
recogniser gave the character 0.5). Names with no trade or type word to tell their own part by are left out.
- kept: how often the model respells a name that was right (the harm the mechanism does where the
  recogniser heard a name right but was unsure of it);
- heard as ordinary text writes it: each character replaced by the commonest character of jieba's
  dictionary with the same reading (天禾 -> 天和, what Whisper's language prior does), and how often
  the model gives the name back (the good it does), against how often the heard name was right.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from functools import cache
from pathlib import Path

from nlu import asr_orgs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


@cache
def _commonest_by_reading() -> dict[str, str]:
    from nlu.note import _jieba

    best: dict[str, tuple[int, str]] = {}
    for word, n in _jieba().FREQ.items():
        if len(word) == 1 and asr_orgs._HAN.match(word):
            reading = asr_orgs._reading(word)
            if reading and n > best.get(reading, (0, ""))[0]:
                best[reading] = (n, word)
    return {r: w for r, (n, w) in best.items()}


def heard_as_text(name: str, unsure: list[float | None]) -> str:
    common = _commonest_by_reading()
    return "".join(common.get(asr_orgs._reading(c), c) if u is not None else c for c, u in zip(name, unsure))


def run(names: list[str], folds: int, margin: float, doubt: float = 0.0) -> dict:
    from train_org_chars import counts

    random.Random(17).shuffle(names)
    tallies = [0, 0, 0, 0]  # names, right ones changed, heard ones right, heard ones right after
    committed = asr_orgs._model
    try:
        _folds(names, folds, margin, counts, tallies, doubt)
    finally:
        asr_orgs._model = committed
        _clear()
    n, changed, heard_right, recovered = tallies
    return {"names": n, "changed_when_right": round(changed / n, 4),
            "heard_right": round(heard_right / n, 4), "right_after": round(recovered / n, 4)}


def _folds(names, folds, margin, counts, tallies, doubt=0.0) -> None:
    for f in range(folds):
        test = names[f::folds]
        train = [n for k, n in enumerate(names) if k % folds != f]
        _install(counts(train))
        for name in test:
            own = asr_orgs.own_part(name)
            if own is None:
                continue
            unsure = [doubt if own[0] <= k < own[1] else None for k in range(len(name))]
            heard = heard_as_text(name, unsure)
            tallies[0] += 1
            tallies[1] += asr_orgs.respell(name, unsure, margin) != name
            tallies[2] += heard == name
            tallies[3] += asr_orgs.respell(heard, unsure, margin) == name


def _clear() -> None:
    asr_orgs._org_chars_by_sound.cache_clear()
    asr_orgs.candidates.cache_clear()
    asr_orgs.char_logprob.cache_clear()
    asr_orgs._tail_words.cache_clear()


def _install(model: dict) -> None:
    """Points nlu/asr_orgs at a model trained on some names."""
    _clear()
    after: dict[str, int] = {}
    for pair, n in model["bigram"].items():
        after[pair[0]] = after.get(pair[0], 0) + n
    data = {**model, "after": after, "total": sum(model["unigram"].values())}
    asr_orgs._model = cache(lambda: data)


def main() -> None:
    from train_org_chars import company_names, held_out_notes
    from training_sources import SOURCES

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--grid", action="store_true", help="try pair/char weights, margins and tone costs")
    p.add_argument("--doubt", type=float, default=0.0, help="what changing an own-part character costs (nats)")
    p.add_argument("--near", default="on", help="near sounds (nlu/asr_orgs.NEAR): on, off or both")
    args = p.parse_args()
    names = company_names(SOURCES, held_out_notes())
    settings = [(asr_orgs.PAIR_WEIGHT, asr_orgs.CHAR_WEIGHT, asr_orgs.MARGIN, asr_orgs.TONE_COST)]
    if args.grid:
        settings = list(itertools.product([5, 20], [200, 1000], [1, 2, 3, 4], [1.0, 3.0]))
    nears = {"on": [True], "off": [False], "both": [False, True]}[args.near]
    for (pw, cw, margin, tone), near in itertools.product(settings, nears):
        asr_orgs.PAIR_WEIGHT, asr_orgs.CHAR_WEIGHT, asr_orgs.TONE_COST, asr_orgs.NEAR = pw, cw, tone, near
        line = {"pair_weight": pw, "char_weight": cw, "margin": margin, "tone_cost": tone, "near": near,
                "doubt": args.doubt, **run(list(names), args.folds, margin, args.doubt)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
