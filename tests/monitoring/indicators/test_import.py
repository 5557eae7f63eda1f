"""Importing observation files: all or nothing, every bad row named with its reason."""

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from backend.monitoring.indicators.importer import ImportRejected, import_file
from backend.monitoring.indicators.models import ImportBatch, Observation, ObservationRevision
from tests.monitoring.conftest import HEADER, TODAY, csv_bytes, xlsx


async def _import(session, filename, data, **kw):
    result = await import_file(session=session, filename=filename, data=data, username="canbo.ctk", today=TODAY, **kw)
    await session.commit()
    return result


async def _count(session, model=Observation):
    return await session.scalar(select(func.count()).select_from(model))


async def _value(session, period, code="BUDGET_REVENUE"):
    from backend.monitoring.indicators.models import Indicator

    return await session.scalar(select(Observation.value).join(Indicator, Indicator.id == Observation.indicator_id)
                                .where(Indicator.code == code, Observation.period == period))


async def test_an_xlsx_file_made_with_openpyxl_is_imported_whole(session):
    data = xlsx([["BUDGET_REVENUE", None, "2026-10", 1250.5, "official"],
                 ["BUDGET_REVENUE", "", "2026-11", 1310, "estimate"],
                 ["IIP", None, "2026-11", 108.2, "preliminary"]])
    result = await _import(session, "thang-11.xlsx", data)
    assert (result.rows, result.created) == (3, 3)
    assert await _value(session, "2026-10") == 1250.5
    batch = await session.get(ImportBatch, result.batch_id)
    assert (batch.filename, batch.username, batch.rows) == ("thang-11.xlsx", "canbo.ctk", 3)
    assert len(batch.sha256) == 64


async def test_a_csv_from_excel_with_a_bom_semicolons_and_vietnamese_words_is_imported(session):
    data = csv_bytes([["RETAIL_SALES", "", "2026-11", "12.345,6", "ước tính"],
                      ["EXPORTS", "Tỉnh Đắk Lắk", "11/2026", "301,2", "Sơ bộ"],
                      ["CPI", "66", "2026-11", "103,15", "chính thức"]])
    assert data.startswith(b"\xef\xbb\xbf")
    result = await _import(session, "bao-cao.csv", data)
    assert result.created == 3
    assert await _value(session, "2026-11", "RETAIL_SALES") == 12345.6
    assert await _value(session, "2026-11", "CPI") == 103.15


async def test_a_plain_comma_separated_csv_without_a_bom_is_imported(session):
    data = csv_bytes([["BUDGET_REVENUE", "", "2026-09", "1190.5", "official"]], sep=",", bom=False)
    assert (await _import(session, "export.csv", data)).created == 1


async def test_a_bad_file_names_every_bad_row_with_its_reason_and_stores_nothing(session):
    data = xlsx([
        ["BUDGET_REVENUE", None, "2026-10", 1200, "official", "tỷ đồng"],  # good
        ["GDP_XYZ", None, "2026-10", 10, "official", None],  # unknown indicator
        ["BUDGET_REVENUE", None, "2026-Q3", 10, "official", None],  # period of another frequency
        ["BUDGET_REVENUE", None, "tháng 10", 10, "official", None],  # not a period
        ["EXPORTS", None, "2026-10", "khoảng 300", "official", None],  # text for a number
        ["EXPORTS", None, "2026-09", 300, "official", "nghìn USD"],  # unit mismatch
        ["TOURIST_ARRIVALS", None, "2026-10", 98_000_000, "official", None],  # implausible
        ["IIP", None, "2026-10", 108, "dự kiến", None],  # unknown status
    ], header=[*HEADER, "unit"])
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "loi.xlsx", data)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {(3, "indicator"), (4, "period"), (5, "period"), (6, "value"), (7, "unit"), (8, "value"),
                     (9, "status")}
    messages = {e.row: e.message for e in caught.value.errors}
    assert "GDP_XYZ" in messages[3] and "ngoài khoảng hợp lý" in messages[8] and "nghìn USD" in messages[7]
    await session.rollback()
    assert await _count(session) == 0
    assert await _count(session, ImportBatch) == 0


async def test_rows_are_numbered_as_the_spreadsheet_shows_them_across_blank_rows(session):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["BUDGET_REVENUE", None, "2026-10", 1200, "official"])
    sheet.append([])
    sheet.append([])
    sheet.append(["BUDGET_REVENUE", None, "2026-11", "n/a", "estimate"])
    import io

    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "trong.xlsx", buf.getvalue())
    assert [(e.row, e.column) for e in caught.value.errors] == [(5, "value")]


async def test_a_damaged_file_is_refused_on_row_1(session):
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "hong.xlsx", b"PK\x03\x04garbage")
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "")]


async def test_a_missing_column_is_named_on_the_header_row(session):
    data = csv_bytes([["BUDGET_REVENUE", "2026-10", "1200"]], header=["indicator", "period", "value"])
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "thieu.csv", data)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "status")]


async def test_a_row_repeated_in_the_file_is_refused(session):
    data = xlsx([["CPI", None, "2026-10", 103.1, "official"], ["CPI", "66", "2026-10", 103.2, "official"]])
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "trung.xlsx", data)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "period")]
    assert "dòng 2" in caught.value.errors[0].message


async def test_a_ward_named_as_before_the_2025_merger_finds_the_new_ward(session):
    data = xlsx([["NEW_ENTERPRISES", "Phường 1, Thành phố Tuy Hòa", "2026-10", 14, "official"],
                 ["NEW_ENTERPRISES", "Phường Tân Lập", "2026-10", 31, "official"]])
    await _import(session, "xa-phuong.xlsx", data)
    from backend.catalog.models import Area

    codes = set((await session.execute(select(Area.code).join(Observation, Observation.area_id == Area.id))).scalars())
    assert codes == {"22015", "24121"}


async def test_a_province_only_indicator_refuses_a_ward(session):
    data = xlsx([["BUDGET_REVENUE", "24121", "2026-10", 120, "official"]])
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "xa.xlsx", data)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "area")]


async def test_a_future_period_is_refused(session):
    data = xlsx([["BUDGET_REVENUE", None, "2027-02", 1200, "estimate"]])
    with pytest.raises(ImportRejected, match="lỗi"):
        await _import(session, "tuong-lai.xlsx", data)


async def test_an_officer_may_import_only_the_indicators_of_their_agency(session):
    from backend.catalog.models import Agency

    stc = await session.scalar(select(Agency.id).where(Agency.code == "STC"))
    data = xlsx([["BUDGET_REVENUE", None, "2026-10", 1200, "official"], ["CPI", None, "2026-10", 103, "official"]])
    with pytest.raises(ImportRejected) as caught:
        await _import(session, "stc.xlsx", data, owner_id=stc)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "indicator")]


async def test_every_stored_figure_has_a_revision_naming_who_and_which_file(session):
    await _import(session, "t10.xlsx", xlsx([["BUDGET_REVENUE", None, "2026-10", 1200, "official"]]))
    revision = (await session.scalars(select(ObservationRevision))).one()
    assert (revision.changed_by, revision.source, revision.value, revision.previous_value) == (
        "canbo.ctk", "t10.xlsx", 1200, None)
