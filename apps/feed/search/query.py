"""What a search query may say, parsed once into terms every backend translates for itself.

The grammar is deliberately small, and the same whatever answers the search: words and
numbers (all must match), `#hashtag` (the post carries the tag), `@username`, `"quoted
phrases"`, and `-` right before any of them to leave out posts that match it. Commas, full
stops and question marks between terms are ignored. Anything else is refused with a typed
error before any backend sees it, so no query can reach tsquery or Elasticsearch syntax: no
`& | ! : * ( ) < > ;`, no `--`, no unbalanced quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from apps.feed.text_rules import normalise_hashtag
from socialapp.errors import InvalidInputError

QUERY_MAX_LENGTH = 200
FIELD = "query"
ALLOWED = (
    'Search for words, numbers, #hashtags, @mentions or "quoted phrases"; '
    "put - right before a term to leave out posts with it."
)
# Operator characters of tsquery, SQL, Lucene and shells: named in the error, never interpreted.
_OPERATOR_CHARACTERS = "&|!:*()<>;"

# Apostrophes (' and \u2019), full stops and hyphens may join the parts of a word.
_WORD = r"\w+(?:['\u2019.\-]\w+)*"
_SEPARATORS = re.compile(r"[\s,.?'\u2019]+")
_TERM = re.compile(rf'(?P<minus>-?)(?:"(?P<phrase>[^"]*)"|(?P<sigil>[#@]?)(?P<word>{_WORD}))')
_PHRASE_WORD = re.compile(rf"[#@]?{_WORD}")


class TermKind(StrEnum):
    WORD = "word"
    PHRASE = "phrase"
    HASHTAG = "hashtag"
    MENTION = "mention"


@dataclass(frozen=True)
class SearchTerm:
    kind: TermKind
    # A word as written; a phrase's words joined by single spaces (their # and @ kept); a
    # hashtag lower-cased without its #; a username without its @.
    text: str
    excluded: bool = False


@dataclass(frozen=True)
class SearchQuery:
    text: str
    terms: tuple[SearchTerm, ...]

    @property
    def included(self) -> tuple[SearchTerm, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    @property
    def excluded(self) -> tuple[SearchTerm, ...]:
        return tuple(term for term in self.terms if term.excluded)


def parse_search_query(query: str) -> SearchQuery:
    """The query's terms, or an `InvalidInputError` on `query` saying what is allowed."""
    text = query.strip()
    if not text:
        raise InvalidInputError("The search query cannot be blank.", field=FIELD, code="blank")
    if len(text) > QUERY_MAX_LENGTH:
        raise InvalidInputError(
            f"The search query has at most {QUERY_MAX_LENGTH} characters (got {len(text)}).",
            field=FIELD,
            code="too_long",
        )
    _refuse_operators(text)
    terms: list[SearchTerm] = []
    position = _skip_separators(text, 0)
    while position < len(text):
        match = _TERM.match(text, position)
        if match is None:
            raise _refusal(text[position])
        if not _ends_a_term(text, match.end()):
            raise _refusal(text[match.end()], glued=True)
        terms.append(_term(match))
        position = _skip_separators(text, match.end())
    if not any(not term.excluded for term in terms):
        raise InvalidInputError(
            f"Say what to search for, not only what to leave out. {ALLOWED}", field=FIELD, code="invalid_query"
        )
    return SearchQuery(text=text, terms=tuple(terms))


def _refuse_operators(text: str) -> None:
    if "--" in text:
        raise _invalid('The search query cannot contain "--".')
    for character in text:
        if character in _OPERATOR_CHARACTERS:
            raise _invalid(f'The search query cannot contain "{character}".')


_REASONS = {
    '"': "A quoted phrase is not closed.",
    "-": "Put - right before the term to leave out, with no space between.",
    "#": '"#" must be followed by a name.',
    "@": '"@" must be followed by a name.',
}


def _refusal(character: str, *, glued: bool = False) -> InvalidInputError:
    """Why the term starting (or, `glued`, continuing) with `character` is not one."""
    if glued and character in '"#@':
        what = "a quoted phrase" if character == '"' else character
        return _invalid(f"Put a space before {what}.")
    if character in _REASONS:
        return _invalid(_REASONS[character])
    if character.isprintable() and character.isascii():
        return _invalid(f'The search query cannot contain "{character}".')
    return _invalid(f"The search query cannot contain the character U+{ord(character):04X}.")


def _invalid(reason: str) -> InvalidInputError:
    return InvalidInputError(f"{reason} {ALLOWED}", field=FIELD, code="invalid_query")


def _skip_separators(text: str, position: int) -> int:
    separators = _SEPARATORS.match(text, position)
    return separators.end() if separators else position


def _ends_a_term(text: str, end: int) -> bool:
    return end == len(text) or _SEPARATORS.match(text, end) is not None


def _term(match: re.Match[str]) -> SearchTerm:
    excluded = match["minus"] == "-"
    if match["phrase"] is not None:
        words = [word for word in _SEPARATORS.split(match["phrase"]) if word]
        if not words:
            raise _invalid("A quoted phrase is empty.")
        if not all(_PHRASE_WORD.fullmatch(word) for word in words):
            bad = next(word for word in words if not _PHRASE_WORD.fullmatch(word))
            raise _invalid(f'The phrase "{match["phrase"]}" cannot contain "{bad}".')
        return SearchTerm(TermKind.PHRASE, " ".join(words), excluded)
    word = match["word"]
    if match["sigil"] == "@":
        return SearchTerm(TermKind.MENTION, word, excluded)
    if match["sigil"] == "#":
        tag = normalise_hashtag(word)
        # `#2024` is no hashtag (tags need a letter): it searches for the number.
        return SearchTerm(TermKind.WORD, word, excluded) if tag is None else SearchTerm(TermKind.HASHTAG, tag, excluded)
    return SearchTerm(TermKind.WORD, word, excluded)
