"""BlurHash placeholders (https://blurha.sh): a short string a client paints while the image loads.

Computed once, when processing has rendered the variants, from the smallest one (a few hundred
pixels are plenty for 4x3 components), and stored with the media.
"""

from __future__ import annotations

from io import BytesIO

import blurhash  # type: ignore[import-untyped]  # the package ships no type hints
from PIL import Image

# Components across the longer side and the shorter one (Mastodon uses 4x3 too).
LONG_SIDE_COMPONENTS = 4
SHORT_SIDE_COMPONENTS = 3
# Encoding cost grows with pixels: shrink first (the hash keeps only low frequencies anyway).
ENCODE_WIDTH = 64


def blurhash_of(data: bytes) -> str:
    """The BlurHash of an encoded image's first frame (transparent parts over white)."""
    with Image.open(BytesIO(data)) as source:
        source.seek(0)
        image = source.convert("RGBA")
    image.thumbnail((ENCODE_WIDTH, ENCODE_WIDTH))
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    if flat.width >= flat.height:
        x, y = LONG_SIDE_COMPONENTS, SHORT_SIDE_COMPONENTS
    else:
        x, y = SHORT_SIDE_COMPONENTS, LONG_SIDE_COMPONENTS
    return str(blurhash.encode(flat, x, y))
