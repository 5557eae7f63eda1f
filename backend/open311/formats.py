"""GeoReport v2's two formats: XML (the spec's default: `<services><service>…`,
`<service_requests><request>…`, `<errors><error><code/><description/></error></errors>`) and JSON
(the same lists). Every answer of the Open311 routes, errors included, goes through here."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from fastapi.responses import Response

FORMATS = ("xml", "json")
DEFAULT = "xml"
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# A list's element name inside its parent: <attributes><attribute>, <values><value>, <formats><format>.
ITEMS = {"attributes": "attribute", "values": "value", "formats": "format", "endpoints": "endpoint",
         "service_requests": "request", "services": "service", "errors": "error"}


def format_of(path: str) -> str:
    """The format a path asks for by its extension (`requests.json`); XML otherwise, as the spec says."""
    tail = path.rstrip("/").rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[-1].lower() if "." in tail else ""
    return ext if ext in FORMATS else DEFAULT


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if value is None:
        return  # an empty element: the spec's way of saying "none"
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _fill(element, ITEMS.get(name, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, items: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    """`<root><item>…</item>…</root>` for a list (the item's name from ITEMS), or `<root>…</root>`
    for one mapping; the XML declaration with its UTF-8 encoding first."""
    element = ElementTree.Element(root)
    if isinstance(items, Mapping):
        for key, value in items.items():
            _fill(element, key, value)
    else:
        for item in items:
            _fill(element, ITEMS[root], item)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root: str, items: Sequence[Mapping[str, Any]] | Mapping[str, Any], *, status: int = 200,
            headers: Mapping[str, str] | None = None) -> Response:
    """The answer in the format asked for: JSON is the list (or object) itself."""
    body = json.dumps(items, ensure_ascii=False, default=str).encode() if fmt == "json" else to_xml(root, items)
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt], headers=dict(headers or {}))


def errors(fmt: str, status: int, description: str, *, headers: Mapping[str, str] | None = None) -> Response:
    """The spec's error list: `[{"code": 400, "description": "…"}]`, or `<errors><error>…`."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status, headers=headers)
