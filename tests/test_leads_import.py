"""`salesbot leads import --team T FILE`: CSV and XLSX with the lead fields as headers; bad rows reported."""
from __future__ import annotations

import json
from datetime import datetime

from openpyxl import Workbook
from sqlmodel import select

from bot.cli import main
from storage.db import make_engine, session_factory
from storage.lead_models import Lead

CSV = """name,company,phone,region,budget,product,dwell_seconds,video_completed,visits,created_at,source,colour
王先生,远大机械,13800000001,上海,300000,挖掘机,200,true,3,2026-03-10T09:30:00+08:00,抖音广告,红
李女士,,13900000002,新疆,很多,,,,,2026-03-10T09:50,400热线,
,,,,,,,,,,,
赵总,赵氏贸易,,江苏,,,,否,1,2026-03-10T10:00,官网表单,
"""


def run(tmp_path, capsys, *args):
    db = f"sqlite:///{tmp_path / 'leads.db'}"
    code = main(["--db", db, *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err, db


def leads(db):
    with session_factory(make_engine(db))() as s:
        return s.exec(select(Lead).order_by(Lead.id)).all()


def test_csv_import_stores_good_rows_and_reports_bad_ones(tmp_path, capsys):
    run(tmp_path, capsys, "team", "create", "华东")
    path = tmp_path / "leads.csv"
    path.write_text(CSV, encoding="utf-8-sig")
    code, rows, err, db = run(tmp_path, capsys, "leads", "import", "--team", "华东", str(path))
    assert code == 0
    assert rows[0] == {"row": 3, "field": "budget", "error": "应为数字"}
    assert [r["row"] for r in rows[1:]] == [2, 5]
    assert "导入 2 条线索，1 行有误" in err and "colour" in err
    stored = leads(db)
    assert [(l.name, l.budget, l.video_completed, l.visits) for l in stored] == [
        ("王先生", 300000.0, True, 3), ("赵总", None, False, 1)]
    assert stored[1].created_at.isoformat() == "2026-03-10T02:00:00+00:00"   # no offset: the team's zone


def test_xlsx_import_reads_typed_cells(tmp_path, capsys):
    run(tmp_path, capsys, "team", "create", "华东")
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "phone", "budget", "video_completed", "created_at"])
    sheet.append(["王先生", 13800000001, 50000, True, datetime(2026, 3, 10, 9, 30)])
    book.save(tmp_path / "leads.xlsx")
    code, rows, err, db = run(tmp_path, capsys, "leads", "import", "--team", "华东", str(tmp_path / "leads.xlsx"))
    assert code == 0 and rows == [{"row": 2, "id": 1}], err
    lead, = leads(db)
    assert (lead.phone, lead.budget, lead.video_completed) == ("13800000001", 50000.0, True)


def test_usage_errors(tmp_path, capsys):
    run(tmp_path, capsys, "team", "create", "华东")
    assert run(tmp_path, capsys, "leads", "import", "--team", "西北", str(tmp_path / "x.csv"))[0] == 2
    assert run(tmp_path, capsys, "leads", "import", "--team", "华东", str(tmp_path / "missing.csv"))[0] == 2
    (tmp_path / "leads.txt").write_text("name\n王\n")
    assert run(tmp_path, capsys, "leads", "import", "--team", "华东", str(tmp_path / "leads.txt"))[0] == 2
    assert run(tmp_path, capsys, "leads", "import", str(tmp_path / "leads.txt"))[0] == 2   # --team is required
