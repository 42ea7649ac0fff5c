"""`salesbot leads import --team T FILE`: leads from a CSV or XLSX file whose header row names the lead
fields (storage.leads.LEAD_FIELDS). Good rows are stored, bad rows reported; one JSON object per data
row on stdout: {"row", "id"} or {"row", "field", "error"}. Rows are numbered as a spreadsheet shows them
(the header is row 1)."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Iterator

from storage import leads as lead_ops


class ImportFileError(ValueError):
    """The file cannot be read as a table of leads; the message is for the user."""


def read_rows(path: str) -> Iterator[tuple[int, dict]]:
    suffix = Path(path).suffix.lower()
    if not Path(path).is_file():
        raise ImportFileError(f"文件不存在：{path}")
    if suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    else:
        raise ImportFileError(f"只支持 .csv 和 .xlsx 文件：{path}")


def _headers(values) -> list[str]:
    return [str(v).strip() if v is not None else "" for v in values]


def _csv_rows(path: str) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            headers = _headers(next(reader, []))
            for number, values in enumerate(reader, start=2):
                if any(v.strip() for v in values):
                    yield number, {h: v for h, v in zip(headers, values) if h}
    except UnicodeDecodeError:
        raise ImportFileError("CSV 文件应为 UTF-8 编码（Excel 请另存为“CSV UTF-8”）") from None


def _xlsx_rows(path: str) -> Iterator[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or mislabelled file: one clear line, no traceback
        raise ImportFileError(f"无法读取 Excel 文件：{exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = _headers(next(rows, ()))
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, {h: v for h, v in zip(headers, values) if h and v is not None}
    finally:
        book.close()


def import_file(session, team, path: str, out=None) -> tuple[int, int]:
    """Stores the good rows in one commit; returns (stored, refused)."""
    out = out or sys.stdout
    values, numbers, refused = [], [], 0
    unknown = set()
    for number, row in read_rows(path):
        unknown |= set(row) - set(lead_ops.LEAD_FIELDS)
        try:
            values.append(lead_ops.clean_lead(session, row, team=team))
            numbers.append(number)
        except lead_ops.BadField as exc:
            refused += 1
            print(json.dumps({"row": number, "field": exc.field, "error": exc.reason}, ensure_ascii=False), file=out)
    if unknown:
        print(f"忽略未知的列：{'、'.join(sorted(unknown))}", file=sys.stderr)
    stored = lead_ops.add_leads(session=session, values=values) if values else []
    for number, lead in zip(numbers, stored):
        print(json.dumps({"row": number, "id": lead.id}, ensure_ascii=False), file=out)
    return len(stored), refused
