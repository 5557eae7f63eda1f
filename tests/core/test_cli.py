"""The `phananh` command as operators use it (a real subprocess on its own SQLite file)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PHANANH = str(Path(sys.executable).parent / "phananh")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "MEDIA_DIR": str(tmp_path / "media")}


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PHANANH, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300)


def test_db_upgrade_reports_the_revision(env: dict[str, str]) -> None:
    result = run(env, "db", "upgrade")
    assert result.returncode == 0 and "revision" in result.stdout


def test_seed_twice_loads_the_same_rows(env: dict[str, str]) -> None:
    first = run(env, "seed")
    second = run(env, "seed")
    assert first.returncode == second.returncode == 0
    assert "102" not in first.stderr and first.stdout.split("┏")[1] == second.stdout.split("┏")[1]


def test_user_add_reads_the_password_from_stdin(env: dict[str, str]) -> None:
    assert run(env, "seed").returncode == 0
    result = run(env, "user", "add", "nguyenvana", "--role", "officer", "--agency", "IOC", "--password-stdin",
                 stdin="mat-khau-1\n")
    assert result.returncode == 0, result.stderr
    assert "nguyenvana" in run(env, "user", "list").stdout


def test_user_add_officer_without_agency_is_a_one_line_error(env: dict[str, str]) -> None:
    assert run(env, "seed").returncode == 0
    result = run(env, "user", "add", "x", "--role", "officer", "--password-stdin", stdin="mat-khau-1\n")
    assert result.returncode == 1 and "--agency" in result.stderr and "Traceback" not in result.stderr


def test_user_add_unknown_agency_is_a_one_line_error(env: dict[str, str]) -> None:
    assert run(env, "seed").returncode == 0
    result = run(env, "user", "add", "y", "--role", "officer", "--agency", "NOPE", "--password-stdin",
                 stdin="mat-khau-1\n")
    assert result.returncode == 1 and "NOPE" in result.stderr and "Traceback" not in result.stderr


def test_seed_demo_prints_the_logins(env: dict[str, str]) -> None:
    result = run(env, "seed", "--demo")
    assert result.returncode == 0, result.stderr
    assert "admin" in result.stdout and "demo1234" in result.stdout


def test_zalo_inbox_worker_number_out_of_range_is_a_one_line_error(env: dict[str, str]) -> None:
    result = run(env, "bot", "zalo-inbox", "--worker", "2", "--workers", "2")
    assert result.returncode == 1
    assert "--worker must be 0 .. 1" in result.stderr and "Traceback" not in result.stderr


def test_user_contact_sets_where_alerts_go(env: dict[str, str]) -> None:
    run(env, "seed")
    run(env, "user", "add", "giamsat", "--role", "supervisor", "--password-stdin", stdin="matkhau123\n")
    result = run(env, "user", "contact", "giamsat", "--email", "gs@ioc.daklak.gov.vn", "--telegram", "12345")
    assert result.returncode == 0, result.stderr
    assert "gs@ioc.daklak.gov.vn" in result.stdout and "telegram=12345" in result.stdout


def test_user_contact_with_a_bad_email_is_a_one_line_error(env: dict[str, str]) -> None:
    run(env, "seed")
    run(env, "user", "add", "giamsat", "--role", "supervisor", "--password-stdin", stdin="matkhau123\n")
    result = run(env, "user", "contact", "giamsat", "--email", "khong-phai-email")
    assert result.returncode == 1 and "e-mail" in result.stderr and "Traceback" not in result.stderr


def test_seed_demo_prints_the_base_url_it_serves(env: dict[str, str]) -> None:
    result = run({**env, "BASE_URL": "https://phananh.daklak.gov.vn"}, "seed", "--demo")
    assert result.returncode == 0 and "https://phananh.daklak.gov.vn/admin/" in result.stdout
    assert "127.0.0.1:8000" not in result.stdout
