"""Signed links to media on the local filesystem (the embedded default), served by this app.

`/media/<name>?expires=<unix time>&signature=<...>`: the signature (Django's signing, keyed by
SECRET_KEY, salted for this use) covers the name and the expiry, so a link cannot be pointed at
another file or extended. On S3 the bucket does the same with presigned URLs.
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlencode

from django.core import signing

_SIGNER = signing.Signer(salt="apps.media.links")
PREFIX = "/media/"


def _value(name: str, expires: int) -> str:
    return f"{name}\n{expires}"


def signed_path(name: str, *, expires: int) -> str:
    signature = _SIGNER.signature(_value(name, expires))
    return f"{PREFIX}{quote(name)}?{urlencode({'expires': expires, 'signature': signature})}"


class LinkRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_link(name: str, *, expires: str | None, signature: str | None, now: float | None = None) -> int:
    """The link's expiry if the signature is right and it has not passed; else LinkRefused."""
    if not expires or not signature or not expires.isdigit():
        raise LinkRefused("invalid_signature", "This media link is not signed.")
    try:
        _SIGNER.unsign(f"{_value(name, int(expires))}{_SIGNER.sep}{signature}")
    except signing.BadSignature:
        raise LinkRefused("invalid_signature", "This media link's signature is not valid.") from None
    if int(expires) <= (time.time() if now is None else now):
        raise LinkRefused("link_expired", "This media link has expired; ask for a new one.")
    return int(expires)
