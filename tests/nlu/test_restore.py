"""The diacritic restorer: its word list (round 5), its candidate forms and run-by-run decoding (round 6)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from nlu import LEXICON_FILE, restore
from nlu.dataset import data_hash, load_training
from nlu.restore import Restorer, expand, load_lexicon
from nlu.text import strip_diacritics


@pytest.fixture(scope="module")
def report_texts() -> list[str]:
    return [ex.text for ex in load_training()]


def test_the_word_list_gives_the_accents_of_words_no_report_used(report_texts: list[str]) -> None:
    assert Restorer.train(report_texts).restore("nha xieu veo") == "nhà xieu veo"
    assert Restorer.train(report_texts, load_lexicon()).restore("nha xieu veo") == "nhà xiêu vẹo"


def test_the_word_list_gives_the_pairs_inside_compound_words(report_texts: list[str]) -> None:
    assert Restorer.train(report_texts, load_lexicon()).restore("chuong ngai vat") == "chướng ngại vật"


def test_the_reports_own_usage_outweighs_the_word_list() -> None:
    # One report says "bàn"; the word list's "bán" counts for a fifth of an occurrence.
    restorer = Restorer.train(["cái bàn để ngoài đường"], [("bán",)])
    assert restorer.restore("ban") == "bàn"
    assert Restorer.train(["cái bàn để ngoài đường"], [("bán",)] * 10).restore("ban") == "bán"


def test_the_word_list_is_nfc_lowercase_syllables() -> None:
    words = load_lexicon()
    assert len(words) > 20_000
    assert ("vỉa", "hè") in words
    assert all(syllable == syllable.lower() for word in words[:2000] for syllable in word)


def test_a_changed_word_list_changes_the_model_key(tmp_path: Path) -> None:
    changed = tmp_path / LEXICON_FILE.name
    shutil.copy(LEXICON_FILE, changed)
    assert data_hash(lexicon_file=changed) == data_hash()
    changed.write_text(LEXICON_FILE.read_text(encoding="utf-8") + "từ mới\n", encoding="utf-8")
    assert data_hash(lexicon_file=changed) != data_hash()


def test_a_form_under_its_share_is_no_candidate_but_the_commonest_always_is() -> None:
    texts = ["bán hàng"] * 400 + ["bàn ghế"]  # "bàn" is 1 of 401 "ban": under 0.3 %
    restorer = Restorer.train(texts)
    assert restorer.candidates["ban"] == ("bán",)
    assert Restorer.train(["bàn ghế"]).candidates["ban"] == ("bàn",)


def test_a_form_typed_with_diacritics_is_kept_even_when_it_is_no_candidate() -> None:
    restorer = Restorer.train(["bán hàng"] * 400 + ["bàn ghế"])
    assert restorer.restore("ke bàn ra") == "ke bàn ra"


def _one_pass(restorer: Restorer, tokens: list[str]) -> list[str]:
    """Viterbi over the whole text at once: what `restore_tokens` must equal."""
    if not tokens:
        return []
    scores: dict[str, float] = {restore._BOUNDARY: 0.0}
    back: list[dict[str, str]] = []
    for tok in tokens:
        options = restorer._options(tok)
        new_scores: dict[str, float] = {}
        pointers: dict[str, str] = {}
        for form in options:
            emit = restore.EMISSION_WEIGHT * restorer.unigram.get(form, 0.0) if len(options) > 1 else 0.0
            prev = max(scores, key=lambda p: scores[p] + restorer._transition(p, form))
            new_scores[form] = scores[prev] + restorer._transition(prev, form) + emit
            pointers[form] = prev
        scores = new_scores
        back.append(pointers)
    form = max(scores, key=lambda f: scores[f] + restorer._transition(f, restore._BOUNDARY))
    path = [form]
    for pointers in reversed(back[1:]):
        form = pointers[form]
        path.append(form)
    return path[::-1]


def test_decoding_run_by_run_gives_the_one_pass_result(report_texts: list[str]) -> None:
    restorer = Restorer.train(report_texts, load_lexicon())
    rnd = random.Random(7)
    sample = rnd.sample(report_texts, 300)
    half = [" ".join(strip_diacritics(w) if rnd.random() < 0.5 else w for w in t.split()) for t in sample]
    for text in [*sample, *map(strip_diacritics, sample), *half]:
        tokens = expand(text)
        assert restorer.restore_tokens(tokens) == _one_pass(restorer, tokens), text
