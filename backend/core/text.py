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
