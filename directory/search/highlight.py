"""Highlights built from escaped text: matched words wrapped in <mark>, nothing else trusted."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Iterator

from directory.search.text import fold

SNIPPET_WORDS = 24
_TOKEN = re.compile(r"[^\W_]+")
_WORD_SPAN = re.compile(r"\S+")


class Highlighter:
    """Marks the words a query matched: its terms (exact or typo-corrected) and its prefix."""

    def __init__(self, terms: Iterable[str] = (), prefix: str | None = None) -> None:
        self.terms = frozenset(terms)
        self.prefix = prefix
        alternatives = [re.escape(t) for t in sorted(self.terms, key=len, reverse=True)]
        if prefix:
            alternatives.append(re.escape(prefix) + r"[^\W_]*")
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
            yield from self._ascii.finditer(text)
            return
        for token in _TOKEN.finditer(text):
            word = fold(token.group())
            if word in self.terms or (self.prefix is not None and word.startswith(self.prefix)):
                yield token

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
