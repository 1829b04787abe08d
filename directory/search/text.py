"""How query text becomes words: folding, tokenising, typo budgets and FTS5 escaping."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Meilisearch searches at most ten words of a query; so do we, for both backends.
MAX_WORDS = 10
MAX_QUERY_CHARS = 500
# Words that say little on their own; dropped unless the query is nothing else. Beside the
# little words, those of a sentence as people type one ("my son is in prison", "where can I
# find help for my dad").
STOP_WORDS = frozenset(
    """
    a an and at by for from in into of on or the to with
    i me my mine we us our you your he him his she her they them their it its
    is am are was were be been being has have had got get gets getting do does did
    who what where when which how can could would should will want wants need needs
    looking look find someone somebody anyone just please there here near around about
    """.split()
)
WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case and strip accents, as the index's tokenizer does ("Poznań" -> "poznan")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def tokens(text: str) -> list[str]:
    """Every word in text, folded."""
    return WORD.findall(fold(text))


def normalised(text: str) -> str:
    """Text reduced to its folded words, for comparing a query with a name exactly."""
    return " ".join(tokens(text))


_ENGLISH = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A folded word's English stem, by Snowball ("sends" -> "send", "families" -> "famili")."""
    return str(_ENGLISH.stemWord(word))


def stems(text: str) -> str:
    """Every word's stem, once each, space-separated: what an index keeps to match stems."""
    return " ".join(dict.fromkeys(stem(token) for token in tokens(text)))


def ends_mid_word(query: str) -> bool:
    """Whether the person may still be typing the last word (no trailing space or punctuation)."""
    stripped = query[:MAX_QUERY_CHARS]
    return bool(stripped) and bool(WORD.match(stripped[-1]))


def typo_budget(word: str) -> int:
    """Typos forgiven in a word: none below 5 letters, one from 5, two from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def fts_term(word: str) -> str:
    """A word as an FTS5 string literal: user text never reaches FTS syntax raw."""
    return '"' + word.replace('"', '""') + '"'
