"""The key that signs sessions: configured, or made on first start and kept in the data dir.

No key ships in the code: one that did would let anyone sign an administrator's session
cookie for every instance that never set its own. Without DIRECTORY_SECRET_KEY, the first
start makes a random key and keeps it in the data directory, readable by its owner only;
later starts, and every other worker on the same data directory, read the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

FILE_NAME = "secret_key"
MIN_LENGTH = 32
# Values this project has published, in its code or its docker-compose.yml: never secret.
_PUBLISHED = frozenset({"development-only-secret-change-me", "change-me-to-a-long-random-string"})
# Words that mark a value someone meant to replace.
_PLACEHOLDERS = ("changeme", "changethis", "development", "example", "insecure", "placeholder")


class SecretKeyError(ValueError):
    """The kept key cannot be read or made; the message says why and what to do."""


def weakness(secret: str) -> str | None:
    """Why `secret` is unfit to sign sessions on a public site, or None when it will do."""
    squashed = re.sub(r"[^a-z0-9]", "", secret.lower())
    if secret in _PUBLISHED or any(word in squashed for word in _PLACEHOLDERS):
        return "is a published or placeholder value"
    if len(secret) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    return None


def load_or_create(path: Path) -> str:
    """The key kept at `path`, made first if there is none.

    Several workers may start at once: each writes its own candidate to a private file, and
    only one can link it into place (a link never replaces a file that exists); everyone
    then reads the one that won. The file is never seen half written.
    """
    try:
        if not path.exists():
            _create(path)
        key = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SecretKeyError(
            f"Cannot keep the secret key in {path}: {error.strerror}. Make the data directory "
            "writable, or set DIRECTORY_SECRET_KEY."
        ) from error
    if not key:
        raise SecretKeyError(f"{path} is empty: delete it to have a new key made.")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)  # exactly, whatever the umask
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # If another worker's key got there first, it is the one everyone reads.
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
