"""`phananh nlu evaluate --diet` reuses DIET predictions made on the same data, config and texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu import diet
from nlu.dataset import load_training


@pytest.fixture()
def no_rasa_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to train DIET fails at once: only a cached result can answer."""
    monkeypatch.setenv("RASA_VENV", str(tmp_path / "no-venv"))


@pytest.fixture()
def splits() -> list[diet.Split]:
    examples = load_training()[:30]
    return [diet.Split("full", None, ["den duong hu"]), diet.Split("fold-0", examples, ["rac day hem"])]


def test_cached_predictions_are_reused_without_training(tmp_path: Path, no_rasa_venv: None, splits) -> None:
    cached = [[["other", 0.9]], [["littering", 0.8]]]
    (tmp_path / f"diet-{diet.cache_key(splits)}.json").write_text(json.dumps(cached), encoding="utf-8")
    assert diet.predict(splits, cache_dir=tmp_path) == [[("other", 0.9)], [("littering", 0.8)]]


def test_changed_texts_or_training_miss_the_cache(tmp_path: Path, no_rasa_venv: None, splits) -> None:
    (tmp_path / f"diet-{diet.cache_key(splits)}.json").write_text("[[], []]", encoding="utf-8")
    other_texts = [splits[0], diet.Split("fold-0", splits[1].train, ["nuoc thai tran"])]
    other_training = [splits[0], diet.Split("fold-0", list(splits[1].train)[:-1], splits[1].texts)]
    assert len({diet.cache_key(s) for s in (splits, other_texts, other_training)}) == 3
    with pytest.raises(diet.DietUnavailable):
        diet.predict(other_texts, cache_dir=tmp_path)
