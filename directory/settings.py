"""The one settings object: read from the environment once, then passed around."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me"  # noqa: S105


class Settings(BaseSettings):
    """Configuration for the directory. Every field is documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="DIRECTORY_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = DEVELOPMENT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    search: Literal["embedded", "meilisearch", ""] = ""
    meili_url: str = Field("", validation_alias=AliasChoices("MEILI_URL", "meili_url"))
    meili_api_key: str = Field("", validation_alias=AliasChoices("MEILI_API_KEY", "meili_api_key"))
    gazetteer_path: Path | None = None
    meili_index: str = "organisations"
    meili_timeout_seconds: float = 2.0
    sqlite_busy_timeout_seconds: float = 5.0
    debug: bool = False

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'directory.sqlite3'}"
        if not self.search:
            self.search = "meilisearch" if self.meili_url else "embedded"
        if self.gazetteer_path is None:
            self.gazetteer_path = self.data_dir / "places.sqlite3"
        return self

    @property
    def search_index_path(self) -> Path:
        """The embedded search index lives in its own file, apart from the database."""
        return self.data_dir / "search.sqlite3"

    @property
    def seed_dir(self) -> Path:
        return Path(__file__).resolve().parent.parent / "seed_data"
