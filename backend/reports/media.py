"""Photos: type checked by content (not by name), limited in bytes and in pixels (a small file
can decode to gigabytes: a "decompression bomb" is refused before it is decoded), stored once by
sha256, with a downscaled copy for display when the original is large."""

from __future__ import annotations

import hashlib
import io
import warnings
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


def display_path(sha256: str) -> Path:
    """The downscaled copy shown on pages (JPEG, longest side PHOTO_DISPLAY_MAX_SIDE), when made."""
    return get_settings().media_dir / sha256[:2] / f"{sha256}.display.jpg"


def _too_many_pixels(limit: int, size: tuple[int, int] | None = None) -> ValidationFailed:
    dims = f"{size[0]}×{size[1]} điểm ảnh, " if size else ""
    return ValidationFailed(f"Ảnh quá lớn ({dims}tối đa {limit / 1_000_000:g} triệu điểm ảnh). "
                            "Vui lòng gửi ảnh nhỏ hơn.", field="photo")


def inspect(data: bytes) -> tuple[str, int, int]:
    settings = get_settings()
    limit = settings.photo_max_bytes
    if not data:
        raise ValidationFailed("Ảnh rỗng", field="photo")
    if len(data) > limit:
        raise ValidationFailed(
            f"Ảnh quá lớn (tối đa {limit // (1024 * 1024)} MB)",
            field="photo",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is checked below
            img = Image.open(io.BytesIO(data))  # reads the header only: nothing decoded yet
        with img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > settings.photo_max_pixels:
                raise _too_many_pixels(settings.photo_max_pixels, (width, height))
            img.verify()
    except Image.DecompressionBombError as exc:  # Pillow's own guard, past twice its limit
        raise _too_many_pixels(settings.photo_max_pixels) from exc
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
    side = get_settings().photo_display_max_side
    if max(width, height) > side and not display_path(digest).exists():
        _write_display_copy(data, display_path(digest), side)
    return StoredImage(digest, content_type, len(data), width, height)


def _write_display_copy(data: bytes, path: Path, side: int) -> None:
    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((side, side))  # JPEG: decoded at a reduced scale (draft), not in full
        copy = img.convert("RGB")
    tmp = path.with_suffix(".tmp")
    copy.save(tmp, format="JPEG", quality=85, optimize=True)
    tmp.replace(path)
