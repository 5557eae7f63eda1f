"""`phananh apikey add NAME | list | revoke NAME`: Open311 API keys for integrators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from backend.core.console import fail, fail_unready
from backend.core.db import dispose_engine, session_scope
from backend.core.errors import DomainError
from backend.open311 import keys

app = typer.Typer(help="Open311 API keys: issue, list, revoke.", no_args_is_help=True)
console = Console()


def _run(work: Callable[[Any], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        try:
            async with session_scope() as session:
                return await work(session)
        finally:
            await dispose_engine()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        fail(exc.message)
    except DBAPIError as exc:
        fail_unready(exc)


@app.command("add")
def add(name: str) -> None:
    """Issue a key for an integrator; it is printed once (only its hash is stored)."""
    _row, key = _run(lambda session: keys.issue(session=session, name=name, created_by="cli"))
    console.print(f"[green]Đã tạo khóa[/] {name}. Lưu lại ngay, khóa chỉ hiện một lần:")
    print(key)


@app.command("list")
def list_() -> None:
    """Every key: name, prefix, created, last used, revoked."""
    async def work(session: Any) -> list[tuple[str, ...]]:
        return [(k.name, k.prefix + "…", k.created_at.strftime("%Y-%m-%d"),
                 k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "",
                 k.revoked_at.strftime("%Y-%m-%d") if k.revoked_at else "")
                for k in await keys.list_keys(session=session)]

    table = Table("name", "prefix", "created", "last used", "revoked")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


@app.command("revoke")
def revoke(name: str) -> None:
    """Revoke a key: POSTs with it are refused from now on."""
    _run(lambda session: keys.revoke(session=session, name=name))
    console.print(f"[yellow]Đã thu hồi khóa[/] {name}")
