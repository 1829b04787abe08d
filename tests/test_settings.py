"""Settings: defaults are sensible and every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices, ValidationError

from directory.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented():
    readme = README.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            alias = alias.choices[0]
        variable = alias or f"DIRECTORY_{name.upper()}"
        assert f"`{variable}`" in readme, variable


def test_defaults(monkeypatch, tmp_path):
    for variable in (
        "DIRECTORY_DATA_DIR",
        "DIRECTORY_DATABASE_URL",
        "DIRECTORY_SEARCH",
        "MEILI_URL",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'directory.sqlite3'}"
    assert settings.search == "embedded"
    assert settings.search_index_path == tmp_path / "search.sqlite3"


def test_meilisearch_is_the_default_when_its_url_is_set(monkeypatch):
    monkeypatch.delenv("DIRECTORY_SEARCH", raising=False)
    monkeypatch.setenv("MEILI_URL", "http://127.0.0.1:7700")
    assert Settings().search == "meilisearch"


def test_trusted_proxies_are_addresses_or_ranges():
    assert Settings().trusted_proxies == ""  # nobody's forwarded headers, by default
    assert Settings(trusted_proxies=" 10.0.0.0/8, ::1 ").trusted_proxies == "10.0.0.0/8,::1"
    with pytest.raises(ValidationError, match="proxy.example"):
        Settings(trusted_proxies="127.0.0.1,proxy.example")
