"""The built-in classifier: TF-IDF character and word n-grams + logistic regression.

Trained from the Rasa YAML, cached under `<var_dir>/nlu/builtin-<hash>.joblib` where the hash
covers the data, config.yml and CODE_VERSION, so changing any of them rebuilds the model.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu import CONFIG_FILE, DATA_DIR
from nlu.dataset import Example, data_hash, fallback_threshold, load_training
from nlu.text import accented_view, plain_view

# Chosen by 5-fold cross-validation on the training data (see nlu/README.md).
C_VALUE = 20.0


@dataclass
class BuiltinModel:
    vectorizers: list[tuple[str, TfidfVectorizer]]  # (view name, vectorizer)
    classifier: LogisticRegression
    threshold: float
    data_hash: str
    n_examples: int
    train_seconds: float = 0.0
    classes: list[str] = field(default_factory=list)

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        views = {"plain": [plain_view(t) for t in texts], "accented": [accented_view(t) for t in texts]}
        return sparse.hstack([vec.transform(views[view]) for view, vec in self.vectorizers], format="csr")

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Class probabilities, batch path (evaluation, cross-validation)."""
        return _softmax(np.asarray(self.features(texts) @ self._weights()) + self.classifier.intercept_)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Intents with probabilities for one text, best first.

        The per-text path skips sklearn's transform/validation machinery (it costs several ms per
        call): the same TF-IDF arithmetic done on a dict of the text's n-grams, then a sum of the
        weight rows those n-grams select. Tested equal to `predict_proba`.
        """
        scores = self.classifier.intercept_.copy()
        weights = self._weights()
        views = {"plain": plain_view(text), "accented": accented_view(text)}
        for (view, _vec), (analyzer, vocabulary, idf, offset) in zip(self.vectorizers, self._blocks(), strict=True):
            counts: dict[int, int] = {}
            for term in analyzer(views[view]):
                j = vocabulary.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            w = (1.0 + np.log(tf)) * idf[idx]  # sublinear_tf=True, then l2 per block
            w /= np.sqrt(w @ w)
            scores += w @ weights[idx + offset]
        probs = _softmax(scores[None, :])[0]
        order = np.argsort(-probs)
        return [(self.classes[i], float(probs[i])) for i in order]

    def _weights(self) -> np.ndarray:
        cached = self.__dict__.get("_weights_cache")
        if cached is None:
            cached = np.ascontiguousarray(self.classifier.coef_.T)
            self.__dict__["_weights_cache"] = cached
        return cached

    def _blocks(self) -> list[tuple]:
        cached = self.__dict__.get("_blocks_cache")
        if cached is None:
            cached, offset = [], 0
            for _view, vec in self.vectorizers:
                cached.append((vec.build_analyzer(), vec.vocabulary_, vec.idf_, offset))
                offset += len(vec.vocabulary_)
            self.__dict__["_blocks_cache"] = cached
        return cached

    def __getstate__(self) -> dict:
        # Derived caches hold closures (analyzers): rebuild them after loading instead.
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_cache")}


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _vectorizers() -> list[tuple[str, TfidfVectorizer]]:
    return [
        # Character n-grams inside words survive typos and missing diacritics.
        ("plain", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
        ("plain", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\w+")),
        # Accents separate words that collapse without them (bán/bàn, rác/rạc).
        ("accented", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\w+")),
    ]


def fit(examples: list[Example], *, threshold: float = 0.5, key: str = "", c_value: float = C_VALUE) -> BuiltinModel:
    started = time.perf_counter()
    texts = [ex.text for ex in examples]
    labels = [ex.intent for ex in examples]
    views = {"plain": [plain_view(t) for t in texts], "accented": [accented_view(t) for t in texts]}
    vectorizers = _vectorizers()
    matrix = sparse.hstack([vec.fit_transform(views[view]) for view, vec in vectorizers], format="csr")
    classifier = LogisticRegression(C=c_value, max_iter=3000)
    classifier.fit(matrix, labels)
    return BuiltinModel(
        vectorizers=vectorizers,
        classifier=classifier,
        threshold=threshold,
        data_hash=key,
        n_examples=len(examples),
        train_seconds=time.perf_counter() - started,
        classes=[str(c) for c in classifier.classes_],
    )


def model_path(var_dir: Path, key: str) -> Path:
    return Path(var_dir) / "nlu" / f"builtin-{key}.joblib"


def train(*, var_dir: Path, data_dir: Path = DATA_DIR, config_file: Path = CONFIG_FILE) -> tuple[BuiltinModel, Path]:
    """Train from the YAML and write the model file (atomically: other processes may be loading)."""
    key = data_hash(data_dir, config_file)
    model = fit(load_training(data_dir), threshold=fallback_threshold(config_file), key=key)
    path = model_path(var_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    joblib.dump(model, tmp)
    os.replace(tmp, path)
    for stale in path.parent.glob("builtin-*.joblib"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return model, path


def load(*, var_dir: Path, data_dir: Path = DATA_DIR, config_file: Path = CONFIG_FILE) -> BuiltinModel:
    """The model for the current data: from the cache file, or trained now when missing/stale."""
    key = data_hash(data_dir, config_file)
    path = model_path(var_dir, key)
    if path.exists():
        try:
            return joblib.load(path)
        except Exception:  # noqa: BLE001 - a truncated or foreign file is rebuilt, not fatal
            pass
    model, _ = train(var_dir=var_dir, data_dir=data_dir, config_file=config_file)
    return model
