"""Would numpy decode the name labellers faster than pycrfsuite? (issue 16, fifth sitting: measured, not
adopted). For each tagging the parser makes over the notes, the weights are read exactly from the model
file (pycrfsuite's Tagger.info() prints them rounded to 6 decimals), the emission scores are summed in
numpy in crfsuite's order (bit-identical), and Viterbi and the marginals are computed by log-depth
scans over the whole note; the labels must equal pycrfsuite's and the marginals agree to 1e-12. Then
the CPU time of each route per tagging: pycrfsuite's (the converted sequence set, tagged, every
marginal read) against numpy's (emissions from attribute ids, Viterbi, forward-backward).

Run: .venv/bin/python -m bench.crf_numpy_probe [FILE...]   (default: the dev and working notes)
"""
from __future__ import annotations

import argparse
import json
import struct
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT / "tests" / "data" / "notes_dev.jsonl", ROOT / "tests" / "data" / "notes_real" / "notes_working.jsonl"]
NEG = -np.finfo(np.float64).max


def _cqdb(data: bytes, at: int) -> dict[int, bytes]:
    """id -> string of a CQDB chunk (crfsuite's dictionaries)."""
    count, table = struct.unpack_from("<II", data, at + 16)
    out = {}
    for k in range(count):
        record = struct.unpack_from("<I", data, at + table + 4 * k)[0]
        if record:
            size = struct.unpack_from("<I", data, at + record + 4)[0]
            out[k] = data[at + record + 8:at + record + 7 + size]
    return out


def read_model(path: Path):
    """(labels, attribute -> id, state weights (attributes + 1, labels) with a zero last row, transitions)."""
    data = path.read_bytes()
    n_labels, n_attrs, off_features, off_labels, off_attrs = struct.unpack_from("<5I", data, 20)
    labels = _cqdb(data, off_labels)
    count = struct.unpack_from("<I", data, off_features + 8)[0]
    f = np.frombuffer(data, dtype=[("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")], count=count,
                      offset=off_features + 12)
    weights, trans = np.zeros((n_attrs + 1, n_labels)), np.zeros((n_labels, n_labels))
    state, edge = f[f["type"] == 0], f[f["type"] == 1]
    weights[state["src"], state["dst"]] = state["w"]
    trans[edge["src"], edge["dst"]] = edge["w"]
    ids = {name: k for k, name in _cqdb(data, off_attrs).items()}
    return [labels[k].decode() for k in range(n_labels)], ids, weights, trans


def emissions(weights, ids: np.ndarray) -> np.ndarray:
    """(labels, n) state scores: the attribute columns added one after another from 0, as crfsuite adds
    an item's attributes (so the same floats)."""
    return weights[ids].sum(axis=0).T.copy()


def viterbi(score: np.ndarray, trans: np.ndarray) -> list[int] | None:
    """The best labels by a max-plus prefix scan; None where a choice on the path is within 1e-9 of
    another (crfsuite's sequential sums would then decide)."""
    n_labels, n = score.shape
    if n == 1:
        return [int(score[:, 0].argmax())]
    p = trans[:, :, None] + score[None, :, 1:]
    d = 1
    while d < n - 1:
        q = np.empty_like(p)
        q[:, :, :d] = p[:, :, :d]
        (p[:, :, None, :-d] + p[None, :, :, d:]).max(axis=1, out=q[:, :, d:])
        p, d = q, d * 2
    alpha = np.empty((n_labels, n))
    alpha[:, 0] = score[:, 0]
    (score[:, 0, None, None] + p).max(axis=0, out=alpha[:, 1:])
    cand = alpha[:, None, :-1] + trans[:, :, None]
    back, best = cand.argmax(axis=0), cand.max(axis=0)
    cand[back, np.arange(n_labels)[:, None], np.arange(n - 1)[None, :]] = NEG
    gap = (best - cand.max(axis=0)).T.tolist()
    last = alpha[:, -1].tolist()
    label = last.index(max(last))
    if sorted(last)[-2] >= last[label] - 1e-9:
        return None
    out, back = [label], back.T.tolist()
    for t in range(n - 2, -1, -1):
        if gap[t][label] <= 1e-9:
            return None
        label = back[t][label]
        out.append(label)
    return out[::-1]


def marginals(score: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """(labels, n) marginals: forward prefix products and backward suffix products in one scan."""
    n_labels, n = score.shape
    e = np.exp(score)
    if n == 1:
        return e / e.sum(axis=0)
    q = np.exp(trans)[:, :, None] * e[None, :, 1:]
    b = np.stack((q, q[:, :, ::-1].transpose(1, 0, 2)))
    d = 1
    while d < n - 1:
        x = (b[:, :, :, None, :-d] * b[:, None, :, :, d:]).sum(axis=2)
        x /= x.max(axis=(1, 2), keepdims=True)
        c = np.empty_like(b)
        c[..., :d], c[..., d:] = b[..., :d], x
        b, d = c, d * 2
    alpha, beta = np.empty((n_labels, n)), np.ones((n_labels, n))
    alpha[:, 0] = e[:, 0]
    alpha[:, 1:] = (e[:, 0, None, None] * b[0]).sum(axis=0)
    beta[:, :-1] = b[1].sum(axis=0)[:, ::-1]
    p = alpha * beta
    return p / p.sum(axis=0)


def taggings(paths: list[Path]) -> list[list[tuple[bytes, ...]]]:
    """The labellers' input (one tuple of attribute strings per character) of every tagging the parser
    makes over the notes."""
    from nlu import competitor_crf
    from nlu.parser import parse

    seen, original = [], competitor_crf.items

    def items(note, others):
        seq = original(note, others)
        rows = list(note.crf_known)
        for s, e in others:
            for i in range(max(0, s), min(e, len(rows))):
                if rows[i] is note.crf_known[i]:
                    rows[i] = rows[i] + (b"other",)
        seen.append(rows)
        return seq

    competitor_crf.items = items
    try:
        for path in paths:
            for line in path.open(encoding="utf-8"):
                if line.strip():
                    row = json.loads(line)
                    parse(row["text"], datetime.fromisoformat(row["ref"]), row.get("industry"))
    finally:
        competitor_crf.items = original
    return [rows for rows in seen if rows]


def probe(model: Path, seqs) -> None:
    import pycrfsuite

    labels, attr_ids, weights, trans = read_model(model)
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    pad = len(weights) - 1
    ids = []
    for rows in seqs:
        m = np.full((max(map(len, rows)), len(rows)), pad)
        for t, row in enumerate(rows):
            m[:len(row), t] = [attr_ids.get(a, pad) for a in row]
        ids.append(m)
    converted = [pycrfsuite.ItemSequence(rows) for rows in seqs]
    differ, ties, worst = 0, 0, 0.0
    for seq, m in zip(converted, ids):
        tagger.set(seq)
        ref = tagger.tag()
        score = emissions(weights, m)
        got = viterbi(score, trans)
        ties += got is None
        differ += got is not None and [labels[k] for k in got] != ref
        mine = marginals(score, trans)
        theirs = np.array([[tagger.marginal(label, t) for t in range(len(ref))] for label in labels])
        worst = max(worst, float(np.abs(mine - theirs).max()))
    start = time.process_time()
    for seq in converted:
        tagger.set(seq)
        tagger.tag()
        tagger.marginal(labels[0], 0)  # the forward-backward runs at the first marginal read
    crf = time.process_time() - start
    start = time.process_time()
    for m in ids:
        score = emissions(weights, m)
        viterbi(score, trans)
        marginals(score, trans)
    ours = time.process_time() - start
    n = len(seqs)
    print(f"{model.name:24} {n} taggings ({sum(map(len, seqs)) / n:.0f} characters each): labels differ {differ}, "
          f"near ties {ties}, largest marginal difference {worst:.1e}")
    print(f"{'':24} CPU per tagging: pycrfsuite {1e6 * crf / n:.0f} us (set, tag, forward-backward), "
          f"numpy {1e6 * ours / n:.0f} us (emissions, Viterbi, forward-backward)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    args = ap.parse_args()
    from nlu import name_labeller, product_names

    seqs = taggings(args.files)
    for model in (name_labeller.MODEL, product_names.MODEL):
        probe(model, seqs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
