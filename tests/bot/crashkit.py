"""Killing a live `phananh serve` (and its workers) with SIGKILL and starting it again on the same
database and port, for the crash-recovery tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from standins import free_port

from backend.testing.live import LiveApp

ROOT = Path(__file__).resolve().parents[2]


def kill_with_workers(process: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL the server and every process it started (inbox workers), at once: nobody gets
    to finish anything. Returns the pids killed."""
    out = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()] + [process.pid]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(10)
    return pids


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


def _serve(env: dict[str, str], port: str, log: Path) -> subprocess.Popen[bytes]:
    phananh = str(Path(sys.executable).parent / "phananh")
    with log.open("wb") as out:
        return subprocess.Popen([phananh, "serve", "--host", "127.0.0.1", "--port", port],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


async def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, within: float = 180) -> None:
    """Until the server answers /healthz (asynchronously: the stand-ins in this event loop keep
    answering meanwhile)."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the server exited early:\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + "/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server did not answer in {within}s:\n{_tail(log)}")


class Servers:
    """`phananh serve` on a fresh SQLite database, and started again on the same database and
    port after a kill; all stopped at the end of the test. Waits asynchronously (the stand-ins in
    this event loop keep answering) and long enough for a loaded machine's start-up."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.started: list[subprocess.Popen[bytes]] = []

    async def start(self, env: dict[str, str]) -> LiveApp:
        port = str(free_port())
        db = f"sqlite+aiosqlite:///{self.work / 'live.db'}"
        full = {**os.environ, "DATABASE_URL": db, "MEDIA_DIR": str(self.work / "media"),
                "VAR_DIR": str(self.work / "var"), "BASE_URL": f"http://127.0.0.1:{port}",
                "SCHEDULER_ENABLED": "false", **env}
        phananh = str(Path(sys.executable).parent / "phananh")
        seed = await asyncio.create_subprocess_exec(phananh, "seed", env=full, cwd=ROOT,
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _out, err = await seed.communicate()
        assert seed.returncode == 0, err.decode()
        log = self.work / "server.log"
        live = LiveApp(f"http://127.0.0.1:{port}", db, full, _serve(full, port, log), log)
        self.started.append(live.process)
        await wait_http(live.url, live.process, log)
        return live

    async def restart(self, app: LiveApp) -> subprocess.Popen[bytes]:
        port = app.url.rsplit(":", 1)[1]
        log = self.work / f"restart-{len(self.started)}.log"
        process = _serve(app.env, port, log)
        self.started.append(process)
        await wait_http(app.url, process, log)
        return process

    def stop(self) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


def repeats(sent: list[tuple[str, str]]) -> Counter[str]:
    """How many messages each recipient got more than once: {recipient: repeats}."""
    counts = Counter(sent)
    out: Counter[str] = Counter()
    for (recipient, _text), n in counts.items():
        if n > 1:
            out[recipient] += n - 1
    return out
