"""One masking for every public surface (portal, public report page, Open311 GET, anything new):
personal data a citizen typed into free text is hidden before it leaves for the public.

- phone numbers (Vietnamese mobile and landline, +84 or 0, with spaces, dots or dashes): the first
  three characters stay, the rest becomes •••••••
- e-mail addresses: the first character of the name and the domain stay (n•••@example.vn)
Staff surfaces show the text as typed; the reporter's own phone field is never public at all."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)[\s.\-]?(?:\d[\s.\-]?){8,10}(?!\d)")
EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")


def _masked_phone(match: re.Match[str]) -> str:
    number = match.group(0)
    kept = number[len(number.rstrip(" .-")):]  # a separator the number swallowed stays in the text
    return number[:3] + "•••••••" + kept


def public_text(text: str | None) -> str:
    """Free text as the public may see it."""
    if not text:
        return ""
    text = PHONE_RE.sub(_masked_phone, text)
    return EMAIL_RE.sub(lambda m: f"{m.group(1)}•••@{m.group(2)}", text)


def mask_phone(phone: str | None) -> str:
    """A phone number shown masked (staff lists): first three and last three digits."""
    if not phone:
        return ""
    return phone[:3] + "•" * max(len(phone) - 6, 2) + phone[-3:] if len(phone) > 6 else "•" * len(phone)
