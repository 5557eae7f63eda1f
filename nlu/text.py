"""Text normalisation shared by training and prediction.

Citizens type with or without diacritics, with chat abbreviations and typos. The model sees two
views of every text: the accented one (NFC, lowercase) and a diacritic-free one with
abbreviations expanded, so "ko dc don rac" and "không được dọn rác" land on the same features.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Chat abbreviations, keyed on the diacritic-free token. Values are diacritic-free too because
# they only feed the diacritic-free view. "hong" is deliberately absent: Southern chat uses it
# for "không", but in reports it is nearly always "hỏng" (broken), which must stay itself.
ABBREVIATIONS: dict[str, str] = {
    "k": "khong",
    "ko": "khong",
    "kh": "khong",
    "khg": "khong",
    "hok": "khong",
    "kg": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "j": "gi",
    "ng": "nguoi",
    "ngta": "nguoi ta",
    "bmt": "buon ma thuot",
    "tp": "thanh pho",
    "vs": "voi",
    "ntn": "nhu the nao",
    "r": "roi",
    "mn": "moi nguoi",
    "mng": "moi nguoi",
    "cx": "cung",
    "cg": "cung",
    "bt": "binh thuong",
    "ak": "a",
    "vh": "via he",
    "ld": "long duong",
    "qc": "quang cao",
    "xd": "xay dung",
    "ct": "cong trinh",
    "nc": "nuoc",
    "ns": "noi",
    "bh": "bao gio",
    "h": "gio",
    "nhiu": "nhieu",
    "wa": "qua",
    "qa": "qua",
    "z": "vay",
    "v": "vay",
    "trc": "truoc",
    "sn": "so nha",
    "p": "phuong",
    "tks": "cam on",
    "thanks": "cam on",
    "thank": "cam on",
    "tx": "thi xa",
    "ubnd": "uy ban nhan dan",
    "cq": "co quan",
    "cqcn": "co quan chuc nang",
    "bn": "bao nhieu",
    "lm": "lam",
    "ms": "moi",
    "bjo": "bay gio",
    "cv": "cong vien",
    "dg": "duong",
    "sdt": "so dien thoai",
    "cf": "ca phe",
    "cafe": "ca phe",
    "vlxd": "vat lieu xay dung",
    "ktx": "ky tuc xa",
    "kcn": "khu cong nghiep",
    "ql": "quoc lo",
    "hcm": "ho chi minh",
    "dt": "dien thoai",
    "hs": "hoc sinh",
    "oto": "o to",
    "cty": "cong ty",
    "bds": "bat dong san",
    "bv": "benh vien",
    "hqua": "hom qua",
    "hnay": "hom nay",
    "mik": "minh",
    "mk": "minh",
    "bik": "biet",
    "kp": "khu pho",
    "tdp": "to dan pho",
    "t7": "thu bay",
    "xm": "xe may",
    "bx": "ben xe",
    "trg": "truong",
    "nhg": "nhung",
    "lun": "luon",
    "csgt": "canh sat giao thong",
    "pccc": "phong chay chua chay",
}


# Teen-code spellings: letters Vietnamese does not use at the start of a word stand for the ones
# it does ("fải" = "phải", "wá" = "quá", "jờ" = "giờ", "zậy"/"dzậy" = "vậy"), "k" before a, o, u
# is "c" ("kái" = "cái": Vietnamese writes k only before i, e, ê, y), and a letter typed
# three times or more is one letter ("quáaaa", "hoiiii"). Applied to both views, before the
# abbreviation table, and only to words Vietnamese cannot spell that way, so nothing else moves.
_TEEN_START = (("dz", "v"), ("f", "ph"), ("w", "qu"), ("j", "gi"), ("z", "v"))
_REPEATS = re.compile(r"(\w)\1{2,}")


def teen_code(token: str) -> str:
    """A lowercase token with teen-code spellings undone: 'fải' -> 'phải', 'wááá' -> 'quá'.
    Chat abbreviations ('ko', 'kg', 'wa') are left to the abbreviation tables."""
    if token in ABBREVIATIONS:
        return token
    if len(token) > 2 and _REPEATS.search(token):
        token = _REPEATS.sub(r"\1", token)
    if len(token) > 1 and token[0] in "dfwjz":
        for old, new in _TEEN_START:
            if token.startswith(old) and len(token) > len(old) and token[len(old)].isalpha():
                return new + token[len(old) :]
    if len(token) > 1 and token[0] == "k" and _strip_char(token[1]) in "aou":
        return "c" + token[1:]
    return token


def nfc_lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def _strip_char(ch: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


class _StripTable(dict):
    """`str.translate` table filled on first sight of each character (a few hundred in all)."""

    def __missing__(self, code: int) -> str:
        self[code] = bare = _strip_char(chr(code))
        return bare


_STRIP = _StripTable()


def strip_diacritics(text: str) -> str:
    """Vietnamese without tone and vowel marks: 'đường Lê Duẩn' -> 'duong Le Duan'."""
    return text.translate(_STRIP)


def accented_view(text: str) -> str:
    return " ".join(_TOKEN.findall(nfc_lower(text)))


def plain_view(text: str) -> str:
    """Diacritic-free, lowercase, abbreviations expanded, punctuation dropped."""
    tokens = _TOKEN.findall(strip_diacritics(nfc_lower(text)))
    out = []
    for tok in tokens:
        expansion = ABBREVIATIONS.get(tok)
        if expansion is None:
            tok = teen_code(tok)
            expansion = ABBREVIATIONS.get(tok, tok)
        out.append(expansion)
    return " ".join(out)
