import pytest
from pydantic import ValidationError

from backend.core.config import Settings


def test_production_refuses_a_missing_secret_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="", var_dir=tmp_path)


def test_production_refuses_the_default_secret_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="change-me", var_dir=tmp_path)


def test_development_generates_a_secret_key_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = Settings(environment="development", secret_key="", var_dir=tmp_path).secret_key
    second = Settings(environment="development", secret_key="", var_dir=tmp_path).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("weak", ["abcde", "x" * 64, "0123456789abcdef0123456789abcdef"])
def test_production_refuses_a_secret_key_shorter_than_32_random_bytes(tmp_path, weak) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="SECRET_KEY is too weak"):
        Settings(environment="production", secret_key=weak, var_dir=tmp_path)


def test_production_accepts_a_key_of_32_random_bytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import secrets

    key = secrets.token_urlsafe(32)
    assert Settings(environment="production", secret_key=key, var_dir=tmp_path).secret_key == key


def test_the_generated_secret_key_file_is_created_with_mode_600_not_chmod_after(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """No moment at the umask's permissions: the file is born 600 (chmod afterwards is disabled here)."""
    import os
    from pathlib import Path

    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    old = os.umask(0)
    try:
        Settings(environment="development", secret_key="", var_dir=tmp_path)
    finally:
        os.umask(old)
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
