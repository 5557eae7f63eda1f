"""`phananh indicators import FILE` as a real process: a table of the bad rows and exit 1, a
one-line error for a file that cannot be read, a summary line when it goes in."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from backend.monitoring.indicators.models import Observation
from tests.monitoring.conftest import csv_bytes, xlsx

PHANANH = str(Path(sys.executable).parent / "phananh")


def run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "COLUMNS": "160"}
    return subprocess.run([PHANANH, "indicators", *args], env=env, capture_output=True, text=True, timeout=120)


async def test_a_good_file_is_imported_and_summed_up_in_one_line(session, db_url, tmp_path):
    path = tmp_path / "thang-10.xlsx"
    path.write_bytes(xlsx([["BUDGET_REVENUE", "", "2026-10", 1200, "official"],
                           ["CPI", "", "2026-10", 103, "official"]]))
    done = run(db_url, "import", str(path), "--user", "canbo.ctk")
    assert done.returncode == 0, done.stderr
    assert "Đã nhập thang-10.xlsx: 2 dòng (2 mới" in done.stdout
    assert await session.scalar(select(func.count()).select_from(Observation)) == 2


async def test_bad_rows_are_listed_in_a_table_and_the_command_exits_1(session, db_url, tmp_path):
    path = tmp_path / "loi.csv"
    path.write_bytes(csv_bytes([["BUDGET_REVENUE", "", "2026-10", "1200", "official"],
                                ["KHONG_CO", "", "2026-10", "1", "official"],
                                ["CPI", "", "2026-10", "abc", "official"]]))
    done = run(db_url, "import", str(path))
    assert done.returncode == 1
    assert "KHONG_CO" in done.stderr and "«abc» không phải là số" in done.stderr and "dòng" in done.stderr
    assert await session.scalar(select(func.count()).select_from(Observation)) == 0


async def test_a_file_that_cannot_be_read_is_one_line_with_the_fix(session, db_url, tmp_path):
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    done = run(db_url, "import", str(path))
    assert done.returncode == 1
    assert done.stderr.strip().startswith("Lỗi:") and len(done.stderr.strip().splitlines()) == 1
    missing = run(db_url, "import", str(tmp_path / "khong-co.xlsx"))
    assert missing.returncode == 1 and "không có tệp" in missing.stderr
