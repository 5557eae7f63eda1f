"""`phananh serve --workers N`: N web processes, each with its own listening socket on the same
port (SO_REUSEPORT), so the kernel spreads new connections evenly between them.

uvicorn's own supervisor shares one listening socket: whichever process wakes first accepts, and a
client opening its keep-alive connections at once (a hotline desk's browser, nginx, a load test)
often lands all of them on one worker while the other idles (measured: 153 against 241 reports/s
from run to run). With a socket per process the kernel hashes each connection to one of them.
A worker that dies is started again; SIGINT/SIGTERM stop them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from types import FrameType
from typing import Any

log = logging.getLogger("uvicorn.error")


def reuseport_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:  # pragma: no cover (child process)
    import uvicorn

    sock = reuseport_socket(host, port)
    config = uvicorn.Config("backend.main:create_app", factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def run(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Start `workers` processes and keep them running until told to stop."""
    ctx = multiprocessing.get_context("spawn")
    # Bind once here first: a port in use fails now with a clear error, not in every child.
    probe = reuseport_socket(host, port)
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        proc = ctx.Process(target=_worker, args=(host, port, options), daemon=False)
        proc.start()
        return proc

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    procs = [start() for _ in range(workers)]
    probe.close()
    log.info("Started %d worker processes (SO_REUSEPORT) on %s:%d", workers, host, port)
    try:
        while not stopping:
            time.sleep(0.5)
            for i, proc in enumerate(procs):
                if not proc.is_alive() and not stopping:
                    log.warning("worker %s exited with %s; starting another", proc.pid, proc.exitcode)
                    procs[i] = start()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in procs:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
