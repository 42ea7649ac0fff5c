"""/export: the deals, notes and commitments each role may see, as XLSX and as CSV, on the seeded team of
tests/test_reports.py (counts and cells worked out by hand from its docstring)."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot import reports
from bot.export import export_csv_zip, export_xlsx
from tests.test_reports import NOW, run, world  # noqa: F401 (the fixture)

# (deals, notes, commitments) each role may see.
COUNTS = {
    "li": (2, 5, 2),          # D1 D2; N1 N2 N3 N8 N9; C1 C2
    "zhang": (2, 3, 2),       # D3 D6; N0 N4 N7; C3 C5
    "manager": (4, 8, 4),     # 小李 + 小张
    "lead": (6, 10, 5),       # + 小孙: D4 D7; N5 N10; C4
    "admin": (7, 11, 6),      # + 小陈: D5; N6; C6
    "chen": (1, 1, 1),
}


def sheets(data: bytes) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


@pytest.mark.parametrize("who", list(COUNTS))
def test_xlsx_holds_what_the_role_may_see(world, who):
    report = run(world, reports.export_report, who, now=NOW)
    got = sheets(report.file.data)
    assert list(got) == ["商机", "笔记", "待办", "产品", "联系人"]
    assert tuple(len(rows) - 1 for rows in list(got.values())[:3]) == COUNTS[who]
    assert report.file.filename == "销售记录_20260305.xlsx"
    assert report.lines[1] == "商机{}条、笔记{}条、待办{}条".format(*COUNTS[who])


def test_xlsx_cells_for_the_rep(world):
    got = sheets(run(world, reports.export_report, "li", now=NOW).file.data)
    d1, d2 = world["D1"].id, world["D2"].id
    assert got["商机"][0][:6] == ["商机编号", "客户", "负责人", "阶段", "状态", "金额"]
    assert [row[:8] for row in got["商机"][1:]] == [
        [d1, "盒马", "小李", "方案", "进行中", 100000, "报价", "2026-04-15"],
        [d2, "物美", "小李", "线索", "丢单", 50000, "预算", None]]
    assert got["商机"][1][8] == "2026-03-02 11:00"   # entered 方案, team time
    notes = got["笔记"]
    assert [(r[1], r[2], r[3]) for r in notes[1:]] == [
        ("2026-02-20 10:00", "小李", "盒马"), ("2026-03-02 10:00", "小李", "盒马"), ("2026-03-03 09:00", "小李", "物美"),
        ("2026-03-04 09:00", "小李", "盒马"), ("2026-03-04 09:30", "小李", "盒马")]
    assert notes[4][7] == "盒马车间主任刘师傅说设备好用"
    assert [(r[1], r[2], r[4], r[5], r[6], r[7]) for r in got["待办"][1:]] == [
        ("小李", "盒马", "交货", "2026-03-04", "已完成", "2026-03-04 16:00"),
        ("小李", "物美", "跟进", "2026-03-06", "待办", None)]
    assert got["产品"][0] == ["笔记编号", "客户", "产品", "数量", "单位"]
    assert got["联系人"][0] == ["客户", "联系人", "职务", "决策链角色"]
    assert {r[0] for r in got["联系人"][1:]} <= {"盒马", "物美"}     # only customers the rep sees


def test_csv_zip_has_three_utf8_files_with_the_same_rows(world):
    report = run(world, reports.export_report, "manager", fmt="csv", now=NOW)
    assert report.file.filename.endswith(".zip") and report.file.mime == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(report.file.data))
    assert archive.namelist() == ["商机.csv", "笔记.csv", "待办.csv", "产品.csv", "联系人.csv"]
    counts = []
    for name in archive.namelist():
        raw = archive.read(name)
        assert raw.startswith("\ufeff".encode())    # Excel reads the Chinese as UTF-8
        counts.append(len(list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))) - 1)
    assert tuple(counts[:3]) == COUNTS["manager"]


def test_a_note_that_looks_like_a_formula_stays_text():
    tables = {"notes": (("内容",), [("=HYPERLINK(\"http://x\")",), ("张总\x07说好",)])}
    cells = sheets(export_xlsx(tables))["笔记"]
    assert cells[1:] == [["=HYPERLINK(\"http://x\")"], ["张总说好"]]
    book = load_workbook(io.BytesIO(export_xlsx(tables)))
    assert book["笔记"]["A2"].data_type == "s"
    text = zipfile.ZipFile(io.BytesIO(export_csv_zip(tables))).read("笔记.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=HYPERLINK(\"http://x\")"]


def test_an_unknown_format_is_answered_plainly(world):
    report = run(world, reports.export_report, "li", fmt="pdf", now=NOW)
    assert report.file is None and report.lines[1].startswith("可以导出 xlsx 或 csv")
