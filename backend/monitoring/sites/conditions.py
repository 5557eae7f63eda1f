"""Gatus-style conditions, parsed by hand (never eval'd):

    [STATUS] == 200            [STATUS] == any(200, 301)       [STATUS] < 400
    [RESPONSE_TIME] < 2000     (milliseconds; "2s" works too)
    [CERTIFICATE_EXPIRATION] > 14d   (units: ms, s, m, h, d)
    [BODY] contains Cổng thông tin    [BODY] not contains hacked by    [BODY] == pat(*Đắk Lắk*)
    [CONNECTED] == true        [IP] == 10.0.0.1     [HTTP_VERSION] == HTTP/2

A bad condition raises ConditionError with a message naming what is wrong.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

PLACEHOLDERS = {
    "STATUS": "number",
    "RESPONSE_TIME": "duration_ms",
    "CERTIFICATE_EXPIRATION": "duration_ms",
    "BODY": "text",
    "CONNECTED": "bool",
    "IP": "text",
    "HTTP_VERSION": "text",
}
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
ORDERED = {"<", ">", "<=", ">="}
_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_CONDITION = re.compile(r"^\s*\[([A-Z_]+)\]\s*(==|!=|<=|>=|<|>|not\s+contains|contains)\s*(.*?)\s*$", re.S)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$")
MAX_LENGTH = 500


class ConditionError(ValueError):
    """A condition that cannot be parsed; str() is a Vietnamese message for staff."""


@dataclass(frozen=True)
class Condition:
    text: str
    placeholder: str
    operator: str  # ==, !=, <, >, <=, >=, contains, not contains
    values: tuple[Any, ...]  # several for any(...)
    pattern: bool = False  # pat(...): shell-style wildcard match

    def evaluate(self, facts: dict[str, Any]) -> bool:
        actual = facts.get(self.placeholder)
        if actual is None:
            return False
        if self.operator in ("contains", "not contains"):
            found = str(self.values[0]).casefold() in str(actual).casefold()
            return found if self.operator == "contains" else not found
        if self.pattern:
            matched = fnmatch.fnmatchcase(str(actual), str(self.values[0]))
            return matched if self.operator == "==" else not matched
        if self.operator == "==":
            return any(_equal(actual, v) for v in self.values)
        if self.operator == "!=":
            return all(not _equal(actual, v) for v in self.values)
        value = self.values[0]
        return {"<": actual < value, ">": actual > value, "<=": actual <= value, ">=": actual >= value}[self.operator]


def _equal(actual: Any, value: Any) -> bool:
    if isinstance(value, str) and isinstance(actual, str):
        return actual.casefold() == value.casefold()
    return bool(actual == value)


def parse(text: str) -> Condition:
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("Điều kiện trống")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"Điều kiện dài quá {MAX_LENGTH} ký tự")
    match = _CONDITION.match(text)
    if match is None:
        raise ConditionError(
            f"Điều kiện không hợp lệ: «{text}». Dạng đúng: [STATUS] == 200, [RESPONSE_TIME] < 2000, "
            "[CERTIFICATE_EXPIRATION] > 14d, [BODY] contains từ khóa")
    name, operator, raw = match.group(1), " ".join(match.group(2).split()), match.group(3)
    kind = PLACEHOLDERS.get(name)
    if kind is None:
        raise ConditionError(f"Không có đại lượng [{name}] trong «{text}»; dùng: "
                             + ", ".join(f"[{p}]" for p in PLACEHOLDERS))
    if not raw:
        raise ConditionError(f"Thiếu giá trị so sánh trong «{text}»")
    if operator in ("contains", "not contains"):
        if kind != "text":
            raise ConditionError(f"«{operator}» chỉ dùng cho [BODY], [IP], [HTTP_VERSION] («{text}»)")
        return Condition(text, name, operator, (_unquote(raw),))
    if raw.startswith("pat(") and raw.endswith(")"):
        if kind != "text" or operator not in ("==", "!="):
            raise ConditionError(f"pat(...) chỉ dùng với == hoặc != cho đại lượng văn bản («{text}»)")
        return Condition(text, name, operator, (_unquote(raw[4:-1]),), pattern=True)
    if raw.startswith("any(") and raw.endswith(")"):
        if operator not in ("==", "!="):
            raise ConditionError(f"any(...) chỉ dùng với == hoặc != («{text}»)")
        items = [item.strip() for item in raw[4:-1].split(",")]
        if not all(items):
            raise ConditionError(f"any(...) có giá trị trống trong «{text}»")
        return Condition(text, name, operator, tuple(_value(kind, item, text) for item in items))
    if operator in ORDERED and kind in ("text", "bool"):
        raise ConditionError(f"Không so sánh lớn/nhỏ được với [{name}] («{text}»)")
    return Condition(text, name, operator, (_value(kind, raw, text),))


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def _value(kind: str, raw: str, text: str) -> Any:
    raw = _unquote(raw)
    if kind == "number":
        if not raw.isdigit():
            raise ConditionError(f"[STATUS] cần một số nguyên, không phải «{raw}» («{text}»)")
        return int(raw)
    if kind == "duration_ms":
        match = _DURATION.match(raw)
        if match is None:
            raise ConditionError(f"Thời lượng không hợp lệ «{raw}» («{text}»): dùng số mili giây hoặc 30s, 48h, 14d")
        return float(match.group(1)) * _UNITS_MS[match.group(2) or "ms"]
    if kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise ConditionError(f"[CONNECTED] chỉ so với true hoặc false («{text}»)")
        return raw.lower() == "true"
    return raw


def parse_all(texts: list[str]) -> list[Condition]:
    """Every condition or a ConditionError naming the first bad one (its position too)."""
    parsed = []
    for position, text in enumerate(texts, start=1):
        try:
            parsed.append(parse(text))
        except ConditionError as exc:
            raise ConditionError(f"Điều kiện thứ {position}: {exc}") from None
    return parsed


@lru_cache(maxsize=4096)
def parse_cached(texts: tuple[str, ...]) -> tuple[Condition, ...]:
    """parse_all for the checks: a site's conditions are parsed once, not at every check."""
    return tuple(parse_all(list(texts)))


def failed(conditions: Sequence[Condition], facts: dict[str, Any]) -> list[str]:
    """The texts of the conditions these facts do not meet."""
    return [c.text for c in conditions if not c.evaluate(facts)]
