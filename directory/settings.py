"""The one settings object: read from the environment once, then passed around."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from directory import secret_key as keys
from directory.mail import smtp

# The seed listings ship inside the package, so an installed directory can seed itself.
PACKAGED_SEED_DIR = Path(__file__).resolve().parent / "seed_data"


class Settings(BaseSettings):
    """Configuration for the directory. Every field is documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="DIRECTORY_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    # Empty: made on first start and kept in the data directory (see with_secret_key).
    secret_key: str = Field("", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    search: Literal["embedded", "meilisearch", ""] = ""
    meili_url: str = Field("", validation_alias=AliasChoices("MEILI_URL", "meili_url"))
    meili_api_key: str = Field("", validation_alias=AliasChoices("MEILI_API_KEY", "meili_api_key"))
    meili_search_key: str = Field(
        "", validation_alias=AliasChoices("MEILI_SEARCH_KEY", "meili_search_key")
    )
    gazetteer_path: Path | None = None
    # Where `directory seed` reads its *.toml listings: those shipped with the code unless set.
    seed_dir: Path = PACKAGED_SEED_DIR
    meili_index: str = "organisations"
    meili_timeout_seconds: float = 2.0
    sqlite_busy_timeout_seconds: float = 5.0
    debug: bool = False
    # Whether administrators must use two-factor sign-in: one without it who signs in reaches
    # only the page that sets it up. Everyone else is offered it either way.
    admin_two_factor: bool = True
    # Days after a submission is decided before `directory purge` deletes the submitter's
    # contact details; the privacy page states the same number.
    contact_retention_days: int = Field(180, ge=1)
    # Email (README.md, "Email"): the mail server, as smtp://user:password@host:587
    # (STARTTLS), smtps://... (TLS) or smtp+insecure://host:25; empty, and mail is kept in the
    # database and shown to administrators instead of being sent.
    smtp_url: str = Field("", repr=False)
    mail_from: str = "Prisoner Support Directory <directory@localhost>"
    # Seconds before a message the mail server did not take is tried again; doubled after
    # each failure, up to four hours.
    mail_retry_seconds: float = Field(30.0, gt=0)
    # Moderators get the queue's digest daily, and as soon as this many submissions wait.
    digest_queue_size: int = Field(20, ge=1)
    # How `directory serve` meets the network (README.md, "Serving"). Trusted proxies: the
    # addresses (IPs or CIDR ranges, comma-separated, or *) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed; nobody's by default.
    trusted_proxies: str = ""
    header_timeout_seconds: float = Field(10.0, gt=0)
    keep_alive_seconds: int = Field(5, gt=0)
    max_connections: int = Field(1000, gt=0)
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    # Megabytes each server process may keep to answer faster (finished pages, search
    # answers, postings...), all together: see directory/caches.py.
    cache_mb: int = Field(32, ge=1)
    # Searches run in worker threads, at most this many at once in each process.
    search_threads: int = Field(4, ge=1)
    # The index's most frequent terms looked up once serving, while no search is under way.
    warm_terms: int = Field(1_000, ge=0)

    @field_validator("smtp_url")
    @classmethod
    def _mail_server(cls, value: str) -> str:
        if value:
            smtp.Server.from_url(value)  # ValueError says what a good one looks like
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry != "*":
                ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return ",".join(entries)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'directory.sqlite3'}"
        if not self.search:
            self.search = "meilisearch" if self.meili_url else "embedded"
        if self.gazetteer_path is None:
            self.gazetteer_path = self.data_dir / "places.sqlite3"
        if self.secret_key:
            self._check_secret(self.secret_key, "DIRECTORY_SECRET_KEY")
        return self

    def with_secret_key(self) -> Settings:
        """These settings with the key that signs sessions: the configured one, or the one
        kept in the data directory, made there on first start."""
        if self.secret_key:
            return self
        kept = keys.load_or_create(self.secret_key_path)
        self._check_secret(kept, f"The secret key in {self.secret_key_path}")
        return self.model_copy(update={"secret_key": kept})

    def _check_secret(self, secret: str, what: str) -> None:
        # Over plain http this is a development machine: any key will do there.
        if self.base_url.startswith("https://") and (problem := keys.weakness(secret)):
            raise ValueError(
                f"{what} {problem}. Over https, use at least {keys.MIN_LENGTH} random "
                "characters, or leave DIRECTORY_SECRET_KEY unset to have one made."
            )

    @property
    def base_url_is_set(self) -> bool:
        """Whether DIRECTORY_BASE_URL was given, rather than left at its default."""
        return "base_url" in self.model_fields_set

    @property
    def cache_bytes(self) -> int:
        return self.cache_mb * 1024 * 1024

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / keys.FILE_NAME

    @property
    def search_index_path(self) -> Path:
        """The embedded search index lives in its own file, apart from the database."""
        return self.data_dir / "search.sqlite3"
