"""Photos: type checked by content (not by name), size-limited, stored once by sha256."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from backend.core.config import get_settings
from backend.core.errors import ValidationFailed

ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    content_type: str
    size: int
    width: int
    height: int


def media_path(sha256: str, content_type: str) -> Path:
    return get_settings().media_dir / sha256[:2] / f"{sha256}.{EXTENSIONS.get(content_type, 'bin')}"


def inspect(data: bytes) -> tuple[str, int, int]:
    limit = get_settings().photo_max_bytes
    if not data:
        raise ValidationFailed("Ảnh rỗng", field="photo")
    if len(data) > limit:
        raise ValidationFailed(
            f"Ảnh quá lớn (tối đa {limit // (1024 * 1024)} MB)",
            field="photo",
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            img.verify()
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed("Tệp không phải ảnh hợp lệ", field="photo") from exc
    if fmt not in ALLOWED:
        raise ValidationFailed(f"Định dạng ảnh không hỗ trợ: {fmt}", field="photo")
    return ALLOWED[fmt], width, height


def store(data: bytes) -> StoredImage:
    content_type, width, height = inspect(data)
    digest = hashlib.sha256(data).hexdigest()
    path = media_path(digest, content_type)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return StoredImage(digest, content_type, len(data), width, height)
