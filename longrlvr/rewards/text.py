"""Answer text as the rule scorers see it: SQuAD normalization and word tokens. Linear time, never raises."""

from __future__ import annotations

import re
import string

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
_PUNCT_TABLE = str.maketrans("", "", string.punctuation)
_SPACE_PUNCT = str.maketrans({c: " " for c in string.punctuation if c != "'"})
ARTICLES = frozenset({"a", "an", "the"})


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation and articles, collapse whitespace (SQuAD evaluation)."""
    return " ".join(_ARTICLES_RE.sub(" ", text.lower().translate(_PUNCT_TABLE)).split())


def words(text: str) -> list[str]:
    """Lowercase word tokens, apostrophes folded (``isn't`` -> ``isnt``), other punctuation as spaces."""
    return text.lower().replace("'", "").replace("\u2019", "").translate(_SPACE_PUNCT).split()


def cased_words(text: str) -> list[str]:
    """:func:`words` with the case kept (to find the names of a question)."""
    return text.replace("'", "").replace("\u2019", "").translate(_SPACE_PUNCT).split()


def answer_key(text: str) -> str:
    """What exact match compares: :func:`normalize_answer`, except that a one-character answer (``A``, ``a``, ``7``)
    keeps its letter, which the article rule would drop (an option letter or a grade names something)."""
    normalized = normalize_answer(text)
    if normalized:
        return normalized
    bare = "".join(c for c in text[:64].lower() if c.isalnum())
    return bare if len(bare) == 1 else ""
