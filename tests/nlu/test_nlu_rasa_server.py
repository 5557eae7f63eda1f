"""The real Rasa 3.6 server: cached virtualenv, the shipped pipeline (nlu/config.yml) trained on a
sample of the project's data (a third, at most about 120 per intent), asked through
`nlu.service.parse` with NLU_BACKEND=rasa. Slow (minutes on a cold cache), marked `rasa`.

A sample, not all of it: the test is about the server and the parse shape, and DIET on the whole
data took 5-11 minutes of the suite's 20 on a 2-core machine (`make rasa` and
`phananh nlu evaluate --diet` train on all of it)."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nlu import service
from nlu.dataset import load_training
from nlu.diet import write_split
from tests.nlu.conftest import SwitchToRasa, free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "nlu" / "scripts" / "rasa.sh"
SAMPLE = ROOT / "var" / "rasa" / "test-data"  # the same sample for the same data: reruns skip training
PER_INTENT = 120
pytestmark = pytest.mark.rasa


def _sample_of_the_training_data() -> Path:
    """Every third example of each intent, at most about `PER_INTENT` spread over its whole list
    (the regexes and lookups kept), as Rasa YAML: the sample, and so the training time, no longer
    grows with the data (round 6's retired fresh sets took it from 5 to 7 minutes)."""
    by_intent: dict[str, list] = {}
    for example in load_training():
        by_intent.setdefault(example.intent, []).append(example)
    sample = []
    for examples in by_intent.values():
        sample += examples[:: max(3, math.ceil(len(examples) / PER_INTENT))]
    write_split(sample, SAMPLE)
    return SAMPLE


def _script(step: str, env: dict[str, str], timeout: float) -> None:
    result = subprocess.run(
        ["bash", str(SCRIPT), step], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"rasa.sh {step} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def rasa_url() -> Iterator[str]:
    # The model cache lives in the repository's var/ (not the per-test one) so that reruns with
    # unchanged data skip training.
    env = {
        **os.environ,
        "VAR_DIR": str(ROOT / "var"),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_NLU_DATA": str(_sample_of_the_training_data()),
    }
    _script("venv", env, timeout=900)
    _script("train", env, timeout=900)
    port = free_port()
    log = ROOT / "var" / "rasa" / "test-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(SCRIPT), "serve"],
            env={**env, "RASA_PORT": str(port)},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert process.poll() is None, f"rasa serve exited:\n{log.read_text(errors='replace')[-3000:]}"
            try:
                if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            tail = log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"Rasa did not answer in 240 s:\n{tail}"
            time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def test_real_rasa_server_classifies_reports(rasa_url: str, use_rasa: SwitchToRasa) -> None:
    use_rasa(rasa_url, timeout=10.0)
    parsed = await service.parse("Cống thoát nước bị tắc, nước thải tràn lên mặt đường bốc mùi hôi")
    assert parsed["intent"]["name"] == "wastewater"
    assert len(parsed["intent_ranking"]) >= 7  # ranking_length: 0 -> every intent is ranked
    result = await service.classify("quang cao cho vay dan day cot dien")
    assert result.category == "illegal_ads"
    greeting = await service.parse("xin chào")
    assert greeting["intent"]["name"] in {"greet", "nlu_fallback"}
    status = service.status()
    assert (status["backend"], status["rasa_ok"], status["fallbacks"]) == ("rasa", True, 0)
