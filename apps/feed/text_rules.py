"""What a post or comment may say, and what is parsed out of it (hashtags, mentions)."""

from __future__ import annotations

import re
import unicodedata

from socialapp.errors import InvalidInputError

POST_MAX_LENGTH = 5_000
COMMENT_MAX_LENGTH = 2_000
HASHTAG_MAX_LENGTH = 100
MAX_MEDIA = 4

# `#tag`: word characters with at least one that is not a digit (`#1` is not a tag), not
# glued to a word before it (`a#b`), case-insensitive (stored lower-cased).
_HASHTAG = re.compile(r"(?<![\w#&])#(\w*[^\W\d]\w*)")
# `@username`: the users service's usernames (3 to 30 of A-Z a-z 0-9 _), not inside an
# e-mail address (`me@example.com` has a word character before the @).
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")


def check_text(text: str, *, field: str, max_length: int, what: str) -> str:
    """The text as stored: trimmed, 1 to `max_length` characters; line breaks and tabs allowed."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInputError(f"The {what} cannot be blank.", field=field, code="blank")
    if len(cleaned) > max_length:
        raise InvalidInputError(
            f"The {what} has at most {max_length:,} characters (got {len(cleaned):,}).", field=field, code="too_long"
        )
    # Control characters, and lone surrogates or NUL (JSON carries them; PostgreSQL cannot store them).
    if any(unicodedata.category(char) in {"Cc", "Cs"} and char not in "\n\t\r" for char in cleaned):
        raise InvalidInputError(
            f"The {what} cannot contain control characters.", field=field, code="invalid_characters"
        )
    return cleaned


def check_post_content(content: str) -> str:
    return check_text(content, field="content", max_length=POST_MAX_LENGTH, what="post")


def check_comment_content(content: str) -> str:
    return check_text(content, field="content", max_length=COMMENT_MAX_LENGTH, what="comment")


def parse_hashtags(text: str) -> list[str]:
    """The distinct hashtags of a text, lower-cased, in order of first appearance (too long ones are not tags)."""
    tags: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        tag = match.group(1).lower()
        if len(tag) <= HASHTAG_MAX_LENGTH:
            tags.setdefault(tag, None)
    return list(tags)


def parse_mentions(text: str) -> list[str]:
    """The distinct usernames mentioned, as first written, in order (case-insensitively distinct)."""
    seen: dict[str, str] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())


def normalise_hashtag(tag: str) -> str | None:
    """A tag as a client names it (`#Django`, `django`) in its stored form, or None if it is no tag."""
    candidate = tag.strip()
    candidate = candidate.removeprefix("#")
    if not candidate or len(candidate) > HASHTAG_MAX_LENGTH:
        return None
    found = parse_hashtags(f"#{candidate}")
    return found[0] if found == [candidate.lower()] else None
