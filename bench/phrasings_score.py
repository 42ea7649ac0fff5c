"""How many messages said right after a card the bot understands, per kind — counts only.

    python -m bench.phrasings_score FILE [--pg]

FILE is JSON Lines as tests/data/conversation_phrasings_blind.jsonl ({"kind": "quantity", "text": …,
"quantity": 100}; kinds quantity, date, customer, close, ack, note, product — {"kind": "product", "text": …,
"product": "B型泵"}: the card's item renamed, its quantity 80 kept). Each line runs through the real
conversation on a fresh database (SQLite; --pg: a PostgreSQL schema of its own, SALESBOT_TEST_PG_URL),
right after the card of tests/phrasing_checks.py, and counts as understood when the check of its kind
(the same the tests assert) holds. Only counts are printed, never a line's text, so a locked set can
be scored without anyone reading it; --failed (for working sets only) lists the lines not understood
with why. A close is counted when the deal gets an expected close (its
month is not checked: the file does not say it).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import phrasing_checks as checks  # noqa: E402
from tests.chat_bot import Bot  # noqa: E402


async def one(phrase: dict, kind: str, failed: list | None = None) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot(Path(tmp), kind, queued=False)
        try:
            await checks.understood(bot, phrase)
            return True
        except (AssertionError, ValueError, IndexError, KeyError) as e:
            if failed is not None:
                failed.append((phrase, f"{type(e).__name__}: {str(e).splitlines()[0][:80] if str(e) else ''}"))
            return False
        finally:
            await bot.close()
            bot.cleanup()


async def score(phrases: list[dict], kind: str, failed: list | None = None) -> tuple[Counter, Counter]:
    said, understood = Counter(), Counter()
    for phrase in phrases:
        said[phrase["kind"]] += 1
        understood[phrase["kind"]] += await one(phrase, kind, failed)
    return said, understood


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--pg", action="store_true", help="PostgreSQL (SALESBOT_TEST_PG_URL) instead of SQLite")
    ap.add_argument("--failed", action="store_true", help="list the lines not understood (never on a locked set)")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)      # a line's text must not reach the output through a log line
    phrases = checks.load(args.file)
    skipped = [p for p in phrases if p.get("kind") not in checks.KINDS]
    if skipped:
        print(f"skipped   {len(skipped)} lines of other kinds")
    phrases = [p for p in phrases if p.get("kind") in checks.KINDS]
    failed = [] if args.failed else None
    said, understood = asyncio.run(score(phrases, "pg" if args.pg else "sqlite", failed))
    for phrase, why in failed or []:
        print(f"FAILED {phrase['kind']:9} {phrase['text']}  -- {why}")
    for kind in checks.KINDS:
        if said[kind]:
            print(f"{kind:9} {understood[kind]:4d}/{said[kind]}")
    print(f"{'total':9} {sum(understood.values()):4d}/{sum(said.values())}")


if __name__ == "__main__":
    main()
