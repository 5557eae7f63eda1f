"""A page's meaningful content, for defacement detection.

What counts: the visible text in reading order (one line per block) and the page's structure (the
sequence of block elements with their classes). What does not: scripts, styles, frames, ad and
rotating blocks (banners, carousels, tickers), and digits (dates, clocks, view counters), so a new
date or a rotated news list moves the figure a little and a replaced page moves it a lot.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from backend.core.text import fold

SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "head"}
KEEP_IN_HEAD = {"title"}
BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "nav", "main", "aside", "h1", "h2", "h3", "h4", "h5",
    "h6", "li", "ul", "ol", "table", "tr", "td", "th", "form", "blockquote", "pre", "title", "dd", "dt", "figure",
    "figcaption", "br", "hr", "body",
}
VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "track", "wbr"}
# Ads and rotating blocks by their class/id (Vietnamese portals: quangcao, qc, tin-moi ...)
NOISY = re.compile(r"(^|[-_ ])(ads?|advert\w*|banners?|quang-?cao|qc|marquee|carousel|slider|swiper|slick|ticker|"
                   r"owl|popup|cookie|weather|thoi-?tiet|visitors?|luot-?truy-?cap|counter)($|[-_ ])", re.I)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
MAX_LINES = 4000


@dataclass(frozen=True)
class Content:
    text: str  # lines of visible text, newline-separated (as shown to staff)
    structure: str  # space-separated block tokens
    all_text: str  # every text and link/alt/title attribute, hidden blocks included (keyword scan)
    hash: str = ""  # of what is compared: digits do not count (dates, clocks, counters)

    def __post_init__(self) -> None:
        if not self.hash:
            digest = hashlib.sha256((self.structure + "\n" + _DIGITS.sub("0", self.text)).encode()).hexdigest()
            object.__setattr__(self, "hash", digest)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.tokens: list[str] = []
        self.extra: list[str] = []
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("title", "alt", "content"):
            if values.get(name) and not (tag == "meta" and values.get("name") not in ("description", "keywords")):
                self.extra.append(values[name] or "")
        if tag in VOID_TAGS:
            if tag in ("br", "hr"):
                self._flush()
            return
        hint = f"{values.get('class') or ''} {values.get('id') or ''}"
        skipped = self.skipping or (tag in SKIP_TAGS and tag not in KEEP_IN_HEAD)
        if tag == "title":
            skipped = False
        noisy = bool(NOISY.search(hint))
        if tag in BLOCK_TAGS:
            self._flush()
            if not self.skipping:
                classes = ".".join(sorted(c for c in (values.get("class") or "").split() if not _DIGITS.search(c))[:2])
                self.tokens.append(f"{tag}.{classes}" if classes else tag)
        self.stack.append((tag, skipped or noisy))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        for depth in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed tags
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] in SKIP_TAGS and self.stack[-1][0] != "title":
            return
        if not self.skipping:
            self.current.append(data)
        elif not (self.stack and self.stack[-1][0] in ("script", "style")):
            self.extra.append(data)  # hidden and noisy blocks still count for forbidden keywords

    def _flush(self) -> None:
        line = _SPACES.sub(" ", "".join(self.current)).strip()
        self.current = []
        if line and len(self.lines) < MAX_LINES:
            self.lines.append(line)


def extract(html: str) -> Content:
    parser = _Extractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on a few broken documents
        pass
    parser._flush()
    text = "\n".join(parser.lines)
    return Content(text=text, structure=" ".join(parser.tokens[:MAX_LINES]),
                   all_text=text + "\n" + "\n".join(_SPACES.sub(" ", e) for e in parser.extra))


def change_ratio(baseline_text: str, baseline_structure: str, text: str, structure: str) -> float:
    """0 = same meaningful content, 1 = nothing in common: the mean of the text's and the
    structure's change, so a rotated news list (same structure) stays low."""
    before, after = _DIGITS.sub("0", baseline_text).splitlines(), _DIGITS.sub("0", text).splitlines()
    text_sim = difflib.SequenceMatcher(None, before, after, autojunk=False).ratio()
    struct_sim = difflib.SequenceMatcher(None, baseline_structure.split(), structure.split(), autojunk=False).ratio()
    if not baseline_text and not text:
        text_sim = 1.0
    if not baseline_structure and not structure:
        struct_sim = 1.0
    return round(1 - (text_sim + struct_sim) / 2, 4)


_MARKS = re.compile("[\u0300-\u036f]")
_APOSTROPHES = re.compile(r"['’‘`´]")


def _fold(text: str) -> str:
    """core.text.fold at C speed for whole pages (regular expressions instead of a loop per
    character): lower case, no diacritics, đ → d, no apostrophes, single spaces."""
    text = _MARKS.sub("", unicodedata.normalize("NFD", text.lower())).replace("đ", "d")
    return " ".join(_APOSTROPHES.sub("", text).split())


@lru_cache(maxsize=64)
def _keyword_pattern(keywords: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    folded = {" ".join(fold(k).split()): k for k in keywords if k and fold(k).strip()}
    if not folded:
        return None, {}
    alternatives = "|".join(re.escape(k) for k in sorted(folded, key=len, reverse=True))
    return re.compile(r"(?<![0-9a-z])(" + alternatives + r")(?![0-9a-z])"), folded


def forbidden_found(all_text: str, keywords: list[str]) -> list[str]:
    """Keywords present, with or without diacritics, as whole words ("no hu" finds "nổ hũ")."""
    pattern, by_folded = _keyword_pattern(tuple(keywords))
    if pattern is None:
        return []
    seen = {match.group(1) for match in pattern.finditer(_fold(all_text))}
    return [k for folded, k in by_folded.items() if folded in seen]


def diff(before: str, after: str, limit: int = 400) -> list[tuple[str, str]]:
    """(kind, line) pairs for the staff page: kind is ' ' (same), '-' (removed), '+' (added)."""
    out: list[tuple[str, str]] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("? "):
            continue
        out.append((line[0], line[2:]))
        if len(out) >= limit:
            out.append(("…", "(còn nữa)"))
            break
    return out
