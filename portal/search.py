"""Site search over companies, clusters, projects, events and news, in every language.

Each app contributes the section that searches its pages and registers it from its
AppConfig.ready() (clusters/site_search.py holds the registry and the helpers the sections share;
companies are found by the directory engine, the other kinds by their columns in every language).
The search here cleans the query, splits its words and runs the registered sections in order.
"""

from clusters.site_search import ResultGroup, sections
from companies.text import query_words as split_words

MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MIN_WORD_LENGTH = 2
RESULTS_PER_GROUP = 10


def clean_query(raw) -> str:
    """The query as searched: control characters and NUL dropped, spaces collapsed, capped."""
    text = "".join(
        ch for ch in str(raw or "")[: MAX_QUERY_LENGTH * 4] if ch.isprintable() or ch.isspace()
    )
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def query_words(query: str) -> list[str]:
    """The words searched in clusters, projects, events and news (the directory's splitting)."""
    return [word for word in split_words(query) if len(word) >= MIN_WORD_LENGTH][:MAX_WORDS]


def site_search(query: str, limit: int = RESULTS_PER_GROUP) -> list[ResultGroup]:
    """Results grouped by type, at most ``limit`` per group, each with its total count."""
    words = query_words(query)
    if not words:
        return []
    return [section(query, words, limit) for section in sections()]
