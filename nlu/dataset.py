"""Read the Rasa NLU YAML files: the single source of truth for both engines."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from backend.core import yamlfile
from nlu import CONFIG_FILE, DATA_DIR, LEXICON_FILE

# Bump when feature extraction or the model changes, so cached models are rebuilt.
CODE_VERSION = "12"

# Rasa entity annotations: [Lê Duẩn](street) or [Lê Duẩn]{"entity": "street"}.
_ANNOTATION = re.compile(r"\[(?P<value>[^\]]+)\](?:\((?P<name>[^)]+)\)|\{(?P<json>[^}]+)\})")
_JSON_ENTITY = re.compile(r'"entity"\s*:\s*"(?P<name>[^"]+)"')


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[tuple[str, str, int, int], ...] = field(default=())  # (entity, value, start, end)
    style: str = ""  # "careful" | "chat" from the block's `metadata: {style: ...}` (evaluation files)


def parse_annotated(line: str) -> tuple[str, tuple[tuple[str, str, int, int], ...]]:
    """Strip Rasa annotations from one example and return the plain text and its entities."""
    out: list[str] = []
    entities: list[tuple[str, str, int, int]] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(line):
        before = line[pos : match.start()]
        out.append(before)
        length += len(before)
        value = match.group("value")
        name = match.group("name")
        if name is None:
            found = _JSON_ENTITY.search(match.group("json") or "")
            name = found.group("name") if found else "entity"
        name = name.split(":")[0]  # [Ea Tam](ward:phường Ea Tam) carries a synonym after ':'
        entities.append((name, value, length, length + len(value)))
        out.append(value)
        length += len(value)
        pos = match.end()
    out.append(line[pos:])
    return "".join(out), tuple(entities)


def _examples_of(block: str) -> list[str]:
    lines = []
    for raw in block.splitlines():
        raw = raw.strip()
        if raw.startswith("- "):
            lines.append(raw[2:].strip())
    return [line for line in lines if line]


def load_file(path: Path) -> list[Example]:
    doc = yamlfile.load(path.read_text(encoding="utf-8")) or {}
    examples: list[Example] = []
    for item in doc.get("nlu") or []:
        intent = item.get("intent")
        if not intent:
            continue  # regexes, lookups and synonyms feed Rasa only
        metadata = item.get("metadata") or {}
        style = str(metadata.get("style", "")) if isinstance(metadata, dict) else ""
        for line in _examples_of(item.get("examples") or ""):
            text, entities = parse_annotated(line)
            examples.append(Example(text=text, intent=intent, entities=entities, style=style))
    return examples


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(data_dir.rglob("*.yml"))


def load_training(data_dir: Path = DATA_DIR) -> list[Example]:
    examples: list[Example] = []
    for path in data_files(data_dir):
        examples.extend(load_file(path))
    return examples


def data_hash(data_dir: Path = DATA_DIR, config_file: Path = CONFIG_FILE, lexicon_file: Path = LEXICON_FILE) -> str:
    """Hash of the training data, the pipeline config, the restorer's word list and the code
    version: the model's key."""
    digest = hashlib.sha256(CODE_VERSION.encode())
    for path in [*data_files(data_dir), config_file, lexicon_file]:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fallback_threshold(config_file: Path = CONFIG_FILE) -> float:
    """The FallbackClassifier threshold from config.yml, so both engines ask at the same point."""
    try:
        config = yamlfile.load(config_file.read_text(encoding="utf-8")) or {}
    except OSError:
        return 0.5
    for component in config.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.5))
    return 0.5
