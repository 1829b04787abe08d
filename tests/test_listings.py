"""A listing's values as submissions and the audit log hold them: slugs, changes, sameness."""

from __future__ import annotations

from datetime import date

from directory import listings


def test_slugify():
    assert listings.slugify("Bristol ABC (UK)") == "bristol-abc-uk"
    assert listings.slugify("Poznań Anarchist Black Cross") == "poznan-anarchist-black-cross"
    assert listings.slugify("Анархистский Черный Крест") == "group"
    assert len(listings.slugify("x" * 300)) == 60


def test_sets_of_codes_are_the_same_in_any_order_and_other_lists_are_not():
    assert listings.same_value("focus", ["women", "lgbtq"], ["lgbtq", "women"])
    assert not listings.same_value(
        "sources",
        ["https://a.example", "https://b.example"],
        [
            "https://b.example",
            "https://a.example",
        ],
    )


def test_changed_fields_are_the_editable_ones_that_differ():
    base = {"name": "Group", "city": "Leeds", "focus": ["women", "lgbtq"]}
    fields = {
        "name": "Group",
        "city": "York",
        "focus": ["lgbtq", "women"],
        "slug": "not-for-people-to-change",
        "verified_on": date(2026, 1, 2),
    }
    assert listings.changed_fields(base, fields) == {"city": "York"}
    assert listings.editable_only(fields) == {
        "name": "Group",
        "city": "York",
        "focus": ["lgbtq", "women"],
    }
