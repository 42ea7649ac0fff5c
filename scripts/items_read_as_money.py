"""List the training notes where a gold item's count is read as money (每月 240 bottles -> 240 yuan).

For every note of the training sources (never the check or locked sets): a gold item whose
(product, quantity, unit) the parser misses while the parser's money has that quantity as an
amount the gold money lacks. Prints one line per case and the count per source.

    .venv/bin/python scripts/items_read_as_money.py [FILE ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.evaluate import facts, norm, num, predict, read_rows  # noqa: E402
from nlu.numbers import find_money  # noqa: E402
from scripts.training_sources import SOURCES, refuse_sealed  # noqa: E402


def cases(path: str) -> list[str]:
    rows = read_rows(path)
    pred = predict(rows)
    out = []
    for row in rows:
        gold, got = row.get("expected") or {}, pred.get(row["id"]) or {}
        got_items = facts(got)["items"]
        gold_amounts = {num(m.get("amount")) for m in gold.get("money") or []}
        got_money = {num(m.get("amount")): m for m in got.get("money") or []}
        for it in gold.get("items") or []:
            q = num(it.get("quantity"))
            key = (norm(it.get("product")), q, norm(it.get("unit")))
            if q is None or key in got_items or q not in got_money or q in gold_amounts:
                continue
            text = row.get("text", "")
            where = [text[max(0, s.start - 8): s.end + 6] for s in find_money(text) if num(s.amount) == q]
            out.append(f"{row['id']}\t{it.get('product')} {it.get('quantity')} {it.get('unit')}\t"
                       f"money {q} {got_money[q].get('kind')}\t{' | '.join(where)!r}")
    return out


def main(argv: list[str]) -> None:
    files = argv or [s for s in SOURCES if s.endswith(".jsonl")]
    total = 0
    for path in files:
        refuse_sealed(path)
        found = cases(path)
        total += len(found)
        print(f"# {path}: {len(found)}")
        for line in found:
            print(line)
    print(f"# total {total}")


if __name__ == "__main__":
    main(sys.argv[1:])
