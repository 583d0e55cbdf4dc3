"""Alt text: the owner's description of an image, which screen readers speak instead of it.

Up to 1,500 characters (as Mastodon allows), trimmed; line breaks are kept, any other control
character (C0, DEL, C1) is refused rather than stripped, so what is stored is what was meant.
"""

from __future__ import annotations

import re

from apps.media.errors import AltTextControlCharactersError, AltTextTooLongError

MAX_LENGTH = 1500

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def check_alt_text(value: str, *, field: str = "alt_text") -> str:
    """The alt text to store, or a typed error; "" removes it."""
    cleaned = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(cleaned):
        raise AltTextControlCharactersError(field=field)
    if len(cleaned) > MAX_LENGTH:
        raise AltTextTooLongError(len(cleaned), MAX_LENGTH, field=field)
    return cleaned
