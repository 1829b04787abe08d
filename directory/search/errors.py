"""Errors a search backend raises when it cannot answer; callers fall back, never crash."""

from __future__ import annotations


class SearchUnavailable(Exception):
    """The backend could not be reached, refused us, timed out, or failed a task."""

    def __init__(self, backend: str, reason: str) -> None:
        super().__init__(f"{backend}: {reason}")
        self.backend = backend
        self.reason = reason
