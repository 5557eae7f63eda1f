"""NLU fixtures: the built-in model trained once per session into a temporary VAR_DIR."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.core.config import get_settings
from nlu import model as model_module
from nlu import service


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rasa: trains and serves a real Rasa server (slow)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def nlu_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("nlu-var")
    model_module.train(var_dir=var_dir)
    return var_dir


@pytest.fixture()
def nlu_env(nlu_var: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Built-in backend on the session model; tests add their own variables on top."""
    monkeypatch.setenv("VAR_DIR", str(nlu_var))
    monkeypatch.setenv("NLU_BACKEND", "builtin")
    get_settings.cache_clear()
    service.reset()
    yield nlu_var
    monkeypatch.undo()
    get_settings.cache_clear()
    service.reset()


SwitchToRasa = Callable[..., None]


@pytest.fixture()
def use_rasa(nlu_env: Path, monkeypatch: pytest.MonkeyPatch) -> SwitchToRasa:
    """Switch to NLU_BACKEND=rasa at `url` (settings are rebuilt from the environment)."""

    def switch(url: str, timeout: float = 2.0) -> None:
        monkeypatch.setenv("NLU_BACKEND", "rasa")
        monkeypatch.setenv("RASA_URL", url)
        monkeypatch.setenv("RASA_TIMEOUT", str(timeout))
        get_settings.cache_clear()
        service.reset()

    return switch


def subprocess_env(var_dir: Path) -> dict[str, str]:
    return {**os.environ, "VAR_DIR": str(var_dir), "NLU_BACKEND": "builtin", "PYTHONIOENCODING": "utf-8"}


def run_nlu_cli(
    args: list[str], var_dir: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m nlu.cli ARGS` from the repository root, VAR_DIR=var_dir (+ env), output as text."""
    return subprocess.run(
        [sys.executable, "-m", "nlu.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=Path(__file__).resolve().parents[2],
        env={**subprocess_env(var_dir), **(env or {})},
        timeout=120,
        check=False,
    )
