"""The indicators API as the contract names it."""

import io

from openpyxl import load_workbook

from tests.conftest import auth_headers
from tests.monitoring.conftest import HEADER, csv_bytes, xlsx


async def test_the_import_route_answers_422_with_every_bad_row_and_stores_nothing(app_client, make_user, session):
    admin = await make_user("admin")
    data = csv_bytes([["BUDGET_REVENUE", "", "2026-10", "1200", "official"],
                      ["NOPE", "", "2026-10", "1", "official"],
                      ["CPI", "", "2026-13", "abc", "official"]])
    response = await app_client.post("/api/v1/indicators/import", headers=auth_headers(admin),
                                     files={"file": ("bad.csv", data, "text/csv")})
    assert response.status_code == 422
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "indicator"), (4, "period"), (4, "value")]
    assert all(set(e) == {"row", "column", "message"} for e in body["errors"])
    listing = await app_client.get("/api/v1/indicators", headers=auth_headers(admin))
    assert all(item["latest"] is None for item in listing.json()["items"])


async def test_an_imported_xlsx_comes_back_as_a_series_with_the_contract_fields(app_client, make_user):
    admin = await make_user("admin")
    data = xlsx([["EXPORTS", "", "2025-10", 250, "official"], ["EXPORTS", "", "2026-10", 300, "preliminary"]])
    response = await app_client.post("/api/v1/indicators/import", headers=auth_headers(admin),
                                     files={"file": ("t10.xlsx", data)})
    assert response.status_code == 200 and response.json()["created"] == 2
    series = await app_client.get("/api/v1/indicators/EXPORTS/series?from=2026-01&to=2026-12",
                                  headers=auth_headers(admin))
    item = series.json()["items"][0]
    assert {"period", "value", "status", "target", "pct_of_target", "yoy_pct", "cumulative"} <= set(item)
    assert (item["period"], item["value"], item["status"], item["yoy_pct"]) == ("2026-10", 300, "preliminary", 20.0)
    listing = (await app_client.get("/api/v1/indicators", headers=auth_headers(admin))).json()
    exports = next(i for i in listing["items"] if i["code"] == "EXPORTS")
    assert {"code", "name", "unit", "frequency", "owner"} <= set(exports) and exports["owner"] == "SCT"


async def test_the_template_has_the_contract_columns_and_imports_back_once_filled(app_client, make_user):
    admin = await make_user("admin")
    response = await app_client.get("/api/v1/indicators/template.xlsx", headers=auth_headers(admin))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:5]) == HEADER
    codes = [r[0] for r in rows[1:]]
    assert "GRDP_GROWTH" in codes and "TOURIST_ARRIVALS" in codes
    filled = io.BytesIO()
    target = load_workbook(io.BytesIO(response.content))
    data = target.worksheets[0]
    for number in range(data.max_row, 1, -1):
        if data.cell(row=number, column=1).value != "CPI":
            data.delete_rows(number)
        else:
            data.cell(row=number, column=4, value=103.4)
    target.save(filled)
    imported = await app_client.post("/api/v1/indicators/import", headers=auth_headers(admin),
                                     files={"file": ("mau.xlsx", filled.getvalue())})
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 1


async def test_the_hotline_may_not_import_nor_read_and_a_missing_token_is_401(app_client, make_user):
    hotline = await make_user("hotline")
    data = xlsx([["CPI", "", "2026-10", 103, "official"]])
    denied = await app_client.post("/api/v1/indicators/import", headers=auth_headers(hotline),
                                   files={"file": ("t.xlsx", data)})
    assert denied.status_code == 403
    assert (await app_client.get("/api/v1/indicators", headers=auth_headers(hotline))).status_code == 403
    assert (await app_client.get("/api/v1/indicators")).status_code == 401


async def test_the_late_route_lists_agencies_and_what_they_owe(app_client, make_user):
    admin = await make_user("admin")
    body = (await app_client.get("/api/v1/indicators/late", headers=auth_headers(admin))).json()
    assert body["items"] and {"agency", "period", "due", "days_late", "indicators"} <= set(body["items"][0])
