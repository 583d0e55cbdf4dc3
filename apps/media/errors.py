"""Domain errors of the media service, each with a stable code (the hierarchy is socialapp.errors).

Every refusal of an upload is an `ImageRefusedError`: the upload is not stored, and the client
gets the code and a message that says what to change.
"""

from __future__ import annotations

from socialapp.errors import ConflictError, InvalidInputError

ACCEPTED_FORMATS = "JPEG, PNG, WebP and GIF"


def human_bytes(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.3g} MB"
    if count >= 1024:
        return f"{count / 1024:.3g} KB"
    return f"{count} bytes"


class ImageRefusedError(InvalidInputError):
    """An upload that is not an image we accept. Nothing of it is kept."""

    http_status = 422

    def __init__(self, message: str, *, field: str | None = "file", code: str | None = None) -> None:
        super().__init__(message, field=field, code=code)


class FileRequiredError(ImageRefusedError):
    code = "required"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Attach the image as the `file` part of a multipart/form-data request.")


class FileTooLargeError(ImageRefusedError):
    code = "too_large"
    http_status = 413

    def __init__(self, limit: int) -> None:
        exact = f" ({limit} bytes)" if limit >= 1024 else ""
        super().__init__(f"The file is larger than the {human_bytes(limit)} limit{exact}.")


class EmptyFileError(ImageRefusedError):
    code = "empty"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The file is empty.")


class NotAnImageError(ImageRefusedError):
    code = "not_an_image"
    http_status = 415

    def __init__(self, what: str = "") -> None:
        found = f" (it looks like {what})" if what else ""
        super().__init__(f"The file is not an image{found}. Upload a {ACCEPTED_FORMATS} image.")


class UnsupportedFormatError(ImageRefusedError):
    code = "unsupported_format"
    http_status = 415

    def __init__(self, what: str, *, field: str = "file") -> None:
        super().__init__(f"{what} is not accepted. Upload a {ACCEPTED_FORMATS} image.", field=field)


class CorruptImageError(ImageRefusedError):
    code = "corrupt"

    def __init__(self, format_name: str) -> None:
        super().__init__(f"The file starts like a {format_name} image but cannot be decoded as one.")


class TruncatedImageError(ImageRefusedError):
    code = "truncated"

    def __init__(self, format_name: str) -> None:
        super().__init__(f"The {format_name} image is truncated: its end is missing. Upload the whole file.")


class TooManyPixelsError(ImageRefusedError):
    code = "too_many_pixels"

    def __init__(self, width: int, height: int, limit: int) -> None:
        super().__init__(
            f"The image is {width}x{height} pixels ({width * height:,}); at most {limit:,} pixels are accepted."
        )


class TooManyFramesError(ImageRefusedError):
    code = "too_many_frames"

    def __init__(self, frames: int, detail: str) -> None:
        super().__init__(f"The animation has {frames} frames; {detail}.")


class PolyglotError(ImageRefusedError):
    code = "polyglot"

    def __init__(self, what: str) -> None:
        super().__init__(f"The image also carries {what}. Upload a plain image.")


class DirectUploadUnavailableError(ConflictError):
    code = "direct_upload_unavailable"

    def __init__(self) -> None:
        super().__init__("Direct uploads need S3 storage, which this deployment does not use; use uploadImage.")


class InvalidUploadError(InvalidInputError):
    """An upload id that this service did not hand to this user (or that is malformed)."""

    code = "invalid_upload"

    def __init__(self, field: str = "upload_id") -> None:
        super().__init__("This upload id was not issued to you.", field=field)


class UploadExpiredError(InvalidInputError):
    code = "upload_expired"

    def __init__(self, field: str = "upload_id") -> None:
        super().__init__("This upload has expired; request a new one.", field=field)


class UploadMissingError(ConflictError):
    code = "upload_missing"

    def __init__(self, field: str = "upload_id") -> None:
        super().__init__("Nothing has been uploaded for this upload id yet: POST the file first.", field=field)


class AltTextTooLongError(InvalidInputError):
    code = "too_long"

    def __init__(self, length: int, limit: int, *, field: str = "alt_text") -> None:
        super().__init__(f"The alt text is {length:,} characters long; at most {limit:,} are accepted.", field=field)


class AltTextControlCharactersError(InvalidInputError):
    code = "control_characters"

    def __init__(self, *, field: str = "alt_text") -> None:
        super().__init__(
            "The alt text contains control characters; only printable text and line breaks are accepted.",
            field=field,
        )
