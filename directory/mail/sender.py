"""The mail sender: a background thread in each web worker sending what the outbox holds.

Only one sender at a time sends, across workers and hosts (a lock in the database), so two
never send the same message; a message is marked sent in its own commit straight after the
server took it. A crash between the two can send it again, with the same Message-ID (see
compose.message_id). A server that is down or busy is tried again later, longer after each
failure (outbox.mark_failed); a refusal for good marks the message failed, for
administrators to see. Logs name messages by number and template, never by address.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from directory.mail import notices, outbox, smtp
from directory.mail.compose import Composer
from directory.models import MailMessage
from directory.search import locks

log = logging.getLogger(__name__)

LOCK_NAME = "mail sender"
POLL_SECONDS = 30.0
# While another worker holds the lock, soon again: it may have looked before our commit.
BUSY_SECONDS = 1.0
BASE_DELAY_SECONDS = 30.0


class Sender:
    def __init__(
        self,
        engine: Engine,
        server: smtp.Server,
        composer: Composer,
        *,
        digest_queue_size: int,
        poll_seconds: float = POLL_SECONDS,
        base_delay: float = BASE_DELAY_SECONDS,
        tls: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        self.engine = engine
        self.server = server
        self.composer = composer
        self.digest_queue_size = digest_queue_size
        self.poll_seconds = poll_seconds
        self.base_delay = base_delay
        self.tls = tls
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        event.listen(Session, "after_commit", self._after_commit)
        self._thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        event.remove(Session, "after_commit", self._after_commit)
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake(self) -> None:
        """After a commit that queued mail: send it now rather than at the next poll."""
        self._wakeup.set()

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(outbox.QUEUED, False) and session.bind is self.engine:
            self.wake()

    def run_once(self) -> bool | None:
        """Queue what is due (digests), then send what waits. None if another sender holds
        the lock; else whether any message is still due."""
        with locks.database_lock(self.engine, LOCK_NAME, wait=False) as held:
            if not held:
                return None
            with Session(self.engine) as session:
                notices.queue_digests(session, self.digest_queue_size)
                session.commit()
            return self._send_due()

    def _send_due(self) -> bool:
        with Session(self.engine) as session:
            for message in outbox.due(session):
                self._send(session, message)
                session.commit()
                if self._stopping.is_set():
                    break
            return bool(outbox.due(session, limit=1))

    def _send(self, session: Session, message: MailMessage) -> None:
        try:
            smtp.send(self.server, self.composer.compose(message), self.tls)
        except (smtp.Undeliverable, smtp.NotNow) as error:
            permanent = isinstance(error, smtp.Undeliverable)
            outbox.mark_failed(
                session, message, str(error), permanent=permanent, base_delay=self.base_delay
            )
            log.warning("mail %s (%s) not sent: %s", message.id, message.template, error)
        except Exception as error:  # noqa: BLE001 (a bad message must not stop the others)
            outbox.mark_failed(session, message, repr(error), permanent=True, base_delay=0)
            log.exception("mail %s (%s) could not be written", message.id, message.template)
        else:
            outbox.mark_sent(session, message.id or 0)
            log.info("mail %s (%s) sent", message.id, message.template)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                outcome = self.run_once()
            except Exception:  # noqa: BLE001 (the database may be away for a while)
                log.exception("the mail sender could not read the outbox")
                outcome = False
            if outcome:  # more than one round's worth was waiting: on with the next
                continue
            # A message that failed is due again after base_delay at the soonest.
            wait = BUSY_SECONDS if outcome is None else min(self.poll_seconds, self.base_delay)
            self._wakeup.wait(wait)
            self._wakeup.clear()
