"""Photos for Zalo's image upload: JPG/PNG of about 1 MB at most (shared/ZALO.md). Stored photos
may be 10 MB and WEBP or GIF, so every photo is re-encoded to a JPEG that fits: quality first,
then size, until it is under the limit."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

UPLOAD_LIMIT = 1_000_000  # bytes; Zalo says "about 1 MB": stay under the decimal megabyte
MAX_SIDE = 2048  # a phone screen shows no more; keeps the first try small
QUALITY, MIN_QUALITY = 85, 60
ORIENTATION = 0x0112  # the EXIF tag: a rotated JPEG is re-encoded upright


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
    """A JPEG of `data` (any format Pillow reads; a GIF's first frame) no larger than `limit`. A
    JPEG already under the limit is sent as it is. CPU-bound (up to a second or two for a large
    noisy photo): call it in a thread."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.format == "JPEG" and len(data) <= limit and source.getexif().get(ORIENTATION, 1) == 1:
                return data
            source.seek(0)
            if source.format == "JPEG":  # decode at a fraction of the size (DCT scaling): far faster
                source.draft("RGB", (MAX_SIDE, MAX_SIDE))
            img = _flatten(source)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoNotSendable("not an image") from exc
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    quality = QUALITY
    for _ in range(8):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        size = buf.tell()
        if size <= limit or max(img.size) <= 64:
            return buf.getvalue()
        ratio = limit / size
        if quality > MIN_QUALITY and ratio > 0.7:  # nearly there: a lower quality is enough
            quality = max(quality - 15, MIN_QUALITY)
            continue
        # Far off: scale the picture by the size it must lose (JPEG size ~ pixel count).
        scale = max(min((ratio ** 0.5) * 0.92, 0.9), 0.25)
        img = img.resize((max(int(img.width * scale), 1), max(int(img.height * scale), 1)),
                         Image.Resampling.LANCZOS)
    return buf.getvalue()
