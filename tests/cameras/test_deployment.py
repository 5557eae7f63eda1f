"""docker/compose.yml and docker/mosquitto.conf: the broker's wiring to the web and ingest
processes, checked on the files, and the repo's mosquitto config run by the real mosquitto with
the compose file's own password-file command (credentials as .env gives them)."""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import yaml

from backend.core.config import Settings
from backend.testing.mosquitto import find_binary
from backend.testing.pgserver import free_port

DOCKER = Path(__file__).resolve().parents[2] / "docker"
USER, PASSWORD = "phananh", "Kh0ng-doan-duoc_42"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


@pytest.fixture(scope="module")
def conf() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (DOCKER / "mosquitto.conf").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.strip().partition(" ")
            out[key] = value.strip()
    return out


def test_the_broker_is_authenticated_persistent_and_reads_the_mounted_config(compose, conf):
    mqtt = compose["services"]["mqtt"]
    assert mqtt["image"].startswith("eclipse-mosquitto:2")
    mounts = dict(v.split(":", 1) for v in mqtt["volumes"])
    assert mounts["./mosquitto.conf"] == "/mosquitto/config/mosquitto.conf:ro"
    data_volume = next(src for src, dst in mounts.items() if dst.rstrip("/") == "/mosquitto/data")
    assert data_volume in compose["volumes"]  # a named volume: sessions and queued messages survive
    assert conf["allow_anonymous"] == "false"
    assert conf["persistence"] == "true"
    assert conf["persistence_location"].rstrip("/") == "/mosquitto/data"
    assert conf["password_file"].startswith("/mosquitto/data/")
    assert conf["listener"] == "1883"
    assert "1883:1883" in mqtt["ports"]  # Frigate on another machine connects here


def test_the_password_file_is_written_from_the_env_credentials_before_mosquitto_starts(compose, conf):
    mqtt = compose["services"]["mqtt"]
    steps = [s.strip() for s in mqtt["command"][-1].split("&&")]
    assert steps[0] == f'mosquitto_passwd -c -b {conf["password_file"]} "$$MQTT_USER" "$$MQTT_PASSWORD"'
    assert steps[-1] == "exec mosquitto -c /mosquitto/config/mosquitto.conf"
    assert mqtt["environment"] == {"MQTT_USER": "${MQTT_USER:-phananh}", "MQTT_PASSWORD": "${MQTT_PASSWORD}"}


@pytest.mark.parametrize("service", ["web", "ingest"])
def test_web_and_ingest_reach_the_broker_with_the_same_credentials(compose, conf, service):
    svc = compose["services"][service]
    env = svc["environment"]
    found = re.fullmatch(r"mqtt://\$\{MQTT_USER:-phananh\}:\$\{MQTT_PASSWORD(:\?[^}]*)?\}@(\w+):(\d+)", env["MQTT_URL"])
    assert found, env["MQTT_URL"]
    assert found.group(2) == "mqtt" and "mqtt" in compose["services"]
    assert found.group(3) == conf["listener"]
    unknown = [key for key in env if key.lower() not in Settings.model_fields]
    assert not unknown, f"{service}: environment names no setting of backend/core/config.py: {unknown}"
    assert svc["env_file"] == "../.env"  # MQTT_CLIENT_ID, FRIGATE_URL, CAMERA_WEBHOOK_SECRET... from .env


def test_one_ingest_process_runs_the_subscriber_after_the_broker(compose):
    ingest = compose["services"]["ingest"]
    assert ingest["command"] == ["phananh", "cameras", "ingest"]
    assert "mqtt" in ingest["depends_on"]
    assert compose["services"]["web"]["environment"]["SCHEDULER_ENABLED"] == "false"


@pytest.fixture
def repo_broker() -> Iterator[tuple[int, Path]]:
    """mosquitto with docker/mosquitto.conf (only its port and paths moved into a temporary
    directory), started by the compose file's own command."""
    if shutil.which("mosquitto_passwd") is None:
        pytest.fail("mosquitto_passwd is missing: `make system-deps` installs Debian's mosquitto")
    work = Path(tempfile.mkdtemp(prefix="phananh-compose-mqtt-"))
    data, config = work / "data", work / "config"
    data.mkdir()
    config.mkdir()
    port = free_port()
    text = (DOCKER / "mosquitto.conf").read_text().replace("/mosquitto/data/", f"{data}/")
    text = re.sub(r"^listener 1883$", f"listener {port} 127.0.0.1", text, flags=re.M)
    root = os.geteuid() == 0
    if root:  # as in the image: mosquitto drops to its own user, which owns the data volume
        work.chmod(0o755)
        shutil.chown(data, "mosquitto", "mosquitto")
    else:
        text += f"\nuser {pwd.getpwuid(os.geteuid()).pw_name}\n"
    (config / "mosquitto.conf").write_text(text)
    command = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]["mqtt"]["command"][-1]
    command = (command.replace("$$", "$").replace("/mosquitto/data/", f"{data}/")
               .replace("/mosquitto/config/", f"{config}/").replace("exec mosquitto", f"exec {find_binary()}"))
    if not root:
        command = command.replace("chown mosquitto:mosquitto", "true")
    log = (work / "mosquitto.log").open("wb")
    process = subprocess.Popen(["sh", "-c", command], env={**os.environ, "MQTT_USER": USER, "MQTT_PASSWORD": PASSWORD},
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):  # until it listens
            if process.poll() is not None:
                pytest.fail(f"mosquitto refused docker/mosquitto.conf: {(work / 'mosquitto.log').read_text()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("mosquitto did not listen")
        yield port, data
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


async def _round_trip(port: int, **credentials: Any) -> bytes:
    """Subscribe, publish with QoS 1, get it back."""
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"t-{uuid.uuid4().hex[:6]}", **credentials) as client:
        await client.subscribe("frigate/available", qos=1)
        await client.publish("frigate/available", b"online", qos=1)
        message = await asyncio.wait_for(anext(client.messages), 10)
        return bytes(message.payload)  # type: ignore[arg-type]


async def test_the_repo_config_runs_and_admits_only_the_env_credentials(repo_broker):
    port, data = repo_broker
    assert await _round_trip(port, username=USER, password=PASSWORD) == b"online"
    for wrong in ({"username": USER, "password": "sai-mat-khau"}, {}):
        with pytest.raises(aiomqtt.MqttCodeError, match=r"(?i)authori"):
            await _round_trip(port, **wrong)
    assert oct((data / "passwd").stat().st_mode & 0o777) == "0o600"
    if os.geteuid() == 0:
        assert (data / "passwd").owner() == "mosquitto"
