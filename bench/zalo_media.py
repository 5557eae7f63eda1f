"""How long re-encoding a stored photo for Zalo's image upload takes, and what comes out: photos of
the sizes and types citizens send (a phone JPEG, a big WEBP, a PNG screenshot, a GIF), each
turned into a JPEG under Zalo's ~1 MB limit by bot/zalo/media.py.

    .venv/bin/python -m bench.zalo_media [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import os
import time
from typing import Any

from PIL import Image
from rich.console import Console
from rich.table import Table

from bot.zalo.media import UPLOAD_LIMIT, to_zalo_jpeg


def _photo(kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "phone JPEG 4000x3000":  # pure noise: the worst case for JPEG
        Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3)).save(buf, "JPEG", quality=92)
    elif kind == "WEBP 1800x1200 lossless":
        Image.frombytes("RGB", (1800, 1200), os.urandom(1800 * 1200 * 3)).save(buf, "WEBP", lossless=True)
    elif kind == "PNG screenshot 1080x2400":
        img = Image.new("RGB", (1080, 2400), (240, 240, 240))
        img.paste(Image.frombytes("RGB", (1080, 800), os.urandom(1080 * 800 * 3)), (0, 400))
        img.save(buf, "PNG")
    elif kind == "camera-like JPEG 4000x3000":  # smooth scene, little noise: what phones mostly send
        small = Image.frombytes("RGB", (40, 30), os.urandom(40 * 30 * 3)).resize((4000, 3000), Image.BILINEAR)
        small.save(buf, "JPEG", quality=92)
    else:  # GIF 800x600
        Image.frombytes("RGB", (800, 600), os.urandom(800 * 600 * 3)).convert("P").save(buf, "GIF")
    return buf.getvalue()


KINDS = ("camera-like JPEG 4000x3000", "phone JPEG 4000x3000", "WEBP 1800x1200 lossless",
         "PNG screenshot 1080x2400", "GIF 800x600")


def run(repeat: int = 3) -> dict[str, Any]:
    table = Table(title="Photos re-encoded for Zalo's upload (JPEG ≤ 1,000,000 bytes)", width=110)
    for column in ("photo", "stored bytes", "sent bytes", "ms (median)", "under limit"):
        table.add_column(column, justify="right" if column != "photo" else "left")
    figures: dict[str, Any] = {}
    for kind in KINDS:
        data = _photo(kind)
        times, out = [], b""
        for _ in range(repeat):
            start = time.perf_counter()
            out = to_zalo_jpeg(data)
            times.append((time.perf_counter() - start) * 1000)
        median = sorted(times)[len(times) // 2]
        figures[kind] = {"stored": len(data), "sent": len(out), "ms": round(median, 1)}
        table.add_row(kind, f"{len(data):,}", f"{len(out):,}", f"{median:.0f}",
                      "yes" if len(out) <= UPLOAD_LIMIT else "NO")
    Console(width=120).print(table)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    run(parser.parse_args().repeat)
