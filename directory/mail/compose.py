"""Turning a queued message into an email: its templates (plain text and HTML) rendered
with what was queued, the directory's addresses, and headers made from its key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from directory import password_resets
from directory.models import MailMessage
from directory.settings import Settings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
SITE_NAME = "Prisoner Support Directory"

PathFor = Callable[..., str]


class Composer:
    """Renders messages with the directory's mail templates; one per sender."""

    def __init__(self, settings: Settings, path_for: PathFor) -> None:
        self._settings = settings
        self._path_for = path_for
        self._environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(disabled_extensions=("txt",), default=True),
            undefined=StrictUndefined,  # a missing value is a bug, not an empty line
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def compose(self, message: MailMessage) -> EmailMessage:
        context = {**message.context, **self._links(message.context), "site_name": SITE_NAME}
        # The text template's first line is the subject; the rest, after a blank line, the body.
        subject, _, text = self._render(f"{message.template}.txt", context).partition("\n")
        email = EmailMessage()
        email["Subject"] = " ".join(subject.removeprefix("Subject:").split())
        email["From"] = self._settings.mail_from
        email["To"] = message.recipient or ""
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = message_id(message.key, self._settings.base_url)
        # Replies to an automatic message would reach nobody who reads them.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(text.strip() + "\n")
        email.add_alternative(self._render(f"{message.template}.html", context), subtype="html")
        return email

    def _render(self, name: str, context: dict[str, Any]) -> str:
        return self._environment.get_template(name).render(context)

    def _links(self, context: dict[str, Any]) -> dict[str, str]:
        base = self._settings.base_url.rstrip("/")
        links = {"home_url": base + "/", "privacy_url": base + self._path_for("privacy")}
        if token := context.get("submission_token"):
            links["status_url"] = base + self._path_for("submission_status", token=token)
        if slug := context.get("listing_slug"):
            links["listing_url"] = base + self._path_for("organisation", slug=slug)
        if "queue" in context or "reported_submission_id" in context:
            links["queue_url"] = base + self._path_for("moderate_queue")
        if nonce := context.get("reset_nonce"):
            token = password_resets.link_token(self._settings.secret_key, nonce)
            links["reset_url"] = base + self._path_for("password_reset_choose", token=token)
        return links


def message_id(key: str, base_url: str) -> str:
    """The same for every attempt at one message, so a receiving server can recognise one
    that a crash made us send twice."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    host = urlsplit(base_url).hostname or "localhost"
    return f"<{digest}@{host}>"
