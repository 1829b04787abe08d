"""Handing a message to the mail server named by DIRECTORY_SMTP_URL.

smtps://user:password@host:465   TLS from the first byte
smtp://user:password@host:587    STARTTLS, required: a server that does not offer it is refused
smtp+insecure://host:25          neither, for a mail server on the same machine or network
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 587, "smtps": 465, "smtp+insecure": 25}
TIMEOUT_SECONDS = 20.0


class Undeliverable(Exception):
    """The server refused this message for good (a 5xx answer): trying again will not help."""


class NotNow(Exception):
    """The server could not take the message now: down, busy, or a 4xx answer."""


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    username: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Server:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(
                "DIRECTORY_SMTP_URL must look like smtp://user:password@host:587 "
                "(or smtps:// for TLS, smtp+insecure:// for a server without TLS)"
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or SCHEMES[parts.scheme],
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def send(
    server: Server,
    message: EmailMessage,
    tls: Callable[[], ssl.SSLContext] = ssl.create_default_context,
) -> None:
    """Deliver one message; raises Undeliverable or NotNow."""
    try:
        with _connect(server, tls) as connection:
            if server.username:
                connection.login(server.username, server.password)
            connection.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise (Undeliverable if all(code >= 500 for code in codes) else NotNow)(
            f"refused the recipient ({', '.join(map(str, codes))})"
        ) from error
    except smtplib.SMTPAuthenticationError as error:
        # Our settings are wrong, not the message: keep it until someone fixes them.
        raise NotNow(f"refused our username or password ({error.smtp_code})") from error
    except smtplib.SMTPResponseException as error:
        what = f"answered {error.smtp_code}"
        raise (Undeliverable if error.smtp_code >= 500 else NotNow)(what) from error
    except (smtplib.SMTPException, OSError) as error:
        raise NotNow(f"could not be reached ({type(error).__name__})") from error


def _connect(server: Server, tls: Callable[[], ssl.SSLContext]) -> smtplib.SMTP:
    if server.scheme == "smtps":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=tls())
    connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    try:
        if server.scheme == "smtp":
            connection.ehlo()
            if not connection.has_extn("starttls"):
                raise NotNow("does not offer STARTTLS, and smtp:// requires it")
            connection.starttls(context=tls())
    except BaseException:
        connection.close()
        raise
    return connection
