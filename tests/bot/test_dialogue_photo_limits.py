"""A decompression bomb sent by chat (issue 17 item 8) gets a polite reply, and the chat goes on."""

from __future__ import annotations

import struct
import zlib

from chatkit import LITTER


def _bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


async def test_a_gigapixel_image_gets_a_polite_reply_and_the_report_goes_on(chat):
    await chat.send(LITTER)
    reply = await chat.says(photos=[_bomb()])
    assert "Ảnh quá lớn" in reply and "gửi ảnh nhỏ hơn" in reply
    assert "sự cố" not in reply
