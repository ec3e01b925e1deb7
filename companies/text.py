"""How the portal reads free text: one folding and one word splitting for every search.

Text is lower-cased, stripped of accents ("bialystok" finds Białystok, "teras" finds teräs) and
split into words of letters and digits. A query's words match as word prefixes ("lase" finds
laser). The directory's documents (companies/indexing.py) are stored already split this way, so
PostgreSQL's full-text parser and SQLite's LIKE see the same words.
"""

import re
import unicodedata

from clusters.slugs import UNDECOMPOSABLE


class _Folding(dict):
    """str.translate table: each character to its accent-free form ("" for a control character or
    a combining mark, " " for any whitespace), computed once per distinct character. Equivalent to
    NFKD over the whole text and dropping combining marks, but at C speed after the first sight of
    a character (normalising 100,000 companies' texts is the bulk of seeding them)."""

    def __missing__(self, ordinal):
        char = chr(ordinal)
        undecomposable = UNDECOMPOSABLE.get(ordinal)
        if undecomposable is not None:
            folded = undecomposable
        elif char.isspace():
            folded = " "
        else:
            folded = "".join(
                c
                for c in unicodedata.normalize("NFKD", char)
                if not unicodedata.combining(c) and (c.isprintable() or c.isspace())
            )
        self[ordinal] = folded
        return folded


_FOLDING = _Folding()


def normalize(text: str) -> str:
    """Lower-case, accents removed, NUL and control characters dropped, whitespace collapsed."""
    return " ".join((text or "").lower().translate(_FOLDING).split())


# --- Querying -------------------------------------------------------------------------------

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Words are indexed and searched cut into pieces of at most this length.
MAX_WORD_LENGTH = 100
# A word: letters and digits (the underscore, which \w admits, separates words as punctuation
# does); a longer run is read as several words of MAX_WORD_LENGTH.
_WORD = re.compile(rf"[^\W_]{{1,{MAX_WORD_LENGTH}}}")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match):
    return match.group().translate(_FOLDING)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order, repeats kept (the same words as splitting
    ``normalize(text)``; only runs of non-ASCII characters go through the folding table, which
    makes indexing a million companies' texts markedly faster)."""
    return _WORD.findall(_NON_ASCII.sub(_fold_run, (text or "").lower()))


def query_words(text: str) -> list[str]:
    """The distinct words of a query as typed (case and accents kept, for ``icontains`` on
    columns that keep them), split like search_terms; at most MAX_TERMS."""
    found = []
    for word in _WORD.findall((text or "")[:MAX_QUERY_LENGTH]):
        if word not in found:
            found.append(word)
    return found[:MAX_TERMS]


def search_terms(text: str) -> list[str]:
    """The distinct words of a visitor's query (at most MAX_TERMS of them), matched as prefixes."""
    terms = []
    for term in words((text or "")[:MAX_QUERY_LENGTH]):
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]
