"""What a post may say, and the hashtags and mentions read out of it."""

from __future__ import annotations

import pytest

from apps.feed.text_rules import check_post_content, normalise_hashtag, parse_hashtags, parse_mentions
from socialapp.errors import InvalidInputError


def test_content_is_trimmed_and_keeps_line_breaks() -> None:
    assert check_post_content("  hello\n\tworld  ") == "hello\n\tworld"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        ("", "blank", "The post cannot be blank."),
        (" \n\t ", "blank", "The post cannot be blank."),
        ("x" * 5001, "too_long", "The post has at most 5,000 characters (got 5,001)."),
        ("bell \x07", "invalid_characters", "The post cannot contain control characters."),
        ("nul \x00", "invalid_characters", "The post cannot contain control characters."),
        ("lone \ud800", "invalid_characters", "The post cannot contain control characters."),
    ],
)
def test_bad_content_is_a_typed_error(content: str, code: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        check_post_content(content)

    assert error.value.as_dict() == {"field": "content", "code": code, "message": message}


def test_five_thousand_characters_after_trimming_are_fine() -> None:
    assert len(check_post_content(" " + "x" * 5000 + " ")) == 5000


def test_hashtags_are_lower_cased_distinct_and_in_order() -> None:
    text = "#Django and #python, again #DJANGO; #café #1 a#b (#tag_2) &#39; ##double #" + "x" * 101
    assert parse_hashtags(text) == ["django", "python", "café", "tag_2"]


def test_mentions_are_usernames_not_email_addresses() -> None:
    text = "hi @Alice and @bob_1, mail me@example.com, @al (too short) @alice again @" + "x" * 31
    assert parse_mentions(text) == ["Alice", "bob_1"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("#Django", "django"), ("django", "django"), (" PyThOn ", "python"), ("#", None), ("123", None), ("a b", None)],
)
def test_a_tag_argument_is_normalised_or_refused(given: str, expected: str | None) -> None:
    assert normalise_hashtag(given) == expected
