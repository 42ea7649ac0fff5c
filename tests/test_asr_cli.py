"""`salesbot transcribe FILE... [--json] [--parse]`: one line per file, bad files reported, exit 0."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from nlu.audio import decode

pytestmark = pytest.mark.slow
DEV = Path(__file__).parent / "data" / "speech_dev"


def run(capsys, *argv) -> tuple[int, list[str], str]:
    code = main(["transcribe", *argv])
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if line.strip()], err


def test_json_lines_one_per_file_and_bad_files_do_not_stop_the_others(capsys, tmp_path):
    bad = tmp_path / "note.ogg"
    bad.write_text("这不是语音文件\n" * 50, encoding="utf-8")
    good = str(DEV / "sales_05.wav")
    code, lines, _ = run(capsys, str(bad), str(tmp_path / "missing.amr"), good, "--json", "--parse",
                         "--ref", "2026-03-02T10:00:00+08:00")
    assert code == 0
    objs = [json.loads(line) for line in lines]
    assert [o["file"] for o in objs] == [str(bad), str(tmp_path / "missing.amr"), good]
    assert set(objs[0]) == {"file", "error"} and "无法读取" in objs[0]["error"]
    assert set(objs[1]) == {"file", "error"}
    result = objs[2]
    assert "华为" in result["text"] and result["duration"] == pytest.approx(len(decode(good)) / 16000, abs=0.01)
    assert result["seconds"] > 0
    assert "华为" in json.dumps(result["extraction"]["competitors"], ensure_ascii=False)


def test_plain_output_is_the_transcript_with_a_catalogue(capsys, tmp_path):
    catalogue = tmp_path / "catalogue.txt"
    catalogue.write_text("# the team's terms\n孙经理\n", encoding="utf-8")
    code, lines, _ = run(capsys, str(DEV / "sales_07_nodtx.amr"), "--catalogue", str(catalogue), "--beam", "1")
    assert code == 0
    assert len(lines) == 1 and lines[0].startswith("孙经理")


def test_no_file_is_a_usage_error(capsys):
    assert main(["transcribe"]) == 2


def test_a_configured_model_that_is_missing_fails_with_a_clear_message(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[asr]\nmodel = "{tmp_path / "no-model"}"\n', encoding="utf-8")
    code = main(["--config", str(config), "transcribe", str(DEV / "sales_01.wav")])
    err = capsys.readouterr().err
    assert code == 1
    assert "model.bin" in err
