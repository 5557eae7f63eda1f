"""The command line's one-line error, shared by every `phananh` command group (backend/cli.py,
backend/monitoring/cli.py, backend/open311/cli.py, backend/reports/cli.py): "Lỗi: <what and
the fix>" on stderr, never wrapped or read as Rich markup, then exit status 1."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]Lỗi:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


def fail_unready(exc: DBAPIError) -> NoReturn:
    """The database answered but has not the tables the command reads (never migrated, or an
    older schema): say how to mend it instead of a traceback."""
    fail(f"cơ sở dữ liệu chưa sẵn sàng ({exc.orig.__class__.__name__}): chạy phananh db upgrade rồi thử lại")
