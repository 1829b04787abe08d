"""The rules every record obeys, whatever it comes from: text, email addresses."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from pydantic import ValidationError

from directory import seed
from directory.records import OrganisationRecord
from tests import factories

# Characters no text field may hold, with what a person is told about them.
FORBIDDEN = {
    "U+FFFF": ("\uffff", "noncharacter"),
    "U+FFFE": ("\ufffe", "noncharacter"),
    "U+FDD0": ("\ufdd0", "noncharacter"),
    "U+10FFFF": ("\U0010ffff", "noncharacter"),
    "NUL": ("\x00", "control character"),
    "ESC": ("\x1b", "control character"),
    "DEL": ("\x7f", "control character"),
    "NEL (C1)": ("\x85", "control character"),
    "CSI (C1)": ("\x9b", "control character"),
    "LRE": ("\u202a", "text-direction control"),
    "RLO": ("\u202e", "text-direction control"),
    "LRI": ("\u2066", "text-direction control"),
    "PDI": ("\u2069", "text-direction control"),
    "lone high surrogate": ("\ud800", "lone surrogate"),
    "lone low surrogate": ("\udfff", "lone surrogate"),
}
# Every text field, and the value it holds with one forbidden character inside.
SINGLE_LINE = {
    "name": lambda c: f"Black{c} Cross",
    "alternate_names": lambda c: [f"A{c}BC"],
    "region": lambda c: f"Scot{c}land",
    "city": lambda c: f"Glas{c}gow",
    "areas_served": lambda c: [f"Scot{c}land"],
    "website": lambda c: f"https://example.org/{c}about",
    "email": lambda c: f"info{c}@example.org",
    "postal_address_note": lambda c: f"Write{c} first",
    "verified_by": lambda c: f"volun{c}teer",
    "sources": lambda c: [f"https://example.org/{c}about"],
}
MULTI_LINE = {
    "description": lambda c: f"A volunteer group that writes{c} letters to people inside.",
    "postal_address": lambda c: f"PO Box 1{c}\nLeeds",
    "accessibility": lambda c: f"Step-free{c} access",
}


def validate(**values):
    if "verified_by" in values:
        values["verified_on"] = "2026-01-02"
    return OrganisationRecord.model_validate(factories.record_values(**values))


def error_of(**values) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        validate(**values)
    (detail,) = caught.value.errors()
    return ".".join(str(part) for part in detail["loc"]), detail["msg"]


@pytest.mark.parametrize("field", [*SINGLE_LINE, *MULTI_LINE])
@pytest.mark.parametrize("character", list(FORBIDDEN))
def test_every_text_field_refuses_invisible_and_non_text_characters(field, character):
    char, what = FORBIDDEN[character]
    value = {**SINGLE_LINE, **MULTI_LINE}[field](char)
    where, message = error_of(**{field: value})
    assert where.split(".")[0] == field
    assert what in message
    code = f"U+{ord(char):04X}"
    assert code in message  # says which one, as it cannot be seen


@pytest.mark.parametrize("field", list(SINGLE_LINE))
@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\u2028"])
def test_single_line_fields_refuse_line_breaks_and_tabs(field, char):
    where, message = error_of(**{field: SINGLE_LINE[field](char)})
    assert where.split(".")[0] == field
    assert "one line" in message


@pytest.mark.parametrize("field", list(MULTI_LINE))
def test_multi_line_fields_keep_newlines_and_tabs(field):
    value = MULTI_LINE[field]("\tand more,\nline two")
    assert getattr(validate(**{field: value}), field) == value


@pytest.mark.parametrize("field", list(MULTI_LINE))
@pytest.mark.parametrize("ending", ["\r\n", "\r", "\u2028", "\u2029"])
def test_line_endings_are_stored_as_newlines(field, ending):
    typed = MULTI_LINE[field](f"{ending}line two{ending}line three")
    stored = getattr(validate(**{field: typed}), field)
    assert stored == MULTI_LINE[field]("\nline two\nline three")


def test_text_is_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Poznań Café")
    assert decomposed != "Poznań Café"
    record = validate(name=decomposed, city=decomposed, postal_address=f"{decomposed}\r\n1")
    assert record.name == record.city == "Poznań Café"
    assert record.postal_address == "Poznań Café\n1"


def test_length_limits_count_what_is_stored():
    # 500 characters once "\r\n" is one line end: the limit is on the stored text.
    lines = ["x" * 49] * 10
    assert len(validate(postal_address="\r\n".join(lines)).postal_address) == 499


@pytest.mark.parametrize(
    "address",
    [
        "x@evil.example?cc=spy%40evil.example&body=Hello",
        "x?cc=spy%40evil.example&body=Hello@evil.example",
        "x#fragment@example.org",
        "x%40evil.example@example.org",
        "a/b@example.org",
        '"quoted"@example.org',
        "Group <info@example.org>",
        "info@example",
        "info@localhost",
        "info@[127.0.0.1]",
        "info@example..org",
        "info@-example.org",
        "@example.org",
        "info@",
        "info example@example.org",
        "info@group.invalid",
    ],
)
def test_email_addresses_are_checked_by_a_real_validator(address):
    where, message = error_of(email=address)
    assert where == "email"
    assert message.startswith("must be an email address such as name@example.org")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Wombats@Example.ORG", "Wombats@example.org"),
        ("Info@Example.ORG", "info@example.org"),  # email-validator lowercases role names
        ("first.last+prisoners@example.org", "first.last+prisoners@example.org"),
        ("kontakt@münchen.example.de", "kontakt@münchen.example.de"),
        ("kontakt@xn--mnchen-3ya.example.de", "kontakt@münchen.example.de"),
        (unicodedata.normalize("NFD", "josé@example.org"), "josé@example.org"),
    ],
)
def test_email_addresses_are_stored_normalised(typed, stored):
    assert validate(email=typed).email == stored


def test_seed_files_are_held_to_the_same_rules(tmp_path: Path):
    (tmp_path / "bad.toml").write_text(
        "[[organisation]]\n"
        'slug = "bidi-group"\n'
        'name = "Evil \\u202e Group"\n'
        'kind = "abc-group"\n'
        'description = "A volunteer group that writes letters to people inside."\n'
        'focus = ["all-prisoners"]\n'
        'services = ["letter-writing"]\n'
        'country = "GB"\n'
        'email = "x@evil.example?cc=spy"\n'
        'verification = "unverified"\n'
        'sources = ["https://example.org/source"]\n',
        encoding="utf-8",
    )
    with pytest.raises(seed.SeedError) as caught:
        seed.load(tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "bad.toml: organisation #1 (bidi-group): field 'name': " in problems
    assert "text-direction control (U+202E)" in problems
    assert "field 'email': must be an email address" in problems
