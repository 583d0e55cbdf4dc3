"""Validation by content and rendering, without storage or database: what is accepted, what is
refused (with which error), and what the stored renditions keep and lose."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image
from PIL.ImageFile import ImageFile
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.errors import ImageRefusedError
from apps.media.imaging.inspect import ImageFacts, inspect_image
from apps.media.imaging.render import render_variants
from tests.media import images


def refusal(data: bytes) -> tuple[str, str | None, str]:
    with pytest.raises(ImageRefusedError) as caught:
        inspect_image(data)
    return caught.value.code, caught.value.field, caught.value.message


# --- accepted ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "size", "frames"),
    [
        (images.jpeg(1600, 1200), "image/jpeg", (1600, 1200), 1),
        (images.png(640, 480), "image/png", (640, 480), 1),
        (images.webp(800, 600), "image/webp", (800, 600), 1),
        (images.webp(300, 200, lossless=True), "image/webp", (300, 200), 1),
        (images.gif(400, 300), "image/gif", (400, 300), 1),
        (images.gif(120, 90, frames=6), "image/gif", (120, 90), 6),
    ],
    ids=["jpeg", "png", "webp", "webp-lossless", "gif", "gif-animated"],
)
def test_each_accepted_format_is_recognised_by_content(
    data: bytes, content_type: str, size: tuple[int, int], frames: int
) -> None:
    facts = inspect_image(data)

    assert (facts.format.content_type, (facts.width, facts.height), facts.frames) == (content_type, size, frames)


def test_the_size_reported_is_the_displayed_one_with_the_exif_orientation_applied() -> None:
    facts = inspect_image(images.jpeg(1600, 1200, gps=False, orientation=6))  # rotated a quarter

    assert (facts.width, facts.height) == (1200, 1600)


# --- refused -------------------------------------------------------------------------------

ACCEPTED = "Upload a JPEG, PNG, WebP and GIF image."


def not_an_image(looks_like: str = "") -> tuple[str, str, str]:
    found = f" (it looks like {looks_like})" if looks_like else ""
    return ("not_an_image", "file", f"The file is not an image{found}. {ACCEPTED}")


def unsupported(what: str) -> tuple[str, str, str]:
    return ("unsupported_format", "file", f"{what} is not accepted. {ACCEPTED}")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ("empty", "file", "The file is empty.")),
        (images.SVG, unsupported("An SVG image (it can carry scripts)")),
        (images.HTML, not_an_image("an HTML or XML document")),
        (images.PDF, not_an_image("a PDF document")),
        (images.zip_archive(), not_an_image("a ZIP archive")),
        (b"hello, I am plain text", not_an_image()),
        (b"BM" + b"\x00" * 60, unsupported("A BMP image")),
        (b"II*\x00" + b"\x00" * 60, unsupported("A TIFF image")),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, unsupported("A HEIC image")),
    ],
    ids=["empty", "svg", "html", "pdf", "zip", "text", "bmp", "tiff", "heic"],
)
def test_files_that_are_not_accepted_images_are_refused_by_what_they_are(
    data: bytes, expected: tuple[str, str, str]
) -> None:
    assert refusal(data) == expected


def test_an_image_named_and_typed_as_another_is_judged_by_its_bytes() -> None:
    """Nothing but the bytes is looked at: an SVG is an SVG whatever it claims to be."""
    assert refusal(b"\n  " + images.SVG)[0] == "unsupported_format"
    assert inspect_image(images.png(gps=False)).format.content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (images.jpeg_with_zip_appended(), "The image also carries a ZIP archive. Upload a plain image."),
        (images.jpeg_with_html_comment(), "The image also carries HTML or script markup. Upload a plain image."),
        (images.gif_with_script_comment(), "The image also carries HTML or script markup. Upload a plain image."),
        (
            images.png_with_trailing_data(),
            "The image also carries 28 bytes of other data after the end of the PNG image. Upload a plain image.",
        ),
    ],
    ids=["jpeg+zip", "jpeg-html-comment", "gif-script-comment", "png-trailing-php"],
)
def test_polyglots_are_refused(data: bytes, message: str) -> None:
    assert refusal(data) == ("polyglot", "file", message)


def test_jpeg_may_carry_further_jpegs_after_its_end_as_cameras_write_them() -> None:
    """MPF: phones append previews and depth or gain maps; refusing them would refuse their photos."""
    data = images.jpeg(320, 240, gps=False) + images.jpeg(64, 48, gps=False)

    assert inspect_image(data).width == 320


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (images.truncated(images.jpeg()), "The JPEG image is truncated: its end is missing. Upload the whole file."),
        (images.truncated(images.png()), "The PNG image is truncated: its end is missing. Upload the whole file."),
        (images.png(gps=False)[:-12], "The PNG image is truncated: its end is missing. Upload the whole file."),
        (images.truncated(images.webp()), "The WebP image is truncated: its end is missing. Upload the whole file."),
        (images.gif(frames=3)[:-1], "The GIF image is truncated: its end is missing. Upload the whole file."),
    ],
    ids=["jpeg-half", "png-half", "png-without-iend", "webp-half", "gif-without-trailer"],
)
def test_truncated_images_are_refused(data: bytes, message: str) -> None:
    assert refusal(data) == ("truncated", "file", message)


def test_an_image_whose_data_is_garbage_is_corrupt() -> None:
    data = bytearray(images.png(64, 64, gps=False))
    idat = data.index(b"IDAT")
    data[idat + 4 : idat + 40] = b"\xff" * 36  # scrambled pixels (and a wrong CRC)

    assert refusal(bytes(data)) == (
        "corrupt",
        "file",
        "The file starts like a PNG image but cannot be decoded as one.",
    )


def test_decompression_bombs_are_refused_from_their_headers_before_any_pixel_is_decoded() -> None:
    """A few hundred bytes claiming 30000 x 30000 pixels would take 900 MB to decode."""
    assert refusal(images.png_claiming(30000, 30000)) == (
        "too_many_pixels",
        "file",
        "The image is 30000x30000 pixels (900,000,000); at most 40,000,000 pixels are accepted.",
    )
    assert refusal(images.jpeg_claiming(60000, 60000))[0] == "too_many_pixels"


def test_the_pixel_limit_is_a_setting(settings: SettingsWrapper) -> None:
    settings.MEDIA_MAX_PIXELS = 100 * 100

    assert refusal(images.png(101, 100, gps=False))[2] == (
        "The image is 101x100 pixels (10,100); at most 10,000 pixels are accepted."
    )
    assert inspect_image(images.png(100, 100, gps=False)).width == 100


def test_animations_are_limited_in_frames_and_in_pixels_over_all_frames(settings: SettingsWrapper) -> None:
    settings.MEDIA_MAX_FRAMES = 5
    assert refusal(images.gif(20, 20, frames=6)) == (
        "too_many_frames",
        "file",
        "The animation has 6 frames; at most 5 are accepted.",
    )
    settings.MEDIA_MAX_FRAMES = 300
    settings.MEDIA_MAX_ANIMATION_PIXELS = 100 * 100 * 4
    assert refusal(images.gif(100, 100, frames=5))[2] == (
        "The animation has 5 frames; at 100x100 that is more than 40,000 pixels in all."
    )


# --- rendering -----------------------------------------------------------------------------


def render(data: bytes, **options: str) -> dict[str, tuple[str, int, int, ImageFile, bytes]]:
    facts: ImageFacts = inspect_image(data)
    out = {}
    for variant in render_variants(data, facts, **options):
        image = Image.open(io.BytesIO(variant.data))
        out[variant.size] = (variant.format.content_type, variant.width, variant.height, image, variant.data)
    return out


@pytest.mark.parametrize(
    "data",
    [images.jpeg(), images.png(), images.webp(), images.webp(lossless=True), images.gif(frames=3)],
    ids=["jpeg", "png", "webp", "webp-lossless", "gif"],
)
def test_no_rendition_keeps_exif_gps_xmp_or_comments(data: bytes) -> None:
    for _content_type, _width, _height, image, raw in render(data).values():
        exif = image.getexif()
        assert dict(exif) == {}
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "xmp", "comment", "Comment", "XML:com.adobe.xmp"} & set(image.info)
        assert not [secret for secret in images.SECRETS if secret in raw]


def test_renditions_are_the_original_and_thumbnails_320_and_1080_wide_in_webp() -> None:
    variants = render(images.jpeg(4000, 3000))

    assert {size: variant[:3] for size, variant in variants.items()} == {
        "original": ("image/jpeg", 4000, 3000),
        "large": ("image/webp", 1080, 810),
        "small": ("image/webp", 320, 240),
    }


def test_thumbnails_can_be_jpeg_and_are_never_enlarged() -> None:
    variants = render(images.png(500, 250, mode="RGBA"), thumbnail_format="jpeg")

    assert {size: variant[:3] for size, variant in variants.items()} == {
        "original": ("image/png", 500, 250),
        "large": ("image/jpeg", 500, 250),
        "small": ("image/jpeg", 320, 160),
    }


def test_the_orientation_is_applied_to_the_pixels() -> None:
    """EXIF orientation 6: the camera was turned; the stored pixels are upright and say so by their size."""
    variants = render(images.jpeg(1600, 1200, gps=False, orientation=6))

    original = variants["original"][3]
    assert original.size == (1200, 1600)
    # The marked top-left corner of the sensor image ends up top-right once rotated.
    red, green, blue = original.convert("RGB").getpixel((1200 - 10, 10))  # type: ignore[misc]
    assert (red > 200, green < 80, blue < 80) == (True, True, True)
    assert variants["small"][1:3] == (320, 427)


def test_transparency_is_kept_in_png_and_webp_renditions() -> None:
    data = images.png(400, 200, mode="RGBA", gps=False)

    for _content_type, _width, _height, image, _raw in render(data).values():
        assert image.mode == "RGBA"


def test_animations_keep_their_frames_and_timing_in_every_rendition() -> None:
    variants = render(images.gif(400, 300, frames=4))

    for content_type, _width, _height, image, _raw in variants.values():
        assert getattr(image, "n_frames", 1) == 4, content_type
        image.seek(1)
        image.load()
        assert image.info.get("duration") == 80, content_type
    assert variants["original"][0] == "image/gif"
