"""The command line's one-line error, shared by every `phananh` command group (backend/cli.py,
backend/monitoring/cli.py, backend/open311/cli.py, backend/reports/cli.py): "Lỗi: <what and
the fix>" on stderr, never wrapped or read as Rich markup, then exit status 1."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]Lỗi:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)
