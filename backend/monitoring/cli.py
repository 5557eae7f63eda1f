"""`phananh indicators ...`: import a file of observations, targets or dossier statistics; list
the registry; show who is late with their data."""

from __future__ import annotations

import asyncio
import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from backend.core.console import err, fail
from backend.core.db import dispose_engine, session_scope
from backend.core.errors import DomainError
from backend.monitoring.indicators import service
from backend.monitoring.indicators.importer import ImportRejected, ImportResult, format_number, import_file
from backend.monitoring.public_services import service as public_services

app = typer.Typer(help="Chỉ tiêu kinh tế - xã hội: nhập số liệu, danh mục, đơn vị chậm nộp.", no_args_is_help=True)
console = Console()


async def _import(name: str, data: bytes, user: str, dossiers: bool) -> ImportResult:
    try:
        async with session_scope() as session:
            if dossiers:
                return await public_services.import_file(session=session, filename=name, data=data, username=user,
                                                         channel="cli")
            return await import_file(session=session, filename=name, data=data, username=user, channel="cli")
    finally:
        await dispose_engine()


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="XLSX or CSV (tệp mẫu: GET /api/v1/indicators/template.xlsx)")],
    user: Annotated[str, typer.Option(help="who is importing (written in the audit trail)")] = "",
    dossiers: Annotated[bool, typer.Option("--dossiers", help="a file of public-service dossier statistics")] = False,
) -> None:
    """Import observations or targets (all or nothing; every bad row is listed)."""
    if not file.is_file():
        fail(f"không có tệp {file}: kiểm tra đường dẫn")
    try:
        result = asyncio.run(_import(file.name, file.read_bytes(), user or f"cli:{getpass.getuser()}", dossiers))
    except ImportRejected as exc:
        if len(exc.errors) == 1 and exc.errors[0].row == 1 and not exc.errors[0].column:
            fail(exc.errors[0].message)
        table = Table(title=f"{file.name}: {exc.message}", title_justify="left")
        for column in ("dòng", "cột", "lỗi"):
            table.add_column(column, justify="right" if column == "dòng" else "left")
        for error in exc.errors:
            table.add_row(str(error.row), error.column, error.message)
        err.print(table)
        raise typer.Exit(1) from None
    except DomainError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"{exc}: cơ sở dữ liệu (DATABASE_URL) có chạy không?")
    console.print(f"[green]Đã nhập[/] {file.name}: {result.rows} dòng ({result.created} mới, "
                  f"{result.updated} cập nhật, {result.unchanged} không đổi), lô #{result.batch_id}")


@app.command("list")
def list_command() -> None:
    """The registry with the latest province figure of each indicator."""

    async def rows() -> list[list[str]]:
        try:
            async with session_scope() as session:
                return [[o.indicator.code, o.indicator.name, o.indicator.unit,
                         o.latest.period if o.latest else "", format_number(o.latest.value) if o.latest else "",
                         o.latest.status if o.latest else "",
                         format_number(o.latest.pct_of_target) if o.latest and o.latest.pct_of_target else ""]
                        for o in await service.overview(session=session)]
        finally:
            await dispose_engine()

    table = Table("mã", "chỉ tiêu", "đơn vị", "kỳ", "giá trị", "trạng thái", "% kế hoạch")
    for row in asyncio.run(rows()):
        table.add_row(*row)
    console.print(table)


@app.command("late")
def late_command() -> None:
    """Owner agencies whose figures are past their deadline."""

    async def rows() -> list[list[str]]:
        try:
            async with session_scope() as session:
                return [[item.agency.code, item.period.code, item.due.strftime("%d/%m/%Y"), str(item.days_late),
                         ", ".join(i.code for i in item.missing)]
                        for item in await service.late_agencies(session=session)]
        finally:
            await dispose_engine()

    table = Table("đơn vị", "kỳ", "hạn", "số ngày chậm", "chỉ tiêu còn thiếu")
    for row in asyncio.run(rows()):
        table.add_row(*row)
    console.print(table)
