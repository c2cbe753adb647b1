"""A QR code as a Kivy texture: one texel per module, drawn without smoothing, so the
code stays sharp at any size the screen gives it (segno makes the matrix)."""

from __future__ import annotations

import segno
from kivy.graphics.texture import Texture

QUIET_ZONE = 4  # modules of white around the code, as the standard asks for scanning


def qr_texture(text: str) -> Texture:
    """The QR code of ``text`` (error correction M: a scratched screen still scans)."""
    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix]
    size = len(rows) + 2 * QUIET_ZONE
    # RGBA: four bytes a texel keep every row aligned, whatever the code's size.
    white, black = b"\xff\xff\xff\xff", b"\x00\x00\x00\xff"
    margin = white * QUIET_ZONE
    blank = white * size
    lines = [blank] * QUIET_ZONE
    for row in rows:
        lines.append(margin + b"".join(black if dark else white for dark in row) + margin)
    lines += [blank] * QUIET_ZONE
    # Kivy's textures start at the bottom row; a QR code is read from the top.
    buffer = b"".join(reversed(lines))
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.blit_buffer(buffer, colorfmt="rgba", bufferfmt="ubyte")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture
