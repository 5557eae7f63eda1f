"""Public NLU interface: Rasa's parse shape and report classification.

`NLU_BACKEND=builtin` (default) answers in process with the scikit-learn model. `NLU_BACKEND=rasa`
asks a Rasa server (`POST {RASA_URL}/model/parse`); when it is down, slow or answers nonsense the
built-in model answers instead, and the fallback is logged and counted in `status()`.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu import CATEGORIES, CONFIG_FILE, FALLBACK_INTENT
from nlu.entities import extract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    category: str  # one of the 7 category codes (best category even when unsure)
    confidence: float  # 0..1, calibrated
    unsure: bool  # confidence below the category threshold -> dialogue asks the citizen to choose
    ranking: list[tuple[str, float]]  # categories only, best first
    intent: str  # top intent overall (may be conversational, e.g. "greet", or "nlu_fallback")


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model: Any = None
        self.model_dir: Path | None = None
        self.fallbacks = 0
        self.last_error: str | None = None
        self.rasa_ok: bool | None = None
        self.retry_at = 0.0  # monotonic time before which Rasa is not asked again


_state = _State()


def _settings() -> Any:
    from backend.core.config import get_settings

    return get_settings()


def _builtin() -> Any:
    """The built-in model for the configured var_dir, loaded (or trained) once per process."""
    var_dir = Path(_settings().var_dir).resolve()
    model = _state.model
    if model is not None and _state.model_dir == var_dir:
        return model
    with _state.lock:
        if _state.model is None or _state.model_dir != var_dir:
            from nlu import model as model_module

            _state.model = model_module.load(var_dir=var_dir)
            _state.model_dir = var_dir
        return _state.model


def reset() -> None:
    """Zero the fallback counters (tests switch settings between cases). The model is reloaded
    by itself when VAR_DIR changes."""
    with _state.lock:
        _state.fallbacks = 0
        _state.last_error = None
        _state.rasa_ok = None
        _state.retry_at = 0.0


# --- built-in engine -------------------------------------------------------------------------


def _empty_parse(text: str) -> dict:
    return {
        "text": text,
        "intent": {"name": FALLBACK_INTENT, "confidence": 1.0},
        "intent_ranking": [{"name": FALLBACK_INTENT, "confidence": 1.0}],
        "entities": [],
    }


_recent: OrderedDict[tuple[int, str], dict] = OrderedDict()  # (model, text) -> parse, last RECENT texts
RECENT = 256


def _builtin_parse(text: str) -> dict:
    """Parse with the built-in model. The last few texts are remembered: a chat turn's text is
    parsed ahead of its database transaction (bot/zalo/webhook.py), then again inside it."""
    if not text.strip():
        return _empty_parse(text)
    model = _builtin()
    key = (id(model), text)
    hit = _recent.get(key)
    if hit is not None:
        _recent.move_to_end(key)
        return copy.deepcopy(hit)
    parsed = _builtin_parse_uncached(model, text)
    _recent[key] = parsed
    if len(_recent) > RECENT:
        _recent.popitem(last=False)
    return copy.deepcopy(parsed)


def _builtin_parse_uncached(model: Any, text: str) -> dict:
    ranking = [{"name": name, "confidence": round(conf, 6)} for name, conf in model.rank(text)]
    top = ranking[0]
    # Same rule as Rasa's FallbackClassifier: below the threshold the intent becomes
    # nlu_fallback with the threshold as its confidence, ahead of the real ranking.
    if top["confidence"] < model.threshold:
        fallback = {"name": FALLBACK_INTENT, "confidence": model.threshold}
        return {"text": text, "intent": fallback, "intent_ranking": [fallback, *ranking], "entities": extract(text)}
    return {"text": text, "intent": top, "intent_ranking": ranking, "entities": extract(text)}


# --- Rasa engine ---------------------------------------------------------------------------


def _check_rasa_shape(data: Any) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("intent"), dict) or "name" not in data["intent"]:
        raise ValueError("Rasa answered without an intent (is the server running an NLU model?)")
    data.setdefault("intent_ranking", [data["intent"]])
    data.setdefault("entities", [])
    return data


# After a failure Rasa is left alone for a while: a slow server would otherwise add its whole
# timeout to every report during an outage.
RETRY_AFTER_S = 10.0


def _record_fallback(exc: Exception | None) -> None:
    _state.fallbacks += 1
    if exc is None:
        return  # still inside the pause after a failure
    was_ok = _state.rasa_ok is not False
    _state.rasa_ok = False
    _state.retry_at = time.monotonic() + RETRY_AFTER_S
    _state.last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    # Warn when Rasa goes down, not for every report while it stays down.
    log.log(
        logging.WARNING if was_ok else logging.DEBUG, "Rasa unavailable, built-in NLU answers: %s", _state.last_error
    )


def _rasa_paused() -> bool:
    if time.monotonic() < _state.retry_at:
        _record_fallback(None)
        return True
    return False


async def _rasa_parse(text: str) -> dict:
    import httpx

    if _rasa_paused():
        return await _builtin_parse_async(text)
    settings = _settings()
    try:
        async with httpx.AsyncClient(timeout=settings.rasa_timeout) as client:
            response = await client.post(f"{settings.rasa_url.rstrip('/')}/model/parse", json={"text": text})
            response.raise_for_status()
            data = _check_rasa_shape(response.json())
    except (httpx.HTTPError, ValueError) as exc:
        _record_fallback(exc)
        return await _builtin_parse_async(text)
    _state.rasa_ok = True
    return data


def _rasa_parse_sync(text: str) -> dict:
    import httpx

    if _rasa_paused():
        return _builtin_parse(text)
    settings = _settings()
    try:
        with httpx.Client(timeout=settings.rasa_timeout) as client:
            response = client.post(f"{settings.rasa_url.rstrip('/')}/model/parse", json={"text": text})
            response.raise_for_status()
            data = _check_rasa_shape(response.json())
    except (httpx.HTTPError, ValueError) as exc:
        _record_fallback(exc)
        return _builtin_parse(text)
    _state.rasa_ok = True
    return data


async def _builtin_parse_async(text: str) -> dict:
    if _state.model is None:
        # The first call may train the model (seconds): keep the event loop free meanwhile.
        await asyncio.to_thread(_builtin)
    return _builtin_parse(text)


def _use_rasa() -> bool:
    return _settings().nlu_backend == "rasa"


# --- public interface ----------------------------------------------------------------------


def _to_classification(parsed: dict) -> Classification:
    scores = {c: 0.0 for c in CATEGORIES}
    for item in parsed.get("intent_ranking") or []:
        name = item.get("name")
        if name in scores:
            scores[name] = max(scores[name], float(item.get("confidence") or 0.0))
    ranking = sorted(scores.items(), key=lambda kv: (-kv[1], CATEGORIES.index(kv[0])))
    category, confidence = ranking[0]
    if confidence <= 0.0:
        category = "other"  # nothing to go on (empty text): the catch-all category, unsure
    threshold = _threshold()
    return Classification(
        category=category,
        confidence=confidence,
        unsure=confidence < threshold,
        ranking=ranking,
        intent=str(parsed["intent"]["name"]),
    )


def _threshold() -> float:
    model = _state.model
    if model is not None:
        return float(model.threshold)
    # No built-in model loaded (NLU_BACKEND=rasa): config.yml's threshold, read again only when
    # the file changes (parsing the YAML on every classification cost ~10 ms).
    try:
        stamp = CONFIG_FILE.stat().st_mtime_ns
    except OSError:
        stamp = 0
    if _config_threshold[0] != stamp:
        from nlu.dataset import fallback_threshold

        _config_threshold[:] = [stamp, fallback_threshold()]
    return float(_config_threshold[1])


_config_threshold: list = [None, 0.5]  # [config.yml mtime, its FallbackClassifier threshold]


async def parse(text: str) -> dict:
    """Rasa parse shape: {"text", "intent": {"name", "confidence"}, "intent_ranking", "entities"}."""
    if not text.strip():
        return _empty_parse(text)
    if _use_rasa():
        return await _rasa_parse(text)
    return await _builtin_parse_async(text)


async def classify(text: str) -> Classification:
    """The report category of a description, among the 7 codes, with its confidence."""
    return _to_classification(await parse(text))


def classify_sync(text: str) -> Classification:
    """Same as `classify`, without an event loop (CLI, benchmark, scripts)."""
    if not text.strip():
        return _to_classification(_empty_parse(text))
    parsed = _rasa_parse_sync(text) if _use_rasa() else _builtin_parse(text)
    return _to_classification(parsed)


def status() -> dict:
    """For /healthz: which engine answers, which model, and how often Rasa had to be replaced."""
    rasa = _use_rasa()
    model = _state.model
    if model is not None:
        key = model.data_hash
    else:
        from nlu.dataset import data_hash

        key = data_hash()
    return {
        "backend": "rasa" if rasa else "builtin",
        "model": key,
        "rasa_ok": _state.rasa_ok if rasa else None,
        "fallbacks": _state.fallbacks,
        "last_error": _state.last_error,
    }
