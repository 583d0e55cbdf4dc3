"""Validating an upload by its content: the checks run before anything is stored.

In order, each cheaper than the next and each refusing with its own error: not empty; an
accepted format by its leading bytes; a whole container with nothing else in it; within the
pixel and frame limits, read from the headers before a single pixel is decoded; then Pillow
opens, verifies and decodes every frame.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

from apps.media import config
from apps.media.errors import (
    CorruptImageError,
    EmptyFileError,
    TooManyFramesError,
    TooManyPixelsError,
    TruncatedImageError,
)
from apps.media.imaging.formats import JPEG, ImageFormat, Structure, check_not_polyglot, sniff, walk

# Pillow's own defaults, asserted rather than assumed: a truncated image must fail to load.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# EXIF orientations that turn the image a quarter: width and height swap when applied.
_QUARTER_TURNS = {5, 6, 7, 8}


@dataclass(frozen=True)
class ImageFacts:
    """What validation learnt: the format and the size the image is shown at (orientation applied)."""

    format: ImageFormat
    width: int
    height: int
    frames: int
    lossless: bool


def inspect_image(data: bytes) -> ImageFacts:
    """The facts of an acceptable image, or the ImageRefusedError that says why it is not."""
    if not data:
        raise EmptyFileError
    fmt = sniff(data)
    structure = walk(data, fmt)
    check_not_polyglot(data, fmt, structure)
    check_limits(structure.width, structure.height, structure.frames)
    with pillow_errors(fmt, structure):
        orientation, size = _decode_all(data, fmt, structure)
    width, height = size
    check_limits(width, height, structure.frames)
    if orientation in _QUARTER_TURNS:
        width, height = height, width
    return ImageFacts(format=fmt, width=width, height=height, frames=structure.frames, lossless=structure.lossless)


def check_limits(width: int, height: int, frames: int) -> None:
    if width * height > config.max_pixels():
        raise TooManyPixelsError(width, height, config.max_pixels())
    if frames > config.max_frames():
        raise TooManyFramesError(frames, f"at most {config.max_frames()} are accepted")
    if frames > 1 and width * height * frames > config.max_animation_pixels():
        raise TooManyFramesError(
            frames, f"at {width}x{height} that is more than {config.max_animation_pixels():,} pixels in all"
        )


def _decode_all(data: bytes, fmt: ImageFormat, structure: Structure) -> tuple[int, tuple[int, int]]:
    with Image.open(BytesIO(data), formats=[fmt.pillow]) as image:
        if image.format != fmt.pillow:
            raise CorruptImageError(fmt.name)
        image.verify()  # PNG: every chunk's CRC
    with Image.open(BytesIO(data), formats=[fmt.pillow]) as image:
        size = image.size
        check_limits(*size, structure.frames)
        orientation = exif_orientation(image)
        if fmt is JPEG:
            # Entropy decoding covers the whole file at any scale; at 1/8 it skips most of the cost.
            image.draft(image.mode, (max(1, size[0] // 8), max(1, size[1] // 8)))
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            image.load()
    return orientation, size


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8); 1 when absent or nonsense."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, ValueError, SyntaxError, struct.error):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


@contextmanager
def pillow_errors(fmt: ImageFormat, structure: Structure) -> Iterator[None]:
    """Pillow's many ways of saying "not decodable" as our errors."""
    try:
        yield
    except Image.DecompressionBombError:
        raise TooManyPixelsError(structure.width, structure.height, config.max_pixels()) from None
    except (UnidentifiedImageError, SyntaxError, struct.error, zlib.error, EOFError, ValueError) as error:
        raise CorruptImageError(fmt.name) from error
    except OSError as error:
        if "truncated" in str(error).lower():
            raise TruncatedImageError(fmt.name) from error
        raise CorruptImageError(fmt.name) from error
