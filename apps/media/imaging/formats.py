"""What a file is, read from its bytes (never from its name or declared type), and whether it is
whole and nothing but an image.

`sniff` names the format from the leading bytes. `walk` follows the container structure of the
four accepted formats to its end: a missing end is truncation; bytes after it, or markup and
archive signatures inside metadata (comments, EXIF, XMP, text chunks), make a polyglot, a file
that another program would open as something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apps.media.errors import (
    CorruptImageError,
    NotAnImageError,
    PolyglotError,
    TruncatedImageError,
    UnsupportedFormatError,
)


@dataclass(frozen=True)
class ImageFormat:
    name: str  # what messages say
    pillow: str  # Pillow's format id
    content_type: str
    extension: str


JPEG = ImageFormat("JPEG", "JPEG", "image/jpeg", "jpg")
PNG = ImageFormat("PNG", "PNG", "image/png", "png")
WEBP = ImageFormat("WebP", "WEBP", "image/webp", "webp")
GIF = ImageFormat("GIF", "GIF", "image/gif", "gif")
ACCEPTED: tuple[ImageFormat, ...] = (JPEG, PNG, WEBP, GIF)
BY_CONTENT_TYPE = {fmt.content_type: fmt for fmt in ACCEPTED}

# Image formats we recognise and refuse, by leading bytes.
_REFUSED_IMAGES: tuple[tuple[bytes, int, str], ...] = (
    (b"BM", 0, "A BMP image"),
    (b"II*\x00", 0, "A TIFF image"),
    (b"MM\x00*", 0, "A TIFF image"),
    (b"\x00\x00\x01\x00", 0, "An ICO image"),
    (b"8BPS", 0, "A Photoshop document"),
    (b"\xff\x0a", 0, "A JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", 0, "A JPEG XL image"),
    (b"\x00\x00\x00\x0cjP  ", 0, "A JPEG 2000 image"),
    (b"ftypheic", 4, "A HEIC image"),
    (b"ftypheix", 4, "A HEIC image"),
    (b"ftypmif1", 4, "A HEIF image"),
    (b"ftypavif", 4, "An AVIF image"),
)
# Other files people upload by mistake (or on purpose), by leading bytes.
_OTHER_FILES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
)
_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<(\?xml|svg|!doctype|html|head|body|script|!--)", re.IGNORECASE)
_SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)


def sniff(data: bytes) -> ImageFormat:
    """The accepted format `data` is in, or the refusal that names what it is instead."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    for signature, offset, what in _REFUSED_IMAGES:
        if data[offset : offset + len(signature)] == signature:
            raise UnsupportedFormatError(what)
    head = data[:4096]
    markup = _MARKUP.match(head)
    if markup is not None:
        if _SVG.search(head):
            raise UnsupportedFormatError("An SVG image (it can carry scripts)")
        raise NotAnImageError("an HTML or XML document")
    for signature, what in _OTHER_FILES:
        if data.startswith(signature):
            raise NotAnImageError(what)
    raise NotAnImageError()


@dataclass
class Structure:
    """What the container says before anything is decoded: the size of the canvas (the largest
    frame's extent for GIF), the number of frames, where the image ends, and the byte ranges
    that hold metadata rather than pixels."""

    width: int = 0
    height: int = 0
    frames: int = 1
    lossless: bool = False  # WebP: VP8L (kept lossless when re-encoded)
    end: int = 0
    metadata: list[tuple[int, int]] = field(default_factory=list)


def walk(data: bytes, fmt: ImageFormat) -> Structure:
    """Follow the container to its end. Raises TruncatedImageError or CorruptImageError."""
    walker = {JPEG.name: _walk_jpeg, PNG.name: _walk_png, GIF.name: _walk_gif, WEBP.name: _walk_webp}[fmt.name]
    try:
        return walker(data)
    except _Truncated:
        raise TruncatedImageError(fmt.name) from None
    except _Corrupt:
        raise CorruptImageError(fmt.name) from None


# Inside metadata or after the image: what makes a browser, a PDF reader or an unzipper take
# the file for something else.
_POLYGLOT_MARKERS = re.compile(
    rb"<script|<html|<body|<iframe|<object|<embed|<svg[\s>/]|<!doctype|<\?php|javascript:", re.IGNORECASE
)
_POLYGLOT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"%PDF-", "a PDF document"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)


def check_not_polyglot(data: bytes, fmt: ImageFormat, structure: Structure) -> None:
    """Refuse anything after the image but zero padding (JPEG may carry more JPEGs or a video,
    as cameras write them), and markup or archives in metadata or after the end."""
    trailing = data[structure.end :]
    if trailing.strip(b"\x00") and fmt is not JPEG:
        raise PolyglotError(f"{len(trailing)} bytes of other data after the end of the {fmt.name} image")
    regions = [data[start:end] for start, end in [*structure.metadata, (structure.end, len(data))]]
    for signature, what in _POLYGLOT_SIGNATURES:
        if any(signature in region for region in regions):
            raise PolyglotError(what)
    if any(_POLYGLOT_MARKERS.search(region) for region in regions):
        raise PolyglotError("HTML or script markup")


class _Truncated(Exception):
    pass


class _Corrupt(Exception):
    pass


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise _Truncated


def _walk_png(data: bytes) -> Structure:
    structure = Structure()
    _need(data, 24)
    if data[12:16] != b"IHDR":
        raise _Corrupt
    structure.width, structure.height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    pos = 8
    while True:
        _need(data, pos + 8)
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        _need(data, end)
        if kind == b"acTL" and length >= 4:  # animated PNG
            structure.frames = max(1, int.from_bytes(data[pos + 8 : pos + 12], "big"))
        if kind not in {b"IDAT", b"fdAT", b"IEND"}:
            structure.metadata.append((pos + 8, pos + 8 + length))
        pos = end
        if kind == b"IEND":
            structure.end = pos
            return structure


def _skip_gif_sub_blocks(data: bytes, pos: int) -> int:
    while True:
        _need(data, pos + 1)
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _gif_color_table(flags: int) -> int:
    return 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0


def _walk_gif(data: bytes) -> Structure:
    structure = Structure(frames=0)
    _need(data, 13)
    structure.width, structure.height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    pos = 13 + _gif_color_table(data[10])
    while True:
        _need(data, pos + 1)
        block = data[pos]
        if block == 0x3B:  # trailer
            if structure.frames == 0:
                raise _Corrupt
            structure.end = pos + 1
            return structure
        if block == 0x21:  # extension: label, then sub-blocks
            _need(data, pos + 2)
            start = pos + 2
            pos = _skip_gif_sub_blocks(data, start)
            if data[start - 1] != 0xF9:  # anything but graphic control: comments, application data
                structure.metadata.append((start, pos))
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, data
            _need(data, pos + 10)
            left, top, width, height = (int.from_bytes(data[i : i + 2], "little") for i in range(pos + 1, pos + 9, 2))
            # Pillow grows the canvas to hold a frame that does not fit the logical screen.
            structure.width, structure.height = max(structure.width, left + width), max(structure.height, top + height)
            structure.frames += 1
            pos += 10 + _gif_color_table(data[pos + 9]) + 1
            pos = _skip_gif_sub_blocks(data, pos)
        else:
            raise _Corrupt


def _walk_webp(data: bytes) -> Structure:
    structure = Structure()
    _need(data, 12)
    end = 8 + int.from_bytes(data[4:8], "little")
    _need(data, end)
    pos = 12
    while pos < end:
        _need(data, pos + 8)
        kind = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        chunk_end = pos + 8 + size
        _need(data, chunk_end)
        _webp_facts(structure, kind, data[pos + 8 : chunk_end])
        if kind not in {b"VP8 ", b"VP8L", b"ANMF", b"ALPH"}:
            structure.metadata.append((pos + 8, chunk_end))
        pos = chunk_end + (size & 1)  # chunks are padded to an even size
    if not structure.width:
        raise _Corrupt
    structure.frames = max(structure.frames, 1)
    structure.end = end
    return structure


def _webp_facts(structure: Structure, kind: bytes, chunk: bytes) -> None:
    if kind == b"VP8X" and len(chunk) >= 10:
        structure.width = 1 + int.from_bytes(chunk[4:7], "little")
        structure.height = 1 + int.from_bytes(chunk[7:10], "little")
        structure.frames = 0
    elif kind == b"ANMF":
        structure.frames += 1
        if chunk[16:20] == b"VP8L":
            structure.lossless = True
    elif kind == b"VP8L" and len(chunk) >= 5:
        structure.lossless = True
        if not structure.width:
            bits = int.from_bytes(chunk[1:5], "little")
            structure.width, structure.height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif kind == b"VP8 " and len(chunk) >= 10 and not structure.width:
        structure.width = int.from_bytes(chunk[6:8], "little") & 0x3FFF
        structure.height = int.from_bytes(chunk[8:10], "little") & 0x3FFF


_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_JPEG_FRAME_HEADERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOFn (not DHT, JPG, DAC)


def _walk_jpeg(data: bytes) -> Structure:
    structure = Structure()
    pos = _walk_one_jpeg(data, 0, structure)
    if not structure.width:
        raise _Corrupt
    # Cameras append further JPEGs (MPF: previews, depth and gain maps) after the first.
    while True:
        padded = pos
        while padded < len(data) and data[padded] == 0:
            padded += 1
        if not data.startswith(b"\xff\xd8\xff", padded):
            break
        pos = _walk_one_jpeg(data, padded, structure)
    structure.end = pos
    return structure


def _walk_one_jpeg(data: bytes, pos: int, structure: Structure) -> int:
    pos += 2  # SOI
    while True:
        _need(data, pos + 2)
        if data[pos] != 0xFF:
            raise _Corrupt
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return pos + 2
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        _need(data, pos + 4)
        segment_end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        _need(data, segment_end)
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn (EXIF, XMP, ICC, ...) and comments
            structure.metadata.append((pos + 4, segment_end))
        elif marker in _JPEG_FRAME_HEADERS and not structure.width and segment_end - pos >= 9:
            structure.height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            structure.width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            if not structure.width or not structure.height:
                raise _Corrupt
        pos = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            pos = _end_of_scan(data, pos)


def _end_of_scan(data: bytes, pos: int) -> int:
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise _Truncated
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos = found + 1  # stuffed byte, restart marker, or fill before a marker
            continue
        return found
