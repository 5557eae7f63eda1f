"""Personal data out of free text before it leaves the database for another use (training data,
exports for analysis): each item is replaced by a placeholder a reader, and a classifier, can
still read as part of the sentence.

- phone numbers → `[sđt]`: `0905 123 456`, `0905.123.456`, `0905-123-456`, `+84 905 123 456`,
  `(+84) 905…`, `+84 (0) 905…`, `84905123456`, landlines `0262 3852 123`;
- e-mail addresses → `[email]`;
- ID-card numbers → `[cccd]`: 9 digits (chứng minh nhân dân) or 12 (căn cước), in one piece;
- licence plates → `[biển số]`: `47A-123.45`, `47B1 234.56`, `47AB-12345` (they lead to the owner).

What stays: house numbers (`số 120`, `120/4`), dates (`12/10/2026`, `05.10.2026`), times, sums of
money (`100.000.000 đồng`, `150000000đ`), areas: they are not personal, and the classifier's own
training data has them. Unlike `masking.public_text` (what the public sees: the first digits
stay), nothing of the item is kept.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PHONE_PLACEHOLDER = "[sđt]"
EMAIL_PLACEHOLDER = "[email]"
ID_PLACEHOLDER = "[cccd]"
PLATE_PLACEHOLDER = "[biển số]"

_SEP = r"[ .\-]"
# Not glued to a digit on either side, even across one separator: "05.10.2026 10.30" has 11
# digits in a row of separators and is a date and a time, not a phone number.
_NOT_AFTER_DIGIT = r"(?<!\d)(?<!\d[ .\-])"
_NOT_BEFORE_DIGIT = r"(?![ .\-]?\d)"
# Vietnamese numbers: 0 + 9 digits (mobile) or 0 + 10 digits (landline, 02xx); +84 / 84 instead
# of the 0, optionally in brackets and with the 0 kept in brackets: "(+84) 905 123 456",
# "+84 (0) 905…". Between two digits at most one space, dot or dash.
PHONE_RE = re.compile(
    _NOT_AFTER_DIGIT
    + r"(?:\(?\+84\)?" + _SEP + r"?(?:\(0\)" + _SEP + r"?)?|(?<!\+)\b84" + _SEP + r"?|\b0)"
    + r"[1-9](?:" + _SEP + r"?\d){8,9}"
    + _NOT_BEFORE_DIGIT
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# In one piece only: grouped by threes with dots or spaces, 9 or 12 digits are a sum of money.
_MONEY_AFTER = r"(?!\s?(?:đ|₫|đồng|dong|vnđ|vnd|k\b|nghìn|ngàn|triệu|tr\b|usd|\$))"
ID_RE = re.compile(r"(?<![\d.,])(?:\d{12}|\d{9})(?!\d)(?![.,]\d)" + _MONEY_AFTER, re.IGNORECASE)
# Upper case as printed ("47A-123.45", "47A 1234"); typed in lower case only in the five-digit form
# without a space ("47a-12345"), so "10kg 1000" stays.
PLATE_RE = re.compile(
    r"(?<![\w.])(?:\d{2}[A-Z]{1,2}\d?[ \-]?(?:\d{3}\.?\d{2}|\d{4})|\d{2}[a-z]{1,2}\d?-?\d{3}\.?\d{2})(?!\w)(?!\.\d)"
)


@dataclass(frozen=True)
class Scrubbed:
    text: str
    replaced: Counter[str] = field(default_factory=Counter)  # kind ("phone", "email", "id", "plate") -> count


def scrub_personal(text: str) -> Scrubbed:
    """`text` with phone numbers, e-mail addresses, ID-card numbers and licence plates replaced
    by placeholders, and how many of each were replaced."""
    replaced: Counter[str] = Counter()
    # E-mail first: "0905123456@gmail.com" is one address, not a phone number and a domain.
    for kind, pattern, placeholder in (
        ("email", EMAIL_RE, EMAIL_PLACEHOLDER),
        ("phone", PHONE_RE, PHONE_PLACEHOLDER),
        ("plate", PLATE_RE, PLATE_PLACEHOLDER),
        ("id", ID_RE, ID_PLACEHOLDER),
    ):
        text, n = pattern.subn(placeholder, text)
        if n:
            replaced[kind] += n
    return Scrubbed(text=text, replaced=replaced)
