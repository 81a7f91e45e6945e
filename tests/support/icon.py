"""The theme's PNG icon, drawn from the favicon's shapes with the standard library alone.

Link previews (og:image) and home-screen icons want a raster image, and the favicon is an
SVG. This draws the same picture — a rounded blue page with three white lines — as an
anti-aliased RGBA PNG, byte for byte the same on every run, so a test can check that the
committed file is exactly what this code makes.
"""

from __future__ import annotations

import math
import struct
import zlib

SIZE = 512
UNIT = SIZE / 32  # the favicon's viewBox is 32 units wide
PAGE = (0x1A, 0x55, 0xA6)  # the favicon's fill
LINES = (0xFF, 0xFF, 0xFF)
# The favicon's shapes in its own units: the page (x, y, width, height, radius) and the
# three strokes (x1, x2, y), 2.5 units wide with round caps.
RECT = (3.0, 3.0, 26.0, 26.0, 6.0)
STROKES = ((9.0, 23.0, 11.0), (9.0, 23.0, 16.0), (9.0, 18.0, 21.0))
STROKE_WIDTH = 2.5


def _rounded_rect_distance(x: float, y: float) -> float:
    """Signed distance (units) from a point to the page's edge; negative inside."""
    left, top, width, height, radius = RECT
    cx, cy = left + width / 2, top + height / 2
    qx = abs(x - cx) - (width / 2 - radius)
    qy = abs(y - cy) - (height / 2 - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def _stroke_distance(x: float, y: float) -> float:
    """Signed distance (units) to the nearest of the three round-capped strokes."""
    best = math.inf
    for x1, x2, line_y in STROKES:
        nearest_x = min(max(x, x1), x2)
        best = min(best, math.hypot(x - nearest_x, y - line_y) - STROKE_WIDTH / 2)
    return best


def _coverage(distance_units: float) -> float:
    """How much of a pixel a shape covers, from the signed distance at the pixel's centre."""
    return min(max(0.5 - distance_units * UNIT, 0.0), 1.0)


def icon_pixels() -> bytes:
    """Raw RGBA rows of the icon, each led by PNG's filter byte 0."""
    rows = bytearray()
    for row in range(SIZE):
        rows.append(0)
        y = (row + 0.5) / UNIT
        for column in range(SIZE):
            x = (column + 0.5) / UNIT
            page = _coverage(_rounded_rect_distance(x, y))
            if page == 0.0:
                rows += b"\0\0\0\0"
                continue
            line = _coverage(_stroke_distance(x, y))
            colour = (round(p + (q - p) * line) for p, q in zip(PAGE, LINES, strict=True))
            rows += bytes((*colour, round(255 * page)))
    return bytes(rows)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def icon_png() -> bytes:
    """The icon as a PNG file: 512×512, 8-bit RGBA, no metadata (so no dates)."""
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(icon_pixels(), 9))
        + _chunk(b"IEND", b"")
    )
