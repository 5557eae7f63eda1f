"""Photos for Zalo's image upload: JPG/PNG of about 1 MB at most (shared/ZALO.md). Stored photos
may be 10 MB and WEBP or GIF, so every photo is re-encoded to a JPEG that fits: quality first,
then size, until it is under the limit."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

UPLOAD_LIMIT = 1_000_000  # bytes; Zalo says "about 1 MB": stay under the decimal megabyte
MAX_SIDE = 2048  # a phone screen shows no more; keeps the first try small
QUALITIES = (85, 75, 65, 55)


class PhotoNotSendable(ValueError):
    """The bytes are not an image Pillow can read."""


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and a GIF's palette or a PNG's transparency would turn black."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "P", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def to_zalo_jpeg(data: bytes, limit: int = UPLOAD_LIMIT) -> bytes:
    """A JPEG of `data` (any format Pillow reads; a GIF's first frame) no larger than `limit`."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.seek(0)
            img = _flatten(source)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoNotSendable("not an image") from exc
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    while True:
        for quality in QUALITIES:
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
            if buf.tell() <= limit:
                return buf.getvalue()
        if max(img.size) <= 64:
            return buf.getvalue()  # cannot happen for real photos; never loop forever
        img = img.resize((max(img.width * 3 // 4, 1), max(img.height * 3 // 4, 1)), Image.Resampling.LANCZOS)
