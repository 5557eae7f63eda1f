"""A throwaway mosquitto broker from Debian's `mosquitto` package (tests and benchmarks): a free
port on 127.0.0.1, persistence in a temporary directory (so a restart keeps the sessions and the
QoS-1 messages queued for them), stoppable and restartable on the same port."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from backend.testing.pgserver import free_port

# `user`: started as root, mosquitto would switch to the `mosquitto` user, which cannot write the
# temporary persistence directory; it stays the user that starts it.


class MosquittoMissing(RuntimeError):
    pass


CONFIG = """\
listener {port} 127.0.0.1
user {user}
allow_anonymous true
persistence true
persistence_location {dir}/
autosave_interval 1
max_inflight_messages 1000
max_queued_messages 1000000
log_dest file {dir}/mosquitto.log
"""


@dataclass
class Mosquitto:
    port: int
    workdir: Path
    binary: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = self.workdir / "mosquitto.conf"
        config.write_text(CONFIG.format(port=self.port, dir=self.workdir, user=pwd.getpwuid(os.geteuid()).pw_name))
        self.process = subprocess.Popen([self.binary, "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                said = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {said}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def stop(self) -> None:
        """SIGTERM: mosquitto writes its persistence file (sessions, queued messages) and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def find_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)
    if not found:
        raise MosquittoMissing("mosquitto is not installed: `make system-deps` installs Debian's mosquitto")
    return found


def start() -> Mosquitto:
    broker = Mosquitto(port=free_port(), workdir=Path(tempfile.mkdtemp(prefix="phananh-mqtt-")), binary=find_binary())
    broker.start()
    return broker
