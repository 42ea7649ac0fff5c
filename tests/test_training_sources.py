"""scripts/training_sources.rows_of: the one reader of annotated rows for every training script."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from training_sources import rows_of  # noqa: E402


def _notes(path: Path) -> str:
    path.write_text(json.dumps({"text": "今天去了华丰五金", "ref": "2026-12-01T09:00:00", "expected": {}},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    return str(path)


def test_a_notes_file_gives_its_rows_and_says_where_they_come_from(tmp_path):
    rows = rows_of(_notes(tmp_path / "notes_train_x.jsonl"))
    assert [(r["text"], r["_source"]) for r in rows] == [("今天去了华丰五金", "notes_train_x")]


def test_a_check_set_is_scored_but_never_trained_on(tmp_path):
    source = _notes(tmp_path / "notes_check_x.jsonl")
    assert len(rows_of(source, scoring=True)) == 1
    with pytest.raises(SystemExit):
        rows_of(source)


@pytest.mark.parametrize("name", ["notes_locked.jsonl", "locked50_second_annotator.jsonl"])
def test_a_locked_set_is_never_opened_not_even_to_score(tmp_path, name):
    with pytest.raises(SystemExit):
        rows_of(str(tmp_path / name), scoring=True)  # refused by its name: the file does not even exist


def test_the_packs_examples_each_have_an_id_and_their_source():
    rows = rows_of("packs")
    assert rows and all(r["_source"] == "packs" and r["text"] and r["ref"] for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)
