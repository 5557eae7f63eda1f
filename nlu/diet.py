"""Rasa DIET on the same splits as the built-in model, for `phananh nlu evaluate --diet`.

Rasa 3.6 lives in its own Python 3.10 virtualenv (`bash nlu/scripts/rasa.sh venv`), so the
splits are written as Rasa YAML into a temporary directory and `nlu/scripts/rasa_eval.py` trains
and predicts there, in one process for all splits. The pipeline is `nlu/config.yml`, the one
`make rasa` serves.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from backend.core import yamlfile
from nlu import CONFIG_FILE, DATA_DIR, NLU_DIR
from nlu.dataset import Example

SCRIPT = NLU_DIR / "scripts" / "rasa_eval.py"


class DietUnavailable(RuntimeError):
    """The Rasa virtualenv is missing: build it with `bash nlu/scripts/rasa.sh venv`."""


@dataclass(frozen=True)
class Split:
    name: str
    train: Sequence[Example] | None  # None: the real training files in nlu/data/nlu
    texts: Sequence[str]


def venv_python() -> Path:
    cache = Path(os.environ.get("PHANANH_CACHE", Path.home() / ".cache" / "phananh"))
    venv = Path(os.environ.get("RASA_VENV", cache / "rasa-venv"))
    python = venv / "bin" / "python"
    if not (venv / "bin" / "rasa").exists() or not python.exists():
        raise DietUnavailable(f"no Rasa virtualenv at {venv}: build it with 'bash nlu/scripts/rasa.sh venv'")
    return python


def annotated(example: Example) -> str:
    """The example back in Rasa's markup: [value](entity)."""
    text, out, pos = example.text, [], 0
    for name, value, start, end in sorted(example.entities, key=lambda e: e[2]):
        out.extend((text[pos:start], f"[{value}]({name})"))
        pos = end
    out.append(text[pos:])
    return "".join(out).replace("\n", " ")


def _regexes(data_dir: Path = DATA_DIR) -> list[dict]:
    """Regex and lookup blocks of the real data (RegexFeaturizer features), kept in every split."""
    out = []
    for path in sorted(data_dir.glob("*.yml")):
        doc = yamlfile.load(path.read_text(encoding="utf-8")) or {}
        out.extend(item for item in doc.get("nlu") or [] if "regex" in item or "lookup" in item)
    return out


def write_split(examples: Sequence[Example], directory: Path) -> None:
    by_intent: dict[str, list[str]] = {}
    for ex in examples:
        by_intent.setdefault(ex.intent, []).append(annotated(ex))
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in texts)]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "split.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    regexes = _regexes()
    if regexes:
        (directory / "regexes.yml").write_text(
            yaml.safe_dump({"version": "3.1", "nlu": regexes}, allow_unicode=True), encoding="utf-8"
        )


def cache_key(splits: Sequence[Split], config_file: Path = CONFIG_FILE, data_dir: Path = DATA_DIR) -> str:
    """Hash of everything a DIET result depends on: the pipeline, the training data of every
    split (the real files or the fold's examples) and the texts to parse."""
    digest = hashlib.sha256(config_file.read_bytes())
    for path in sorted(data_dir.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for split in splits:
        train = None if split.train is None else [(annotated(ex), ex.intent) for ex in split.train]
        digest.update(json.dumps([split.name, train, list(split.texts)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def predict(
    splits: Sequence[Split], *, config_file: Path = CONFIG_FILE, cache_dir: Path | None = None
) -> list[list[tuple[str, float]]]:
    """Train DIET once per split and predict its texts: one list of (intent, confidence) per split.

    With `cache_dir`, the predictions are kept as `diet-<key>.json` (key: `cache_key`), so a
    rerun on unchanged data and config reuses them instead of training again for minutes."""
    cache = cache_dir / f"diet-{cache_key(splits, config_file)}.json" if cache_dir is not None else None
    if cache is not None and cache.exists():
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            return [[(str(name), float(conf)) for name, conf in split] for split in cached]
        except (OSError, ValueError, TypeError):
            pass  # unreadable: trained again below
    python = venv_python()
    with tempfile.TemporaryDirectory(prefix="phananh-diet-") as tmp:
        root = Path(tmp)
        jobs = []
        for i, split in enumerate(splits):
            data = DATA_DIR
            if split.train is not None:
                data = root / f"split-{i}"
                write_split(split.train, data)
            jobs.append({"name": split.name, "data": str(data), "texts": list(split.texts)})
        job_file, out_file = root / "job.json", root / "out.json"
        job_file.write_text(json.dumps({"config": str(config_file), "splits": jobs}, ensure_ascii=False), "utf-8")
        env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_CACHE_DIRECTORY": str(root / "cache"),
        }
        done = subprocess.run(
            ["nice", "-n", "10", str(python), str(SCRIPT), str(job_file), str(out_file)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not out_file.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"Rasa DIET training failed (exit {done.returncode}): {' | '.join(tail)}")
        result = json.loads(out_file.read_text(encoding="utf-8"))
    predictions = [[(str(name), float(conf)) for name, conf in split["predictions"]] for split in result["splits"]]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    return predictions
