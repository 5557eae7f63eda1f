"""Bounded, typed route parameters: a database id never overflows the column (a 23-digit id is
a 422 at the edge, not an overflow in the driver), a page number stays in range."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2_147_483_647  # INTEGER on PostgreSQL and the ids SQLite hands out here
MAX_OFFSET = 10_000_000

Id = Annotated[int, Path(ge=0, le=MAX_ID)]
Page = Annotated[int, Query(ge=1, le=100_000)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Text = Annotated[str, Query(max_length=200)]
