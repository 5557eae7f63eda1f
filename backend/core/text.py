"""Text folding: the one way typed words, place names and keywords are compared."""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = re.compile(r"['’‘`´]")
_PUNCTUATION = re.compile(r"[!.,;:?]+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, no apostrophes: "Cư M'gar" → "cu mgar"."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").replace("đ", "d")
    return APOSTROPHES.sub("", text)


def fold_words(text: str) -> str:
    """`fold`, with punctuation as spaces and single spaces: "Xác nhận!" → "xac nhan"."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def has_words(text: str, *, min_letters: int = 3) -> bool:
    """Whether `text` says something in words: at least `min_letters` letters, one word of two or
    more. "x", "ab", "???", "😀😀", "123" do not; "ổ gà", "rác" do."""
    letters = sum(1 for c in text if c.isalpha())
    longest = max((sum(1 for c in word if c.isalpha()) for word in text.split()), default=0)
    return letters >= min_letters and longest >= 2


_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text as it may be stored: lone surrogates (a paste cut mid-character), noncharacters and
    control characters other than tab and newline dropped; NFC."""
    return unicodedata.normalize("NFC", _INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
