"""Diacritic restorer trained from the project's own accented text.

Chat-style reports arrive without diacritics ("nuoc thai tran ra duong"). The restorer puts
them back ("nước thải tràn ra đường") so the classifier's accented view sees the same words for
both forms. It is a syllable bigram model: every diacritic-free syllable has the accented forms
seen for it in the training data; a Viterbi pass picks the sequence that the accented bigrams
(interpolated with unigrams, plus half the log share of each form for its bare syllable) like
best. Syllables typed with diacritics are kept as typed and act as context; unknown syllables
stay as they are. Chat abbreviations (`ko`, `dc`, `nc`, `vh`, `p`, `bmt`...) are expanded to
accented words first.

Trained in `nlu.model.fit` from the same examples as the classifier, so cross-validation folds
restore with what their own training part knows, and the tables live in the model file. A word
list (`nlu/data/lexicon/viet22k.txt`, 22,426 Vietnamese words from underthesea, Apache-2.0) adds
the accented forms and syllable pairs of common words the reports never used, each word counted
as a fifth of one occurrence in a report (`LEXICON_WEIGHT`), so the reports' own usage still
decides between forms they have seen (round 5, on round 4's data: syllable accuracy held-out
0.951 -> 0.957, development 0.940 -> 0.949; nlu/README.md). Nothing is downloaded, and prediction needs only
dicts and `math`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from nlu import LEXICON_FILE
from nlu.text import nfc_lower, strip_diacritics, teen_code

_TOKEN = re.compile(r"\w+", re.UNICODE)
_BOUNDARY = "<s>"
# Interpolation weight of the bigram estimate, and the unigram floor for an unseen pair.
BIGRAM_WEIGHT = 0.95  # 0.8 before round 3: syllable accuracy held-out 0.939 -> 0.940, dev 0.936 -> 0.939
UNSEEN = 1e-6  # P(b) of a word never seen with diacritics (kept as typed)
_UNSEEN_LOG = math.log((1 - BIGRAM_WEIGHT) * UNSEEN)
_NO_PAIRS: dict[str, float] = {}
# Weight of log P(form | bare syllable) added to the bigram path score. The transitions already
# hold the forms' unigram share through interpolation, so 1.0 counted it twice: 0.5 took 5-fold
# CV errors from 693 to 672 (written, stripped and half-stripped texts, two seeds, round 6) and
# syllable accuracy held-out 0.964 -> 0.967; 0 restores best (0.970) but classifies worse (681).
EMISSION_WEIGHT = 0.5
# Forms with less than this share of their bare syllable's occurrences are not candidates (the
# commonest form always is): mostly forms only the word list knows, which Viterbi never picked.
# Round 6: the same output on 3,624 of the 3,629 training texts stripped and on every development
# and held-out text, a third less restoring time.
MIN_FORM_SHARE = 0.003
# What one word of the lexicon counts for, in occurrences in a report. Chosen by 5-fold CV on
# two seeds and the development set among 0.05 / 0.2 / 1.0 and a 74,000-word list (round 5).
LEXICON_WEIGHT = 0.2

# Chat abbreviations -> accented words, keyed on the diacritic-free token (cf. nlu.text, whose
# expansions feed the diacritic-free view).
ACCENTED_ABBREVIATIONS: dict[str, str] = {
    "k": "không",
    "ko": "không",
    "kh": "không",
    "khg": "không",
    "hok": "không",
    "kg": "không",
    "dc": "được",
    "dk": "được",
    "j": "gì",
    "ng": "người",
    "ngta": "người ta",
    "bmt": "buôn ma thuột",
    "tp": "thành phố",
    "vs": "với",
    "ntn": "như thế nào",
    "r": "rồi",
    "mn": "mọi người",
    "mng": "mọi người",
    "cx": "cũng",
    "cg": "cũng",
    "vh": "vỉa hè",
    "qc": "quảng cáo",
    "xd": "xây dựng",
    "ct": "công trình",
    "nc": "nước",
    "bh": "bao giờ",
    "h": "giờ",
    "nhiu": "nhiều",
    "wa": "quá",
    "qa": "quá",
    "trc": "trước",
    "sn": "số nhà",
    "p": "phường",
    "tks": "cảm ơn",
    "ubnd": "ủy ban nhân dân",
    "cqcn": "cơ quan chức năng",
    "lm": "làm",
    "ms": "mới",
    "bjo": "bây giờ",
    "cv": "công viên",
    "dg": "đường",
    "đg": "đường",
    "đc": "được",
    "sdt": "số điện thoại",
    "cf": "cà phê",
    "cafe": "cà phê",
    "vlxd": "vật liệu xây dựng",
    "ktx": "ký túc xá",
    "kcn": "khu công nghiệp",
    "ql": "quốc lộ",
    "ad": "admin",
    "tx": "thị xã",
    "dt": "điện thoại",
    "đt": "điện thoại",
    "hs": "học sinh",
    "oto": "ô tô",
    "ôtô": "ô tô",
    "cty": "công ty",
    "bds": "bất động sản",
    "bv": "bệnh viện",
    "hqua": "hôm qua",
    "hnay": "hôm nay",
    "mik": "mình",
    "mk": "mình",
    "bik": "biết",
    "kp": "khu phố",
    "tdp": "tổ dân phố",
    "t7": "thứ bảy",
    "xm": "xe máy",
    "bx": "bến xe",
    "trg": "trường",
    "nhg": "nhưng",
    "lun": "luôn",
    "csgt": "cảnh sát giao thông",
    "pccc": "phòng cháy chữa cháy",
    # The rest of nlu.text's abbreviations, so both views expand the same words (round 6: 5-fold
    # CV errors 670 -> 668 over written, stripped and half-stripped texts, two seeds).
    "bt": "bình thường",
    "ak": "à",
    "ld": "lòng đường",
    "ns": "nói",
    "z": "vậy",
    "v": "vậy",
    "thanks": "cảm ơn",
    "thank": "cảm ơn",
    "cq": "cơ quan",
    "bn": "bao nhiêu",
    "hcm": "hồ chí minh",
}


@cache
def load_lexicon(path: Path = LEXICON_FILE) -> tuple[tuple[str, ...], ...]:
    """The word list's words as syllable tuples (NFC, lowercase), one word per line."""
    words = (_TOKEN.findall(nfc_lower(line)) for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(tuple(word) for word in words if word)


# Tokens whose expansion and diacritics are remembered (a process sees a few ten thousand
# distinct words; the bound keeps odd input from growing them without limit).
TOKEN_CACHE_LIMIT = 200_000


@lru_cache(maxsize=TOKEN_CACHE_LIMIT)
def has_diacritics(token: str) -> bool:
    return strip_diacritics(token) != token


@lru_cache(maxsize=TOKEN_CACHE_LIMIT)
def _expand_token(tok: str) -> tuple[str, ...]:
    expansion = ACCENTED_ABBREVIATIONS.get(tok)
    if expansion is None:
        tok = teen_code(tok)
        expansion = ACCENTED_ABBREVIATIONS.get(tok)
    return tuple(expansion.split()) if expansion else (tok,)


def expand(text: str) -> list[str]:
    """NFC lowercase tokens with chat abbreviations replaced by accented words."""
    out: list[str] = []
    for tok in _TOKEN.findall(nfc_lower(text)):
        out.extend(_expand_token(tok))
    return out


@dataclass
class Restorer:
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)  # plain -> accented forms
    unigram: dict[str, float] = field(default_factory=dict)  # log P(accented form | its plain form)
    # into[b][a] = log(λ P(b | a) + (1 - λ) P(b)) for the pairs seen in training, and unseen[b] =
    # log((1 - λ) P(b)) for the others: the interpolated transition, precomputed so decoding does
    # no arithmetic but sums; keyed on the next form first, so each candidate form looks its
    # previous forms up in one small dict (round 5: half the decoding time of a (a, b) tuple key).
    into: dict[str, dict[str, float]] = field(default_factory=dict)
    unseen: dict[str, float] = field(default_factory=dict)

    @classmethod
    def train(
        cls, texts: Iterable[str], lexicon: Iterable[tuple[str, ...]] = (), lexicon_weight: float = LEXICON_WEIGHT
    ) -> Restorer:
        """From the accented `texts`, plus each `lexicon` word counted `lexicon_weight` times
        (its syllables and the pairs inside it, not the sentence boundaries)."""
        forms: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        for text in texts:
            tokens = _TOKEN.findall(nfc_lower(text))
            # Learn only from text written with diacritics: a plain copy teaches nothing.
            if not tokens or sum(has_diacritics(t) for t in tokens) < 0.3 * len(tokens):
                continue
            seq = [_BOUNDARY, *tokens, _BOUNDARY]
            forms.update(tokens)
            pairs.update(itertools.pairwise(seq))
        for word in lexicon:
            for syllable in word:
                forms[syllable] += lexicon_weight
            for pair in itertools.pairwise(word):
                pairs[pair] += lexicon_weight
        by_plain: dict[str, Counter[str]] = {}
        for form, n in forms.items():
            by_plain.setdefault(strip_diacritics(form), Counter())[form] = n
        total = sum(forms.values()) or 1
        starts: Counter[str] = Counter()
        for (a, _), n in pairs.items():
            starts[a] += n
        restorer = cls()
        for plain, counts in by_plain.items():
            n_plain = sum(counts.values())
            ordered = [f for f, _ in counts.most_common()]
            for form in ordered:
                restorer.unigram[form] = math.log(counts[form] / n_plain)
            restorer.candidates[plain] = tuple(
                f for i, f in enumerate(ordered) if i == 0 or counts[f] >= MIN_FORM_SHARE * n_plain
            )
        unigram = {form: n / total for form, n in forms.items()}
        for (a, b), n in pairs.items():
            logp = math.log(BIGRAM_WEIGHT * n / starts[a] + (1 - BIGRAM_WEIGHT) * unigram.get(b, UNSEEN))
            restorer.into.setdefault(b, {})[a] = logp
        restorer.unseen = {form: math.log((1 - BIGRAM_WEIGHT) * p) for form, p in unigram.items()}
        return restorer

    def _options(self, token: str) -> tuple[str, ...]:
        if has_diacritics(token):
            return (token,)  # typed with marks: trust it
        return self.candidates.get(token) or (token,)

    def _transition(self, a: str, b: str) -> float:
        return self.into.get(b, _NO_PAIRS).get(a, self.unseen.get(b, _UNSEEN_LOG))

    def restore_tokens(self, tokens: list[str]) -> list[str]:
        """The most likely accented sequence (Viterbi over each token's accented forms).

        A token with one form (typed with diacritics, unknown, or with a single accented form)
        splits the chain: the best path through it is the best path to it plus the best path
        from it. So only each run of tokens with several forms is decoded, between its fixed
        neighbours, and a careful report with a few bare words costs a few lookups (round 6:
        the same output as one pass over the whole text, tests/nlu/test_restore.py)."""
        options = [self._options(tok) for tok in tokens]
        out = [forms[0] for forms in options]
        i, n = 0, len(tokens)
        while i < n:
            if len(options[i]) == 1:
                i += 1
                continue
            j = i + 1
            while j < n and len(options[j]) > 1:
                j += 1
            left = out[i - 1] if i else _BOUNDARY
            right = out[j] if j < n else _BOUNDARY
            out[i:j] = self._decode(options[i:j], left, right)
            i = j
        return out

    def _decode(self, run: list[tuple[str, ...]], left: str, right: str) -> list[str]:
        """Viterbi over a run of tokens with several forms each, between two fixed forms."""
        scores: dict[str, float] = {left: 0.0}
        back: list[dict[str, str]] = []  # per position: form -> best previous form
        for forms in run:
            new_scores: dict[str, float] = {}
            pointers: dict[str, str] = {}
            for form in forms:
                into, floor = self.into.get(form, _NO_PAIRS), self.unseen.get(form, _UNSEEN_LOG)
                best_prev, best = "", -math.inf
                for prev, s in scores.items():
                    value = s + into.get(prev, floor)
                    if value > best:
                        best_prev, best = prev, value
                new_scores[form] = best + EMISSION_WEIGHT * self.unigram.get(form, 0.0)
                pointers[form] = best_prev
            scores = new_scores
            back.append(pointers)
        form = max(scores, key=lambda f: scores[f] + self._transition(f, right))
        path = [form]
        for pointers in reversed(back[1:]):
            form = pointers[form]
            path.append(form)
        return path[::-1]

    def restore(self, text: str) -> str:
        """Accented, lowercase, abbreviations expanded: 'nc thai tran ra duong' -> 'nước thải tràn ra đường'."""
        return " ".join(self.restore_tokens(expand(text)))
