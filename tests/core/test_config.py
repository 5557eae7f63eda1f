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
