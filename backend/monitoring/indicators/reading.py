"""Reading the import files: XLSX (openpyxl, read-only, first sheet) or CSV (UTF-8 with or
without a BOM; `,`, `;` or tab separated, as Excel writes it in a Vietnamese locale), and
numbers written either way (`1234.5`, `1.234,5`, `1 234,5`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from backend.core.text import fold_words

XLSX_MAGIC = b"PK\x03\x04"
MAX_BYTES = 50 * 1024 * 1024


class BadFile(ValueError):
    """The file as a whole cannot be read (not a row's fault); one Vietnamese line with the fix."""


def header_key(text: Any, aliases: dict[str, str]) -> str:
    folded = fold_words(str(text or "")).replace(" ", "_")
    return aliases.get(folded, folded)


def read_rows(filename: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header (as written) and the data rows, each with its spreadsheet row number
    (header = 1). Entirely empty rows are skipped."""
    if not data:
        raise BadFile("tệp trống: hãy chọn tệp mẫu đã điền số liệu")
    if len(data) > MAX_BYTES:
        raise BadFile("tệp lớn hơn 50 MB: hãy chia thành nhiều tệp")
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx(data)
    return _csv(data)


def _xlsx(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadFile(f"không đọc được tệp XLSX ({type(exc).__name__}): hãy lưu lại bằng Excel dạng .xlsx") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise BadFile("trang tính đầu tiên trống: dòng 1 phải là tiêu đề cột")

    def body() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(rows, start=2):
            values = list(row)
            if any(v is not None and str(v).strip() != "" for v in values):
                yield number, values
        book.close()

    return [str(h or "").strip() for h in header], body()


def _csv(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile("tệp CSV không phải mã UTF-8: trong Excel chọn «CSV UTF-8 (Comma delimited)»") from exc
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise BadFile("tệp CSV trống: dòng 1 phải là tiêu đề cột")

    def body() -> Iterator[tuple[int, list[Any]]]:
        for values in reader:
            if any(v.strip() for v in values):
                yield reader.line_num, list(values)

    return [h.strip() for h in header], body()


_SPACES = re.compile(r"[\s\u00a0\u202f]")
_GROUPED_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


class BadNumber(ValueError):
    pass


def parse_number(value: Any) -> float:
    """A number from a cell: numbers as they are; text with a decimal comma or point. A lone dot
    before exactly three digits (`12.500`) is ambiguous (twelve thousand five hundred, or twelve
    and a half?) and refused with the two ways to write it."""
    if isinstance(value, (bool, date, datetime)):
        raise BadNumber(f"«{value}» không phải là số")
    if isinstance(value, (int, float)):
        return float(value)
    text = _SPACES.sub("", str(value or "")).replace("−", "-")
    if not text:
        raise BadNumber("thiếu giá trị")
    if "," in text and "." in text:  # the last one is the decimal separator
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if text.count(",") > 1 else text.replace(",", ".")
    elif text.count(".") > 1:
        if not _GROUPED_DOT.match(text):
            raise BadNumber(f"«{value}» không phải là số")
        text = text.replace(".", "")
    elif _GROUPED_DOT.match(text):
        whole, frac = text.split(".")
        raise BadNumber(f"«{value}» không rõ: viết {whole}{frac} (không dấu chấm) hoặc {whole},{frac} (số thập phân)")
    try:
        number = float(text)
    except ValueError:
        raise BadNumber(f"«{value}» không phải là số") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadNumber(f"«{value}» không phải là số")
    return number
