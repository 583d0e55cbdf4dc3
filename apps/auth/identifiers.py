"""One way to compare usernames and email addresses: NFKC-normalised, then case-folded.

Lookups, uniqueness and login throttling all use this key, so no spelling of a name (with a
long s, in full-width letters, in capitals) reaches another account or gets a throttle budget of
its own. The database never folds case itself (PostgreSQL's UPPER turns a dotless i into I, a
fold Python's casefold does not make): it compares the stored keys.
"""

from __future__ import annotations

import unicodedata


def identifier_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value.strip()).casefold()


def normalised_username(value: str) -> str:
    """The username as stored and shown: NFKC (full-width letters become ASCII), case kept."""
    return unicodedata.normalize("NFKC", value.strip())
