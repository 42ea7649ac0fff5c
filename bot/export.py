"""Export files: the deals, notes and commitments a member may see, as one XLSX (a sheet each, openpyxl
write-only mode, so large exports stay fast and small in memory) or as a ZIP of three CSV files.

`tables`: {"deals" | "notes" | "commitments": (column headings, rows)}, cells already plain values.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEETS = {"deals": "商机", "notes": "笔记", "commitments": "待办", "products": "产品", "contacts": "联系人"}


def export_xlsx(tables: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for name, (head, rows) in tables.items():
        sheet = book.create_sheet(SHEETS.get(name, name))
        sheet.append(list(head))
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, str):
                    value = _ILLEGAL.sub("", value)  # XLSX refuses control characters
                    if value.startswith("="):        # text, never a formula
                        cell = WriteOnlyCell(sheet, value)
                        cell.data_type = "s"
                        value = cell
                cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _csv_cell(value):
    """A leading = + - @ would make a spreadsheet read a note as a formula: quote it."""
    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if value[:1] in ("=", "+", "-", "@") and not _is_number(value):
            value = "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def export_csv_zip(tables: dict) -> bytes:
    """UTF-8 with BOM, so Excel opens the Chinese correctly."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (head, rows) in tables.items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(head)
            writer.writerows([_csv_cell(v) for v in row] for row in rows)
            archive.writestr(f"{SHEETS.get(name, name)}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()
