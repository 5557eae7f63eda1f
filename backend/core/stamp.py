"""Change stamps: how a process tells the other processes of its host that data they cache has
changed. A stamp is an 8-byte file under VAR_DIR/stamps, one per (name, database), mapped into
memory by every process that reads it: `read()` costs a memory read (no system call), `bump()`
writes new random bytes in place, seen by every reader at once through the shared page cache.
Processes on other hosts need their own signal (a version row the cache owner reads every few
seconds, as `catalog.service` does)."""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.logging import get_logger

log = get_logger(__name__)

Token = bytes | None
SIZE = 8
_PENDING = "stamps_after_commit"
_maps: dict[tuple[str, str, str], mmap.mmap] = {}  # (name, database URL, VAR_DIR) -> the mapped stamp


def _path(name: str, database_url: str) -> Path:
    return _file(str(get_settings().var_dir), name, database_url)


@lru_cache(maxsize=64)
def _file(var_dir: str, name: str, database_url: str) -> Path:
    """One file per (name, database), the same whichever way the URL was written."""
    key = make_url(database_url).render_as_string(hide_password=True)
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
    return Path(var_dir) / "stamps" / f"{name}-{digest}"


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if os.fstat(fd).st_size < SIZE:
        os.ftruncate(fd, SIZE)  # zeros; never shrinks or overwrites a stamp already there
    return fd


def read(name: str, database_url: str) -> Token:
    """The stamp's current value; compare it with the one seen when the cache was filled. None when
    VAR_DIR cannot hold stamps (the cache then relies on its owner's other signals)."""
    key = (name, database_url, str(get_settings().var_dir))
    mapped = _maps.get(key)
    if mapped is None:
        try:
            fd = _open(_file(key[2], name, database_url))
        except OSError:
            return None
        try:
            mapped = _maps[key] = mmap.mmap(fd, SIZE, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
    return mapped[:SIZE]


def bump(name: str, database_url: str) -> None:
    """Mark `name` changed for every process of this host using that database."""
    fd = _open(_path(name, database_url))
    try:
        os.pwrite(fd, os.urandom(SIZE), 0)
    finally:
        os.close(fd)


def bump_after_commit(session: AsyncSession, name: str, on_commit: Callable[[], None] | None = None) -> None:
    """Bump `name` (and run `on_commit`, this process's own invalidation) once `session` commits,
    never before: a process reloading between the change and the commit would keep the old rows
    under the new stamp. Nothing happens if the transaction rolls back."""
    sync = session.sync_session
    pending: dict[str, Callable[[], None] | None] = sync.info.setdefault(_PENDING, {})
    pending[name] = on_commit
    if not event.contains(sync, "after_commit", _fire):
        event.listen(sync, "after_commit", _fire)
        event.listen(sync, "after_rollback", _drop)


def _fire(sync: Any) -> None:
    pending = sync.info.pop(_PENDING, {})
    if not pending:
        return
    url = sync.get_bind().url.render_as_string(hide_password=False)
    for name, on_commit in pending.items():
        if on_commit is not None:
            on_commit()
        try:
            bump(name, url)
        except OSError as exc:  # the change is committed: the other processes see it after their TTL
            log.warning("could not bump a change stamp", stamp=name, error=str(exc))


def _drop(sync: Any) -> None:
    sync.info.pop(_PENDING, None)
