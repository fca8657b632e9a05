"""What a hostile browser can send as a drawing, for the tests of the Draw page.

Each payload is the ``data`` value of a streamlit-drawable-canvas state (the
canvas sends ``data:image/png;base64,...``), except ``drawing not a dict``,
which replaces the whole ``drawing``.
"""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

__all__ = [
    "PNG_URL",
    "bomb_png",
    "hostile_payloads",
    "png_url",
    "real_drawing",
    "rss_bytes",
]

PNG_URL = "data:image/png;base64,"


def png_url(png: bytes) -> str:
    """``png`` as the canvas would send it."""
    return PNG_URL + base64.b64encode(png).decode()


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def bomb_png(side: int = 12000) -> bytes:
    """A valid grey PNG of ``side`` x ``side`` black pixels: a few hundred kB
    that decode to ``side**2`` bytes (144 MB for 12,000)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then the row's pixels
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def _drawing_png() -> bytes:
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    canvas.paste((255, 255, 255, 255), (130, 40, 150, 240))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def hostile_payloads(*, huge: bool = True) -> dict[str, object]:
    """Name -> payload. ``huge`` adds a 26 MB message."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'
    payloads: dict[str, object] = {
        "random bytes": png_url(os.urandom(4096)),
        "svg": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "truncated png": png_url(_drawing_png()[:300]),
        "12000x12000 png": png_url(bomb_png()),
        "broken base64": PNG_URL + "!!!not base64!!!",
        "a number": 12345,
        "a list": ["data:image/png;base64,"],
        "drawing not a dict": "junk",
    }
    if huge:
        payloads["26 MB message"] = PNG_URL + "A" * 26_000_000
    return payloads


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process, from ``/proc/<pid>/statm``."""
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def real_drawing(digit: np.ndarray) -> str:
    """A 28x28 digit drawn big on the 280x280 black canvas, as the canvas sends it."""
    big = Image.fromarray(digit.reshape(28, 28).astype(np.uint8)).resize((180, 180))
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    canvas.paste(
        Image.merge("RGBA", [big, big, big, Image.new("L", big.size, 255)]), (60, 40)
    )
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return png_url(buffer.getvalue())
