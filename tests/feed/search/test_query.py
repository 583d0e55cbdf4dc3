"""What a search query may say: the accepted grammar, parsed into terms, and a typed error on
`query` for everything else (no operator reaches tsquery or Elasticsearch)."""

from __future__ import annotations

import pytest

from apps.feed.search.query import ALLOWED, SearchTerm, TermKind, parse_search_query
from socialapp.errors import InvalidInputError

WORD, PHRASE, HASHTAG, MENTION = TermKind.WORD, TermKind.PHRASE, TermKind.HASHTAG, TermKind.MENTION


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("django", [(WORD, "django", False)]),
        ("  Django   tips  ", [(WORD, "Django", False), (WORD, "tips", False)]),
        (
            "python 3.12 e-mail don't",
            [(WORD, "python", False), (WORD, "3.12", False), (WORD, "e-mail", False), (WORD, "don't", False)],
        ),
        ("hello, world? yes.", [(WORD, "hello", False), (WORD, "world", False), (WORD, "yes", False)]),
        ("#Django #über", [(HASHTAG, "django", False), (HASHTAG, "über", False)]),
        ("#2024 recap", [(WORD, "2024", False), (WORD, "recap", False)]),  # a tag needs a letter
        ("@alice_b said", [(MENTION, "alice_b", False), (WORD, "said", False)]),
        ('"big cats" zoo', [(PHRASE, "big cats", False), (WORD, "zoo", False)]),
        ('"  big,   cats "', [(PHRASE, "big cats", False)]),
        ("cats -dogs", [(WORD, "cats", False), (WORD, "dogs", True)]),
        (
            'cats -"big dogs" -#pets -@bob',
            [(WORD, "cats", False), (PHRASE, "big dogs", True), (HASHTAG, "pets", True), (MENTION, "bob", True)],
        ),
        ("cats or dogs", [(WORD, "cats", False), (WORD, "or", False), (WORD, "dogs", False)]),
        ("café naïve 東京", [(WORD, "café", False), (WORD, "naïve", False), (WORD, "東京", False)]),
        ("DROP TABLE posts", [(WORD, "DROP", False), (WORD, "TABLE", False), (WORD, "posts", False)]),
        ("a" * 200, [(WORD, "a" * 200, False)]),
    ],
)
def test_accepted_queries_and_their_terms(query: str, terms: list[tuple[TermKind, str, bool]]) -> None:
    parsed = parse_search_query(query)

    assert parsed.terms == tuple(SearchTerm(kind, text, excluded) for kind, text, excluded in terms)
    assert parsed.text == query.strip()


@pytest.mark.parametrize(
    ("query", "code", "reason"),
    [
        ("", "blank", "The search query cannot be blank."),
        (" \t\n ", "blank", "The search query cannot be blank."),
        ("a" * 201, "too_long", "The search query has at most 200 characters (got 201)."),
        ("cats & dogs", "invalid_query", 'The search query cannot contain "&".'),
        ("cats | dogs", "invalid_query", 'The search query cannot contain "|".'),
        ("!cats", "invalid_query", 'The search query cannot contain "!".'),
        ("title:cats", "invalid_query", 'The search query cannot contain ":".'),
        ("cat*", "invalid_query", 'The search query cannot contain "*".'),
        ("(cats)", "invalid_query", 'The search query cannot contain "(".'),
        ("cats <-> dogs", "invalid_query", 'The search query cannot contain "<".'),
        ("a > b", "invalid_query", 'The search query cannot contain ">".'),
        ("x'; DROP TABLE posts;", "invalid_query", 'The search query cannot contain ";".'),
        ("cats -- comment", "invalid_query", 'The search query cannot contain "--".'),
        ("--cats", "invalid_query", 'The search query cannot contain "--".'),
        ("50%", "invalid_query", 'The search query cannot contain "%".'),
        ("a/b", "invalid_query", 'The search query cannot contain "/".'),
        ("x = 1", "invalid_query", 'The search query cannot contain "=".'),
        ("😀 party", "invalid_query", "The search query cannot contain the character U+1F600."),
        ("nul\x00byte", "invalid_query", "The search query cannot contain the character U+0000."),
        ("zero\u200bwidth", "invalid_query", "The search query cannot contain the character U+200B."),
        ("lone \ud800 surrogate", "invalid_query", "The search query cannot contain the character U+D800."),
        ('"big cats', "invalid_query", "A quoted phrase is not closed."),
        ('""', "invalid_query", "A quoted phrase is empty."),
        ('"a - b"', "invalid_query", 'The phrase "a - b" cannot contain "-".'),
        ('cats"dogs"', "invalid_query", "Put a space before a quoted phrase."),
        ("cats#dogs", "invalid_query", "Put a space before #."),
        ("- cats", "invalid_query", "Put - right before the term to leave out, with no space between."),
        ("cats-", "invalid_query", "Put - right before the term to leave out, with no space between."),
        ("# tag", "invalid_query", '"#" must be followed by a name.'),
        ("hi @", "invalid_query", '"@" must be followed by a name.'),
        ("-cats -dogs", "invalid_query", "Say what to search for, not only what to leave out."),
    ],
)
def test_refused_queries_name_the_problem_and_what_is_allowed(query: str, code: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_search_query(query)

    message = reason if code in {"blank", "too_long"} else f"{reason} {ALLOWED}"
    assert refused.value.as_dict() == {"field": "query", "code": code, "message": message}


def test_the_refusal_says_what_a_query_may_contain() -> None:
    assert ALLOWED == (
        'Search for words, numbers, #hashtags, @mentions or "quoted phrases"; '
        "put - right before a term to leave out posts with it."
    )
