"""`salesbot eval FILE`: score the parser on an annotated notes file (data/NOTES_SCHEMA.md).

The figures and their print format are those of ../shared/tools/score_notes.py (the reference
scorer), computed here by our own code: per slot precision/recall/F1 over sets of facts compared
after NFKC, lower-casing and removing whitespace; micro F1 over the seven core slots; the share of
notes whose seven core slots are all exactly right.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from datetime import datetime

SLOTS = ["customer.name", "customer.company", "items", "items.qty_unit", "dates", "dates.date_only",
         "money", "money.amount_only", "objections", "competitors"]
CORE = ["customer.name", "customer.company", "items", "dates", "money", "objections", "competitors"]


def norm(s):
    if s is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)).strip().lower())


def num(x):
    try:
        return round(float(x), 4)
    except (TypeError, ValueError):
        return None


def facts(extraction) -> dict[str, set]:
    """slot -> set of comparable facts."""
    e = extraction if isinstance(extraction, dict) else {}
    out: dict[str, set] = defaultdict(set)
    customer = e.get("customer") or {}
    if isinstance(customer, dict):
        for key in ("name", "company"):
            if customer.get(key):
                out[f"customer.{key}"].add(norm(customer[key]))
    for it in e.get("items") or []:
        if isinstance(it, dict):
            out["items"].add((norm(it.get("product")), num(it.get("quantity")), norm(it.get("unit"))))
            out["items.qty_unit"].add((num(it.get("quantity")), norm(it.get("unit"))))
    for d in e.get("dates") or []:
        if isinstance(d, dict):
            out["dates"].add((str(d.get("date"))[:10], d.get("kind")))
            out["dates.date_only"].add(str(d.get("date"))[:10])
    for m in e.get("money") or []:
        if isinstance(m, dict):
            out["money"].add((num(m.get("amount")), m.get("kind")))
            out["money.amount_only"].add(num(m.get("amount")))
    for o in e.get("objections") or []:
        out["objections"].add(o)
    for c in e.get("competitors") or []:
        out["competitors"].add(norm(c))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def score(gold_rows: list[dict], predictions: dict) -> dict:
    """The reference scorer's result for gold rows and {id: extraction}."""
    tp, fp, fn = defaultdict(int), defaultdict(int), defaultdict(int)
    exact = 0
    for row in gold_rows:
        gold, pred = facts(row.get("expected")), facts(predictions.get(row.get("id")))
        right = True
        for slot in SLOTS:
            a, b = gold.get(slot, set()), pred.get(slot, set())
            tp[slot] += len(a & b)
            fp[slot] += len(b - a)
            fn[slot] += len(a - b)
            if slot in CORE and a != b:
                right = False
        exact += right
    result = {s: {**_prf(tp[s], fp[s], fn[s]), "tp": tp[s], "fp": fp[s], "fn": fn[s]} for s in SLOTS}
    result["micro"] = _prf(sum(tp[s] for s in CORE), sum(fp[s] for s in CORE), sum(fn[s] for s in CORE))
    result["exact_notes"] = exact / len(gold_rows) if gold_rows else 0.0
    return result


def confusions(gold_rows: list[dict], predictions: dict) -> dict:
    """Where attribution fails: {"dates": {gold kind: {predicted kind: n}}, "money": {...}} over the
    facts whose day (amount) both sides found with different kinds, and the worst notes as
    [{"id", "wrong": n, "slots": [...]}] (most wrong facts first, ten at most)."""
    out = {"dates": defaultdict(lambda: defaultdict(int)), "money": defaultdict(lambda: defaultdict(int))}
    worst = []
    for row in gold_rows:
        gold = row.get("expected") or {}
        pred = predictions.get(row.get("id")) or {}
        for slot, key in (("dates", "date"), ("money", "amount")):
            pk = defaultdict(set)
            for f in pred.get(slot) or []:
                if isinstance(f, dict):
                    pk[_fact_key(f.get(key))].add(f.get("kind"))
            for f in gold.get(slot) or []:
                kinds = pk.get(_fact_key(f.get(key)))
                if kinds and f.get("kind") not in kinds:
                    out[slot][f.get("kind")][sorted(kinds)[0]] += 1
        gf, pf = facts(gold), facts(pred)
        wrong = {s: len(gf.get(s, set()) ^ pf.get(s, set())) for s in CORE}
        total = sum(wrong.values())
        if total:
            worst.append({"id": row.get("id"), "wrong": total, "slots": [s for s in CORE if wrong[s]]})
    worst.sort(key=lambda w: -w["wrong"])
    return {"dates": {g: dict(p) for g, p in out["dates"].items()},
            "money": {g: dict(p) for g, p in out["money"].items()}, "worst_notes": worst[:10]}


def _fact_key(value):
    return str(value)[:10] if not isinstance(value, (int, float)) else num(value)


def read_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def predict(rows: list[dict], catalogue: dict | None = None) -> dict:
    from nlu.parser import parse

    out = {}
    for row in rows:
        ref = datetime.fromisoformat(row["ref"]) if row.get("ref") else None
        out[row.get("id")] = parse(row.get("text", ""), ref, row.get("industry"), **(catalogue or {}))
    return out


def evaluate_file(path: str, catalogue: dict | None = None, with_confusions: bool = False) -> dict:
    """Parse every note of an annotated file and score the result (the reference scorer's figures;
    with_confusions adds the kind confusions and the worst notes under "confusions")."""
    rows = read_rows(path)
    predictions = predict(rows, catalogue)
    result = score(rows, predictions)
    if with_confusions:
        result["confusions"] = confusions(rows, predictions)
    return result


def format_report(result: dict) -> str:
    """The reference scorer's text format."""
    lines = []
    for s in SLOTS:
        r = result[s]
        lines.append(f"{s:20s} P={r['p']:.3f} R={r['r']:.3f} F1={r['f1']:.3f}  (tp={r['tp']} fp={r['fp']} fn={r['fn']})")
    lines.append(f"micro F1={result['micro']['f1']:.3f} exact_notes={result['exact_notes']:.3f} "
                 f"missing_preds={result.get('missing_preds', 0)}")
    return "\n".join(lines)


def format_confusions(result: dict) -> str:
    """Where attribution fails: the worst slots, the date-kind and money-kind confusions, the worst notes."""
    conf = result["confusions"]
    lines = []
    if conf:
        lines.append("worst slots: " + ", ".join(f"{s} {result[s]['f1']:.3f}" for s in sorted(CORE, key=lambda s: result[s]["f1"])[:3]))
        for slot in ("dates", "money"):
            pairs = sorted(((n, g, p) for g, ps in conf[slot].items() for p, n in ps.items()), reverse=True)
            lines.append(f"{slot[:-1] if slot == 'dates' else slot} kind confusions (gold -> parsed): "
                         + (", ".join(f"{g}->{p} {n}" for n, g, p in pairs) or "none"))
        lines.append("worst notes: " + ", ".join(f"{w['id']} ({w['wrong']}: {'/'.join(w['slots'])})"
                                                 for w in conf["worst_notes"]))
    return "\n".join(lines)
