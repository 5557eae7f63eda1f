"""Numbers as people type them, and files that cannot be read at all."""

import pytest

from backend.monitoring.indicators.importer import format_number
from backend.monitoring.indicators.reading import BadFile, BadNumber, parse_number, read_rows


@pytest.mark.parametrize(("text", "number"), [
    ("1234.5", 1234.5), ("1234,5", 1234.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234,5", 1234.5),
    ("1.234.567", 1234567), ("12.5", 12.5), ("-3,2", -3.2), (42, 42.0), (0.25, 0.25), ("1\u00a0234", 1234),
])
def test_numbers_are_read_with_a_decimal_comma_or_point(text, number):
    assert parse_number(text) == number


def test_a_lone_dot_before_three_digits_is_ambiguous_and_refused_with_both_readings():
    with pytest.raises(BadNumber, match=r"viết 12500 .* hoặc 12,500"):
        parse_number("12.500")


@pytest.mark.parametrize("text", ["abc", "", "12a", "1.2.3", None, True, "nan"])
def test_text_where_a_number_belongs_is_refused(text):
    with pytest.raises(BadNumber):
        parse_number(text)


def test_numbers_are_shown_in_vietnamese_format():
    assert format_number(1234.5) == "1.234,5"
    assert format_number(1234567.0, 0) == "1.234.567"
    assert format_number(12.0) == "12"


def test_a_csv_that_is_not_utf8_is_refused_with_the_fix():
    with pytest.raises(BadFile, match="UTF-8"):
        read_rows("so-lieu.csv", b"indicator;area\nCPI;H\xe0 N\xf4i\n")  # Windows-1252, not UTF-8


def test_a_damaged_xlsx_is_refused():
    with pytest.raises(BadFile, match="XLSX"):
        read_rows("so-lieu.xlsx", b"PK\x03\x04 not really a zip")
