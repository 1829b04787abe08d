"""Highlights built from escaped text: matched words wrapped in <mark>, nothing else trusted."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Iterator

from directory.search.text import fold, stem

# Stems shorter than this are not marked wherever a word starts with them (too many would be).
_MARKED_STEM_LETTERS = 4

SNIPPET_WORDS = 24
_TOKEN = re.compile(r"[^\W_]+")
_WORD_SPAN = re.compile(r"\S+")


class Highlighter:
    """Marks the words a query matched: its terms (exact or typo-corrected) and its prefix."""

    def __init__(
        self, terms: Iterable[str] = (), prefix: str | None = None, stems: Iterable[str] = ()
    ) -> None:
        self.terms = frozenset(terms)
        self.prefix = prefix
        # Words matched by their stem: any word with that stem ("sends" for "send").
        self.stems = frozenset(s for s in stems if len(s) >= _MARKED_STEM_LETTERS)
        alternatives = [re.escape(t) for t in sorted(self.terms, key=len, reverse=True)]
        if prefix:
            alternatives.append(re.escape(prefix) + r"[^\W_]*")
        # A word's stem is a prefix of it in English, bar a changed last letter ("famili"
        # of "family"): words starting with the stem are candidates, checked by stemming.
        alternatives += [re.escape(s[:-1]) + r"[^\W_]*" for s in sorted(self.stems)]
        # Plain ASCII text folds to itself bar case, so one regular expression finds every
        # match; other text is tokenised and folded word by word, as the index does.
        self._ascii = (
            re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.I)
            if alternatives
            else None
        )

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        if self._ascii is None:
            return
        if text.isascii():
            for match in self._ascii.finditer(text):
                if self._wanted(match.group().lower()):
                    yield match
            return
        for token in _TOKEN.finditer(text):
            if self._wanted(fold(token.group())):
                yield token

    def _wanted(self, word: str) -> bool:
        return (
            word in self.terms
            or (self.prefix is not None and word.startswith(self.prefix))
            or (bool(self.stems) and stem(word) in self.stems)
        )

    def mark(self, text: str) -> str:
        """Escape text and wrap every matched word in <mark>."""
        out, last = [], 0
        for match in self._matches(text):
            out.append(html.escape(text[last : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            last = match.end()
        out.append(html.escape(text[last:]))
        return "".join(out)

    def snippet(self, text: str, words: int = SNIPPET_WORDS) -> str:
        """About `words` words of text around the first match, escaped and marked."""
        starts = [m.start() for m in _WORD_SPAN.finditer(text)]
        if len(starts) <= words:
            return self.mark(text)
        first = next(self._matches(text), None)
        at = bisect.bisect_right(starts, first.start()) - 1 if first else 0
        begin = max(0, min(at - words // 3, len(starts) - words))
        end = begin + words
        stop = starts[end] if end < len(starts) else len(text)
        fragment = text[starts[begin] : stop].rstrip()
        return ("…" if begin else "") + self.mark(fragment) + ("…" if end < len(starts) else "")
