"""Change stamps: how a process tells the other processes of its host that data they cache has
changed. A stamp is a small file under VAR_DIR/stamps, one per (name, database): `bump()`
replaces it (a new inode every time), `read()` is one stat() call, cheap enough to check before
every use of a cache. Processes on other hosts need their own signal (a version row the cache
owner checks every few seconds, as `catalog.service` does)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.logging import get_logger

log = get_logger(__name__)

Token = tuple[int, int, int] | None
_PENDING = "stamps_after_commit"


def _path(name: str, database_url: str) -> Path:
    key = make_url(database_url).render_as_string(hide_password=True)
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
    return get_settings().var_dir / "stamps" / f"{name}-{digest}"


def read(name: str, database_url: str) -> Token:
    """The stamp's current token (None before the first bump); compare it with the one seen when
    the cache was filled."""
    try:
        st = os.stat(_path(name, database_url))
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def bump(name: str, database_url: str) -> None:
    """Mark `name` changed for every process of this host using that database."""
    path = _path(name, database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(uuid.uuid4().hex)
    os.replace(tmp, path)  # atomic, and a new inode: a reader never misses a change


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
