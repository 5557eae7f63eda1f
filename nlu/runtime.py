"""The trained classifier as plain arrays and dicts: what prediction needs, nothing more.

Prediction must start fast (`phananh nlu classify` is piped line by line from scripts) and run
in well under a millisecond. Importing scikit-learn alone takes seconds on a loaded machine, so
the model file holds this object, built from numpy and the standard library only. The n-gram
analysers below reproduce scikit-learn's `char_wb` and `word` analysers exactly (tested).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

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


# Words whose character n-gram ids a block remembers (every training word is filled in at fit time;
# new words are added up to this bound, so odd input cannot grow the process without limit).
WORD_CACHE_LIMIT = 200_000

# A text with fewer words carrying diacritics than this share was typed chat-style.
CHAT_BELOW = 0.5


def chat_style(accented: str) -> bool:
    """Typed mostly without diacritics (how evaluation files without a style are split)."""
    words = accented.split()
    if not words:
        return False
    marked = sum(1 for w in words if not w.isascii())
    return marked < CHAT_BELOW * len(words)


def needs_restoring(accented: str) -> bool:
    """Some word is typed without diacritics, so the restorer may have something to put back.

    Until round 5 only chat-style texts (fewer than half the words marked) were restored, so a
    half-accented report ("cong o dg Y Jút tràn nc đen thui") kept "cong", "dg" and "nc" bare in
    the accented view. Restoring every such text, words typed with diacritics kept as context,
    took 5-fold CV errors on texts with half their words stripped from 124/123 to 116/115 (two
    seeds, 3,244 texts), with fewer errors as written and stripped too (round 6, nlu/README.md)."""
    return any(w.isascii() for w in accented.split())


@dataclass
class Block:
    """One TF-IDF vectoriser (sublinear tf, l2-normalised) over one view of the text."""

    view: str  # "plain" | "accented"
    analyzer: str  # "char_wb" | "word"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # position of this block's columns in the weight matrix
    # char_wb only: word -> ids of its n-grams in the vocabulary. Character n-grams never cross a
    # word boundary, so a text's n-grams are its words' n-grams; a Vietnamese report is made of a
    # few thousand distinct syllables, and looking each up once beats cutting it up every time.
    word_ids: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def terms(self, text: str) -> list[str]:
        low, high = self.ngram_range
        return char_wb_ngrams(text, low, high) if self.analyzer == "char_wb" else word_ngrams(text, low, high)

    def _ids_of_word(self, word: str) -> np.ndarray:
        low, high = self.ngram_range
        get = self.vocabulary.get
        return np.array([i for i in map(get, char_wb_ngrams(word, low, high)) if i is not None], dtype=np.int64)

    def remember(self, words: Iterable[str]) -> None:
        """Fill the word cache (at fit time, with every word of the training views)."""
        if self.analyzer == "char_wb":
            for word in words:
                if word not in self.word_ids:
                    self.word_ids[word] = self._ids_of_word(word)

    def term_ids(self, text: str) -> np.ndarray:
        """Vocabulary ids of the text's terms, repeated as often as they occur (out-of-vocabulary
        terms dropped): exactly the ids of `terms(text)` that the vocabulary knows."""
        if self.analyzer != "char_wb":
            get = self.vocabulary.get
            return np.array([i for i in map(get, self.terms(text)) if i is not None], dtype=np.int64)
        cache = self.word_ids
        parts: list[np.ndarray] = []
        for word in text.split():
            hit = cache.get(word)
            if hit is None:
                hit = self._ids_of_word(word)
                if len(cache) < WORD_CACHE_LIMIT:
                    cache[word] = hit
            parts.append(hit)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


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

    @cached_property
    def _global_idf(self) -> tuple[np.ndarray, np.ndarray]:
        """Every block's idf in one array (by column of the weight matrix), and where each block's
        columns start (ascending: blocks are laid out in order)."""
        idf = np.concatenate([b.idf for b in self.blocks]) if self.blocks else np.zeros(0)
        return idf, np.array([b.offset for b in self.blocks], dtype=np.int64)

    def scores(self, text: str) -> np.ndarray:
        views = self.views(text)
        parts = [block.term_ids(views[block.view]) + block.offset for block in self.blocks]
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if not ids.size:
            return self.intercept.copy()
        # All blocks at once, in a handful of numpy calls: term counts, sublinear tf x idf, an l2
        # norm per block, then one gather of the weight rows and one product.
        idx, tf = np.unique(ids, return_counts=True)
        idf, starts = self._global_idf
        w = (1.0 + np.log(tf)) * idf[idx]
        block_of = np.searchsorted(starts, idx, side="right") - 1
        norms = np.sqrt(np.bincount(block_of, weights=w * w, minlength=len(starts)))
        w /= norms[block_of]
        return self.intercept + w @ self.weights[idx]

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
