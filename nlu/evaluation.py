"""Scores for the held-out file and k-fold cross-validation, for either engine."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nlu import CATEGORIES, CONFIG_FILE, DATA_DIR, FALLBACK_INTENT, FRESH_FILES, TEST_FILE
from nlu.dataset import Example, data_files, load_file
from nlu.runtime import Runtime, chat_style
from nlu.text import accented_view

_WORD = re.compile(r"\w+")
# (intent, confidence) for one text
Predictor = Callable[[list[str]], list[tuple[str, float]]]


@dataclass
class Report:
    labels: list[str]
    per_label: dict[str, tuple[float, float, float, int]]  # precision, recall, f1, support
    macro_f1: float  # over the 7 report categories
    accuracy: float  # over every example, conversational ones included
    confusion: dict[tuple[str, str], int]
    errors: list[tuple[str, str, str, float]] = field(default_factory=list)  # text, gold, predicted, conf
    confidences: list[tuple[bool, float, bool]] = field(default_factory=list)  # correct, conf, is_category
    by_style: dict[str, tuple[int, float]] = field(default_factory=dict)  # style -> (n, accuracy)


def style_of(example: Example) -> str:
    """The style written in the file (`metadata: {style: chat}`), else guessed: a text typed
    mostly without diacritics is chat-style."""
    if example.style:
        return example.style
    return "chat" if chat_style(accented_view(example.text)) else "careful"


def score(examples: list[Example], predictions: list[tuple[str, float]]) -> Report:
    gold = [ex.intent for ex in examples]
    pred = [p for p, _ in predictions]
    labels = [*CATEGORIES, *sorted({*gold, *pred} - set(CATEGORIES))]
    per_label: dict[str, tuple[float, float, float, int]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        n_pred = sum(1 for p in pred if p == label)
        n_gold = sum(1 for g in gold if g == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = (precision, recall, f1, n_gold)
    present = [c for c in CATEGORIES if per_label[c][3]]
    macro = sum(per_label[c][2] for c in present) / len(present) if present else 0.0
    errors = sorted(
        ((ex.text, ex.intent, p, c) for ex, (p, c) in zip(examples, predictions, strict=True) if p != ex.intent),
        key=lambda e: -e[3],
    )
    by_style: dict[str, tuple[int, float]] = {}
    for style in ("careful", "chat"):
        hits = [g == p for ex, g, p in zip(examples, gold, pred, strict=True) if style_of(ex) == style]
        if hits:
            by_style[style] = (len(hits), sum(hits) / len(hits))
    return Report(
        by_style=by_style,
        labels=labels,
        per_label=per_label,
        macro_f1=macro,
        accuracy=sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else 0.0,
        confusion=Counter(zip(gold, pred, strict=True)),
        errors=errors,
        confidences=[(g == p, c, g in CATEGORIES) for g, (p, c) in zip(gold, predictions, strict=True)],
    )


def threshold_table(
    report: Report, thresholds: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
) -> list[tuple[float, float, float]]:
    """For each threshold: share of category texts answered without asking, and their accuracy."""
    rows = []
    items = [(ok, conf) for ok, conf, is_cat in report.confidences if is_cat]
    for t in thresholds:
        kept = [ok for ok, conf in items if conf >= t]
        coverage = len(kept) / len(items) if items else 0.0
        accuracy = sum(kept) / len(kept) if kept else 0.0
        rows.append((t, coverage, accuracy))
    return rows


def restorer_accuracy(model: Runtime, examples: list[Example]) -> tuple[float, int]:
    """Syllable accuracy of the model's diacritic restorer on the careful texts of `examples`
    with their diacritics stripped (word for word against what was typed), and the syllables."""
    from nlu.text import nfc_lower, strip_diacritics

    if model.restorer is None:
        return 0.0, 0
    right = total = 0
    for ex in examples:
        typed = _WORD.findall(nfc_lower(ex.text))
        if not typed or chat_style(" ".join(typed)):
            continue  # only text written with diacritics says what the syllables should be
        restored = model.restorer.restore_tokens([strip_diacritics(t) for t in typed])
        total += len(typed)
        right += sum(a == b for a, b in zip(typed, restored, strict=True))
    return (right / total if total else 0.0), total


def builtin_predictor(model: Runtime) -> Predictor:
    def predict(texts: list[str]) -> list[tuple[str, float]]:
        return [model.rank(text)[0] for text in texts]

    return predict


def rasa_predictor(url: str, timeout: float = 10.0) -> Predictor:
    import httpx

    def predict(texts: list[str]) -> list[tuple[str, float]]:
        out = []
        with httpx.Client(timeout=timeout) as client:
            for text in texts:
                data = client.post(f"{url.rstrip('/')}/model/parse", json={"text": text}).json()
                # Score the classifier itself: the best real intent, not the fallback marker.
                ranking = [r for r in data.get("intent_ranking") or [data["intent"]] if r["name"] != FALLBACK_INTENT]
                top = ranking[0] if ranking else {"name": FALLBACK_INTENT, "confidence": 0.0}
                out.append((top["name"], float(top["confidence"])))
        return out

    return predict


def holdout(predict: Predictor, test_file: Path = TEST_FILE) -> Report:
    examples = load_file(test_file)
    return score(examples, predict([ex.text for ex in examples]))


def hand_written(data_dir: Path = DATA_DIR) -> list[Example]:
    """The training examples without the generated variants: a variant in the test fold of its
    own source line would inflate a cross-validation score."""
    return [ex for path in data_files(data_dir) if path.name != "augmented.yml" for ex in load_file(path)]


def folds_of(examples: list[Example], folds: int = 5, seed: int = 42) -> list[tuple[list[int], list[int]]]:
    """Stratified k-fold splits (train indices, test indices), the same for every engine."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in splitter.split(examples, [ex.intent for ex in examples])]


def merge_folds(
    examples: list[Example], splits: list[tuple[list[int], list[int]]], fold_predictions: list[list[tuple[str, float]]]
) -> Report:
    predictions: list[tuple[str, float]] = [("", 0.0)] * len(examples)
    for (_, test_idx), fold_pred in zip(splits, fold_predictions, strict=True):
        for i, p in zip(test_idx, fold_pred, strict=True):
            predictions[i] = p
    return score(examples, predictions)


def cross_validate(
    folds: int = 5, data_dir: Path = DATA_DIR, config_file: Path = CONFIG_FILE, seed: int = 42
) -> Report:
    """Stratified k-fold over the hand-written training data, built-in model."""
    from nlu.dataset import fallback_threshold
    from nlu.model import fit

    examples = hand_written(data_dir)
    splits = folds_of(examples, folds, seed)
    fold_predictions = []
    for train_idx, test_idx in splits:
        model = fit([examples[i] for i in train_idx], threshold=fallback_threshold(config_file))
        fold_predictions.append(builtin_predictor(model)([examples[i].text for i in test_idx]))
    return merge_folds(examples, splits, fold_predictions)


EVALUATION_FILES: tuple[Path, ...] = (*FRESH_FILES, TEST_FILE)


def diet_reports(folds: int = 0, seed: int = 42, cache_dir: Path | None = None) -> dict[str, Report]:
    """Rasa DIET trained in its own virtualenv on the same data and the same folds as the
    built-in model: one report per evaluation file (trained on nlu/data/nlu, as `make rasa`) and
    one for the k-fold cross-validation."""
    from nlu import diet

    files = {path.name: load_file(path) for path in EVALUATION_FILES if path.exists()}
    texts = [ex.text for exs in files.values() for ex in exs]
    splits = [diet.Split("full", None, texts)]
    examples = hand_written()
    cv_splits = folds_of(examples, folds, seed) if folds else []
    splits += [
        diet.Split(f"fold-{k}", [examples[i] for i in tr], [examples[i].text for i in te])
        for k, (tr, te) in enumerate(cv_splits)
    ]
    predictions = diet.predict(splits, cache_dir=cache_dir)
    reports: dict[str, Report] = {}
    offset = 0
    for name, exs in files.items():
        reports[name] = score(exs, predictions[0][offset : offset + len(exs)])
        offset += len(exs)
    if folds:
        reports["cv"] = merge_folds(examples, cv_splits, predictions[1:])
    return reports
