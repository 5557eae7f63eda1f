"""Near copies between the training data and the evaluation files.

An exact-line check misses a report that was reworded by two words ("xe ban trai cay dau giua
duong ban hang, ng mua dung xe lung tung" against "... ban, ng mua dung xe tum lum"): a training
line that close to an evaluation line makes that evaluation line a training example in disguise,
and the score optimistic. Closeness is the Jaccard similarity of the two texts' character
4-grams in the plain view (diacritics and abbreviations folded, so a chat-style copy of a careful
line is caught too). At 0.6 and above the pairs read as the same report reworded; between 0.45
and 0.6 they are the same kind of report told differently, which real traffic is full of.

Only reports and `out_of_scope` questions are compared: "cảm ơn nhiều" is in every file on purpose.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from nlu import CATEGORIES
from nlu.dataset import Example
from nlu.text import plain_view

NEAR_COPY = 0.6
_N = 4
_COMPARED = frozenset((*CATEGORIES, "out_of_scope"))


def grams(text: str) -> frozenset[str]:
    padded = f" {plain_view(text)} "
    return frozenset(padded[i : i + _N] for i in range(len(padded) - _N + 1))


@dataclass(frozen=True)
class NearCopy:
    training: Example
    similarity: float  # the highest Jaccard similarity with a line of the evaluation file


def near_copies(training: list[Example], evaluation: list[Example], threshold: float = NEAR_COPY) -> list[NearCopy]:
    """The training examples at least `threshold` similar to some evaluation example, closest first.

    Candidates come from an inverted index of the evaluation lines' 4-grams, so each training
    line is compared only with the lines it shares n-grams with."""
    targets = [grams(ex.text) for ex in evaluation if ex.intent in _COMPARED]
    index: dict[str, list[int]] = defaultdict(list)
    for i, target in enumerate(targets):
        for gram in target:
            index[gram].append(i)
    found = []
    for ex in training:
        if ex.intent not in _COMPARED:
            continue
        mine = grams(ex.text)
        shared: dict[int, int] = defaultdict(int)
        for gram in mine:
            for i in index.get(gram, ()):
                shared[i] += 1
        best = max((n / (len(mine) + len(targets[i]) - n) for i, n in shared.items()), default=0.0)
        if best >= threshold:
            found.append(NearCopy(ex, best))
    return sorted(found, key=lambda c: -c.similarity)
