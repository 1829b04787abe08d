"""HTTP connections as `directory serve` handles them: uvicorn's httptools protocol with the
two bounds it lacks, on how long a request's head may take to arrive and on its size.

uvicorn closes a connection only when it idles after a response (`timeout_keep_alive`); one
that sends half a request line, or nothing, is held open for ever, and httptools accepts
request heads of any size (5 MB were served). Here a head must arrive within
`header_timeout` seconds of its first byte (or of the connection opening), and may be at
most `max_header_bytes` (request target plus header names and values); a larger one is
answered 431 and the connection closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol


class HeadTooLarge(Exception):
    """Raised from a parser callback, which stops httptools parsing the request."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        *args: Any,
        header_timeout: float,
        max_header_bytes: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._max_header_bytes = max_header_bytes
        self._awaiting_head = True
        self._head_bytes = 0
        self._head_too_large = False
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_head:
            self._expect_head()  # after a response: the keep-alive timer stops as data comes
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._awaiting_head, self._head_bytes = True, 0
        self._expect_head()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._stop_waiting()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._awaiting_head = True  # whatever comes next starts another request
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._head_too_large:
            super().send_400_response(msg)
            return
        self.logger.warning("Request head larger than %d bytes refused.", self._max_header_bytes)
        self.transport.write(STATUS_LINE[431] + b"content-length: 0\r\nconnection: close\r\n\r\n")
        self.transport.close()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self._max_header_bytes:
            self._head_too_large = True
            raise HeadTooLarge  # httptools turns it into an error, answered by send_400_response

    def _expect_head(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self._header_timeout, self._head_late)

    def _stop_waiting(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        if not self._awaiting_head or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._expect_head()  # a pipelined request waits behind a response still being sent
            return
        self.transport.close()
