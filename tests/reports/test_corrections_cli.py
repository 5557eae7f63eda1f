"""`phananh nlu corrections` end to end: real subprocesses on a seeded SQLite file, a report filed
and corrected through the services, the candidates file read back with the training loader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nlu import DATA_DIR
from nlu.dataset import load_file

PHANANH = str(Path(sys.executable).parent / "phananh")
ROOT = Path(__file__).resolve().parents[2]
TEXT = "Quán cà phê bày bàn ghế chiếm hết vỉa hè trước số 120 Lê Duẩn, gọi 0905 123 456"
# File a report on the chat channel (the classifier labels it), then a supervisor corrects it.
FILE_AND_CORRECT = """
import asyncio, sys
from backend.core.actor import Actor
from backend.core.db import dispose_engine, session_scope
from backend.reports import service
from backend.reports.schemas import ReportCreate
from backend.staff import service as staff_service
from nlu import CATEGORIES

async def main():
    async with session_scope() as s:
        user = await staff_service.create_user(session=s, username="giamsat", password="secret123",
                                               role="supervisor", agency_code=None, full_name="Giám sát")
        created = await service.create(session=s, actor=Actor.system(), channel="zalo",
                                       report_in=ReportCreate(description=sys.argv[1], latitude=12.6675,
                                                              longitude=108.0378))
        report = await service.get(session=s, code=created.report.code)
        predicted = report.category.code
        final = next(c for c in CATEGORIES if c != predicted)
        await service.recategorize(session=s, report=report, category_code=final, actor=Actor.staff(user))
        print(report.code, predicted, final)
    await dispose_engine()

asyncio.run(main())
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `phananh seed` for the module; each test works on its own copy."""
    db = tmp_path_factory.mktemp("corrections-cli") / "seeded.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    result = run(env, PHANANH, "seed")
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def env(seeded: Path, tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "cli.db"
    shutil.copy(seeded, db)
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "MEDIA_DIR": str(tmp_path / "media"),
            "COLUMNS": "400"}


def test_a_correction_in_the_database_becomes_a_candidate_line_with_its_provenance(
    env: dict[str, str], tmp_path: Path
) -> None:
    made = run(env, sys.executable, "-c", FILE_AND_CORRECT, TEXT)
    assert made.returncode == 0, made.stderr
    code, predicted, final = made.stdout.split()
    out = tmp_path / "review" / "candidates.yml"
    result = run(env, PHANANH, "nlu", "corrections", "--since", "2026-01-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"│ {predicted}" in result.stdout and f"│ {final}" in result.stdout
    assert "1 phản ánh" in result.stdout and "Chưa phải dữ liệu huấn luyện" in result.stdout
    [example] = load_file(out)
    assert (example.intent, example.text) == (final, TEXT.replace("0905 123 456", "[sđt]"))
    provenance = out.with_suffix(".csv").read_text(encoding="utf-8")
    assert f"{code},{final},{predicted}," in provenance and "0905" not in provenance


def test_no_correction_is_one_line_exit_0_and_no_file(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "candidates.yml"
    result = run(env, PHANANH, "nlu", "corrections", "--citizen", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("Không có phản ánh nào được cán bộ hay người dân sửa lĩnh vực")
    assert len(result.stdout.strip().splitlines()) == 1 and not out.exists()


def test_a_path_inside_the_training_data_is_refused_in_one_line(env: dict[str, str]) -> None:
    target = DATA_DIR / "from-corrections.yml"
    result = run(env, PHANANH, "nlu", "corrections", "--out", str(target))
    assert result.returncode == 1 and not target.exists()
    assert result.stderr.count("\n") == 1 and "người duyệt" in result.stderr
