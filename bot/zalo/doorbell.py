"""Waking the Zalo inbox workers: Unix datagram sockets in VAR_DIR, one per worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

log = logging.getLogger(__name__)


class Doorbell:
    """Unix datagram sockets in VAR_DIR, one per inbox worker: the web process rings them all when
    it stored new events, each worker waits on its own between batches. Best effort: a lost ring
    costs at most the idle poll."""

    def __init__(self, var_dir: Path, workers: int = 1) -> None:
        self.dir = Path(var_dir).resolve()
        self.paths = [self._path(i) for i in range(workers)]
        self.path = self.paths[0]
        self.sock: socket.socket | None = None
        self.sender: socket.socket | None = None

    def _path(self, index: int) -> Path:
        return self.dir / ("zalo-inbox.sock" if index == 0 else f"zalo-inbox-{index}.sock")

    def ring(self) -> None:
        try:
            if self.sender is None:
                self.sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self.sender.setblocking(False)
        except OSError:
            return
        for path in self.paths:
            # OSError: no worker listening (yet), or its queue is full: it polls anyway
            with contextlib.suppress(OSError):
                self.sender.sendto(b"!", str(path))

    def listen(self, index: int = 0) -> bool:
        self.path = self._path(index)
        if len(str(self.path)) > 100:  # AF_UNIX path limit
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(self.path))
            sock.setblocking(False)
        except OSError:
            log.warning("zalo inbox: cannot listen on %s, polling instead", self.path)
            return False
        self.sock = sock
        return True

    async def wait(self, idle_s: float, stop: asyncio.Event) -> None:
        """Until a ring, `stop`, or idle_s."""
        waits = [asyncio.ensure_future(stop.wait())]
        if self.sock is not None:
            waits.append(asyncio.ensure_future(asyncio.get_running_loop().sock_recv(self.sock, 64)))
        _done, pending = await asyncio.wait(waits, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if self.sock is None:
            return
        while True:  # swallow the rings that arrived meanwhile: one batch answers them all
            try:
                self.sock.recv(64)
            except (BlockingIOError, OSError):
                break

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        if self.sender is not None:
            self.sender.close()
