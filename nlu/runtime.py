"""The trained classifier as plain arrays and dicts: what prediction needs, nothing more.

Prediction must start fast (`phananh nlu classify` is piped line by line from scripts) and run
in well under a millisecond. Importing scikit-learn alone takes seconds on a loaded machine, so
the model file holds this object, built from numpy and the standard library only. The n-gram
analysers below reproduce scikit-learn's `char_wb` and `word` analysers exactly (tested).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from nlu.restore import Restorer
from nlu.text import accented_view, plain_view

_WHITE_SPACES = re.compile(r"\s\s+")
TOKEN_PATTERN = r"\w+"
_TOKEN = re.compile(TOKEN_PATTERN)


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams inside word boundaries, padded with one space (sklearn 'char_wb')."""
    ngrams: list[str] = []
    extend = ngrams.extend
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(min_n, max_n + 1):
            if n >= length:  # a word not longer than n is counted once, and longer n-grams stop
                ngrams.append(padded)
                break
            extend([padded[i : i + n] for i in range(length - n + 1)])
    return ngrams


def word_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    tokens = _TOKEN.findall(text)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


# A text with fewer words carrying diacritics than this share was typed chat-style.
RESTORE_BELOW = 0.5


def needs_restoring(accented: str) -> bool:
    words = accented.split()
    if not words:
        return False
    marked = sum(1 for w in words if not w.isascii())
    return marked < RESTORE_BELOW * len(words)


@dataclass
class Block:
    """One TF-IDF vectoriser (sublinear tf, l2-normalised) over one view of the text."""

    view: str  # "plain" | "accented"
    analyzer: str  # "char_wb" | "word"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # position of this block's columns in the weight matrix

    def terms(self, text: str) -> list[str]:
        low, high = self.ngram_range
        return char_wb_ngrams(text, low, high) if self.analyzer == "char_wb" else word_ngrams(text, low, high)


@dataclass
class Runtime:
    classes: list[str]
    weights: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray  # (n_classes,)
    blocks: list[Block]
    threshold: float
    data_hash: str
    n_examples: int
    train_seconds: float
    restorer: Restorer | None = None  # diacritics for chat-style text, trained with the model

    def views(self, text: str) -> dict[str, str]:
        accented = accented_view(text)
        if self.restorer is not None and needs_restoring(accented):
            accented = self.restorer.restore(text)
        return {"plain": plain_view(text), "accented": accented}

    def scores(self, text: str) -> np.ndarray:
        views = self.views(text)
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for block in self.blocks:
            # Counter over map() runs in C: the hot loop of a classification.
            counts = Counter(map(block.vocabulary.get, block.terms(views[block.view])))
            counts.pop(None, None)  # terms outside the vocabulary
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            w = (1.0 + np.log(tf)) * block.idf[idx]  # sublinear tf x idf, then l2 per block
            w /= np.sqrt(w @ w)
            columns.append(idx + block.offset)
            values.append(w)
        if not columns:
            return self.intercept.copy()
        # One gather and one product for all blocks instead of one per block.
        return self.intercept + np.concatenate(values) @ self.weights[np.concatenate(columns)]

    def probabilities(self, text: str) -> np.ndarray:
        scores = self.scores(text)
        scores -= scores.max()
        np.exp(scores, out=scores)
        return scores / scores.sum()

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Intents with probabilities (multinomial logistic regression), best first."""
        probs = self.probabilities(text)
        order = np.argsort(-probs, kind="stable")
        return [(self.classes[i], float(probs[i])) for i in order]
