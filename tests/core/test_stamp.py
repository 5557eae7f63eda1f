"""Change stamps: a bump in one process is seen by the others at once, and only after a commit."""

import os
import subprocess
import sys

from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.core import stamp
from backend.core.db import make_engine


def test_a_bump_in_another_process_is_seen_at_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    before = stamp.read("things", url)
    code = f"from backend.core import stamp; stamp.bump('things', {url!r})"
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
    assert stamp.read("things", url) != before
    assert stamp.read("other-things", url) == stamp.read("other-things", url)


async def test_a_stamp_is_bumped_when_the_transaction_commits_and_not_when_it_rolls_back(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    engine = make_engine(url)
    calls = []
    try:
        sessions = async_sessionmaker(engine)
        before = stamp.read("things", url)
        async with sessions() as session:
            stamp.bump_after_commit(session, "things", lambda: calls.append("rolled back"))
            await session.rollback()
        assert (stamp.read("things", url), calls) == (before, [])
        async with sessions() as session:
            stamp.bump_after_commit(session, "things", lambda: calls.append("committed"))
            assert stamp.read("things", url) == before  # not before the commit
            await session.commit()
        assert stamp.read("things", url) != before and calls == ["committed"]
    finally:
        await engine.dispose()
