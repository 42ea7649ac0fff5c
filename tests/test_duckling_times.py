"""The resolver on Duckling's Chinese time corpus (the sales subset in ../shared/data/duckling_zh),
scored exactly as ../shared/tools/score_times.py scores `salesbot dates --jsonl`: the time covering the
most text is compared with the expected start at the expected grain."""
from __future__ import annotations

import importlib.util
import json
from datetime import datetime

import pytest

from nlu.dates import find_times
from tests.conftest import SHARED

TARGET = 0.90


def _scorer():
    path = SHARED / "tools" / "score_times.py"
    if not path.exists():
        pytest.skip(f"skipped: {path} not found (shared tools from other projects are not in the repository)")
    spec = importlib.util.spec_from_file_location("score_times", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sales_subset_accuracy(shared_data):
    path = shared_data("duckling_zh", "time_sales_subset.jsonl")
    scorer = _scorer()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    misses = []
    for row in rows:
        times = [t.to_json() for t in find_times(row["text"], datetime.fromisoformat(row["ref"]))]
        expected = row["expected"]
        want = scorer.wall(expected["value"] if expected["type"] == "value" else expected["from"])
        got = scorer.wall(max(times, key=lambda t: len(t["text"]))["start"]) if times else None
        if not scorer.same(got, want, expected["grain"]):
            misses.append((row["text"], str(want), str(got)))
    accuracy = 1 - len(misses) / len(rows)
    assert accuracy >= TARGET, f"{accuracy:.3f} < {TARGET}; misses: {misses[:20]}"
