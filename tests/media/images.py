"""Image files for the tests, made with Pillow (and by hand where Pillow would refuse to)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image, PngImagePlugin

# What the tests look for in stored bytes: none of it may survive processing.
GPS_LATITUDE = (48.0, 51.0, 29.5)
GPS_LONGITUDE = (2.0, 17.0, 40.25)
CAMERA_MAKE = "LeakyCam Model 7"
SECRETS = (b"LeakyCam", b"Exif\x00\x00", b"secret-comment", b"secret-xmp")


def _picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A picture with detail (a gradient with a marked top-left corner), so orientation can be seen."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    corner = Image.new(mode, (max(1, width // 4), max(1, height // 4)), "red" if mode != "L" else 255)
    image.paste(corner, (0, 0))
    return image


def gps_exif(*, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.DateTime] = "2026:11:24 10:00:00"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: GPS_LONGITUDE,
    }
    return exif.tobytes()


XMP = b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>'


def jpeg(width: int = 1600, height: int = 1200, *, gps: bool = True, orientation: int | None = None) -> bytes:
    """A JPEG with GPS EXIF, a camera make, XMP and a comment (everything that must not leak)."""
    buffer = io.BytesIO()
    options: dict[str, object] = {"quality": 90, "comment": b"secret-comment", "xmp": XMP}
    if gps or orientation is not None:
        options["exif"] = gps_exif(orientation=orientation) if gps else _orientation_exif(orientation)
    _picture(width, height).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _orientation_exif(orientation: int | None) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return exif.tobytes()


def png(width: int = 640, height: int = 480, *, mode: str = "RGBA", gps: bool = True) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-comment")
    buffer = io.BytesIO()
    image = _picture(width, height, "RGB").convert(mode)
    if mode == "RGBA":  # transparent on the left, opaque on the right
        image.putalpha(Image.linear_gradient("L").rotate(90).resize((width, height)))
    image.save(buffer, "PNG", pnginfo=info, **({"exif": gps_exif()} if gps else {}))
    return buffer.getvalue()


def webp(width: int = 800, height: int = 600, *, lossless: bool = False, gps: bool = True) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {"lossless": lossless, "xmp": XMP}
    if gps:
        options["exif"] = gps_exif()
    _picture(width, height).save(buffer, "WEBP", **options)
    return buffer.getvalue()


def gif(width: int = 400, height: int = 300, *, frames: int = 1) -> bytes:
    """A GIF (animated with `frames` > 1, each frame a different colour) with a comment."""
    images = [Image.new("RGB", (width, height), (10 * i % 256, 80, 160)) for i in range(frames)]
    for index, image in enumerate(images):
        image.paste((255, 255, 255), (index % width, 0, index % width + 1, height))
    buffer = io.BytesIO()
    images[0].save(
        buffer, "GIF", save_all=frames > 1, append_images=images[1:], duration=80, loop=0, comment=b"secret-comment"
    )
    return buffer.getvalue()


# --- refused files -------------------------------------------------------------------------

SVG = (
    b'<?xml version="1.0"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def jpeg_with_zip_appended() -> bytes:
    """A JPEG that unzip also opens: the classic GIFAR/JPEG+ZIP polyglot."""
    return jpeg(gps=False) + zip_archive()


def jpeg_with_html_comment() -> bytes:
    """A JPEG whose comment segment is an HTML page (sniffed as HTML by old browsers)."""
    buffer = io.BytesIO()
    _picture(200, 100).save(buffer, "JPEG", comment=b"<html><body><script>alert(1)</script></body></html>")
    return buffer.getvalue()


def png_with_trailing_data() -> bytes:
    return png(gps=False) + b"<?php system($_GET['c']); ?>"


def gif_with_script_comment() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF", comment=b"*/=1;<script>alert(1)</script>/*")
    return buffer.getvalue()


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG whose header claims `width` x `height`: a decompression bomb's shape
    (its few bytes would inflate to width x height pixels)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG with its frame header rewritten to claim `width` x `height`."""
    data = bytearray(jpeg(64, 48, gps=False))
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in {0xC0, 0xC2})
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
