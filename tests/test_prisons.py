"""The prison register: the shipped files load and are checked; names people type find the
prison; changes close, rename and hand over prisons; bad files are refused, saying where."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from directory import prisons
from directory.search.geo import distance_km

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(prisons.PACKAGED_DIR.glob("*.toml"))
ENGLAND_WALES = prisons.PACKAGED_DIR / "england-wales.toml"
REFERENCE = ROOT / "tests" / "data" / "prison_register_ew"

HEAD = """\
jurisdiction = "GB-EAW"
licence = "Open Government Licence v3.0"
attribution = "Contains public sector information licensed under the Open Government Licence v3.0."
"""


def prison(slug: str, name: str, **fields: str) -> str:
    values = {
        "slug": slug,
        "name": name,
        "country": "GB",
        "area": "GB-ENG",
        "status": "open",
        **fields,
    }
    lines = [f'{key} = "{value}"' for key, value in values.items()]
    return "[[prison]]\n" + "\n".join(lines) + '\nsources = ["https://example.org/register"]\n'


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# The shipped register ----------------------------------------------------------------------


def test_the_shipped_files_load_and_every_record_cites_a_source():
    register = prisons.read(SHIPPED)
    assert {file.name for file in register.files} == {path.name for path in SHIPPED}
    assert all(file.licence for file in register.files)
    assert register.all() and all(prison.sources for prison in register.all())


def test_england_and_wales_holds_the_121_open_prisons_of_the_2017_register():
    register = prisons.read([ENGLAND_WALES])
    with (REFERENCE / "data_prison_prison.tsv").open() as table:
        rows = list(csv.DictReader(table, delimiter="\t"))
    open_names = {row["name"] for row in rows if not row["end-date"]}
    # Two codes are listed twice: renamed (HMP Morton Hall became HMIRC Morton Hall).
    assert len({row["prison-estate"] for row in rows if not row["end-date"]}) == 121
    assert len(register.open()) == 121
    assert {p.name for p in register.open()} <= open_names
    closed = [p for p in register.all() if not p.is_open]
    assert len(closed) == 30 and all(p.closed for p in closed)
    assert register.get("hmp-holloway").closed == "2016-05"
    assert {p.area for p in register.all()} == {"GB-ENG", "GB-WLS"}
    assert register.get("hmp-yoi-cardiff").area == "GB-WLS"


def test_the_letter_address_is_the_prison_s_name_then_the_finder_s_lines_and_postcode():
    leeds = prisons.read([ENGLAND_WALES]).get("hmp-leeds")
    assert leeds.address == (
        "HMP Leeds\n2 Gloucester Terrace\nStanningley Road\nLeeds\nWest Yorkshire\nLS12 2TJ"
    )
    assert leeds.town == "Leeds" and leeds.sources == (
        "https://github.com/symroe/prison-estate-data",
    )


def test_the_shipped_file_is_what_the_script_writes_from_the_2017_register(tmp_path):
    written = tmp_path / "england-wales.toml"
    command = [sys.executable, "scripts/prison_register_ew.py", "--output", str(written)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    assert written.read_text() == ENGLAND_WALES.read_text()


def test_the_register_keeps_each_file_s_licence_and_source_for_display():
    register = prisons.read([ENGLAND_WALES])
    (file,) = register.files_for(register.get("hmp-leeds"))
    assert file.title == "England and Wales" and file.licence == "Open Government Licence v3.0"
    assert file.attribution.startswith("Contains public sector information")
    assert (file.source, file.source_date) == (
        "https://github.com/symroe/prison-estate-data",
        "2017-05-12",
    )


def test_the_register_is_loaded_once_per_process(gazetteer):
    assert prisons.load(gazetteer) is prisons.load(gazetteer)


# Names people type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("HMP Leeds", "hmp-leeds"),
        ("hmp leeds", "hmp-leeds"),
        ("leeds prison", "hmp-leeds"),
        ("Leeds", "hmp-leeds"),
        ("Strangeways", "hmp-yoi-manchester"),  # the prison finder's "Manchester (Strangeways)"
        ("Strangeways prison", "hmp-yoi-manchester"),
        ("HMP Manchester", "hmp-yoi-manchester"),
        ("HMP & YOI Altcourse", "hmp-yoi-altcourse"),
        ("HMYOI Altcourse", "hmp-yoi-altcourse"),
        ("HMP and YOI Hollesley Bay", "hmp-yoi-hollesley-bay"),
        ("Feltham prison", "hmyoi-feltham"),
        ("HMP Feltham", "hmyoi-feltham"),
        ("Spring Hill", "hmp-grendon-spring-hill"),
        ("Prescoed", "hmp-usk-and-hmp-yoi-prescoed"),
        ("HMP The Verne", "hmirc-the-verne"),  # its name before it became a removal centre
        ("Holloway", "hmp-holloway"),  # closed, still found
    ],
)
def test_a_prison_is_found_by_the_names_people_write(typed, slug):
    found = prisons.read([ENGLAND_WALES]).find(typed)
    assert found is not None and found.slug == slug


@pytest.mark.parametrize("typed", ["HMP", "hmp yoi", "prison", "", "Leeds books", "Glasgow"])
def test_a_bare_prefix_or_another_text_names_no_prison(typed):
    register = prisons.read([ENGLAND_WALES])
    assert register.find(typed) is None
    assert not {"hmp", "hmp yoi", "hmyoi", "yoi"} & set(register.names())


def test_names_cover_the_name_other_names_and_the_name_without_its_prefix():
    names = prisons.read([ENGLAND_WALES]).names()
    for key in ("hmp leeds", "leeds", "leeds prison", "hmp yoi altcourse", "altcourse"):
        assert names[key] == names["hmp leeds" if "leeds" in key else "altcourse"]


def test_a_name_two_prisons_share_is_dropped_unless_only_one_is_open(tmp_path):
    text = HEAD + "\n".join(
        [
            prison("hmp-newport-one", "HMP Newport One"),
            prison("hmp-newport-two", "HMP Newport Two"),
            prison("hmp-kingston", "HMP Kingston", status="closed", closed="2013"),
            prison("hmp-kingston-new", "HMP Kingston New"),
        ]
    )
    text = text.replace(
        'name = "HMP Newport One"', 'name = "HMP Newport One"\nother_names = ["Newport"]'
    )
    text = text.replace(
        'name = "HMP Newport Two"', 'name = "HMP Newport Two"\nother_names = ["Newport"]'
    )
    text = text.replace(
        'name = "HMP Kingston New"', 'name = "HMP Kingston New"\nother_names = ["HMP Kingston"]'
    )
    register = prisons.read([write(tmp_path, "x.toml", text)])
    names = register.names()
    assert "newport" not in names and register.find("Newport") is None
    assert names["newport one"] == "hmp-newport-one"
    assert names["kingston"] == "hmp-kingston-new"  # the closed prison's old name
    assert register.find("HMP Kingston").slug == "hmp-kingston-new"


def test_a_search_finds_prisons_by_name_or_town_the_named_one_first():
    register = prisons.read([ENGLAND_WALES])
    assert [p.slug for p in register.search("leeds")][0] == "hmp-leeds"
    london = {p.slug for p in register.search("London")}
    assert {"hmp-brixton", "hmp-yoi-pentonville", "hmp-holloway"} <= london
    assert [p.slug for p in register.search("strange")] == ["hmp-yoi-manchester"]  # typing
    assert register.search("") == () and register.search("zzzz") == ()


# Coordinates --------------------------------------------------------------------------------


def test_coordinates_come_from_the_gazetteer_unless_the_record_gives_them(tmp_path, gazetteer):
    text = HEAD + "\n".join(
        [
            prison("hmp-leeds", "HMP Leeds", town="Leeds"),
            prison("fci-dublin", "FCI Dublin", town="Dublin", country="US", area="US-CA"),
            prison("hmp-nowhere", "HMP Nowhere", town="Nowhereville"),
        ]
    )
    text += prison("hmp-isle", "HMP Isle", town="Newport").replace(
        'town = "Newport"', 'town = "Newport"\nlatitude = 50.70146\nlongitude = -1.29124'
    )
    register = prisons.read([write(tmp_path, "x.toml", text)], gazetteer)
    leeds = register.get("hmp-leeds")
    assert distance_km(leeds.latitude, leeds.longitude, 53.7965, -1.5478) < 5
    dublin = register.get("fci-dublin")
    assert dublin.longitude < -100  # in California, not Ireland
    assert register.get("hmp-nowhere").latitude is None
    assert (register.get("hmp-isle").latitude, register.get("hmp-isle").longitude) == (
        50.70146,
        -1.29124,
    )


def test_shipped_prisons_are_placed_in_their_own_country(gazetteer):
    register = prisons.read(SHIPPED, gazetteer)
    placed = [p for p in register.open() if p.latitude is not None]
    assert len(placed) >= 0.9 * len(register.open())
    for p in placed:
        if p.country == "GB":
            assert 49.8 < p.latitude < 61 and -8.7 < p.longitude < 2, p.slug


# Changes over the 2017 register -------------------------------------------------------------


def test_changes_close_rename_and_hand_over_prisons_and_add_new_ones(tmp_path):
    base = write(
        tmp_path,
        "a-register.toml",
        HEAD
        + prison("hmp-yoi-glen-parva", "HMP/YOI Glen Parva", town="Leicester")
        + prison("hmp-old-name", "HMP Old Name")
        + prison("hmp-run-by", "HMP Run By"),
    )
    changes = write(
        tmp_path,
        "b-changes.toml",
        'jurisdiction = "GB-EAW"\nlicence = "facts from cited public pages"\n\n'
        + prison("hmp-fosse-way", "HMP Fosse Way", town="Leicester", opened="2023-06")
        + """
[[change]]
slug = "hmp-yoi-glen-parva"
type = "closed"
closed = "2017-06"
notes = "Replaced by HMP Fosse Way, on the same site."
sources = ["https://example.org/glen-parva-closed"]

[[change]]
slug = "hmp-old-name"
type = "renamed"
name = "HMP New Name"
date = "2020"
sources = ["https://example.org/renamed"]

[[change]]
slug = "hmp-run-by"
type = "operator"
operator = "Sodexo Justice Services"
sources = ["https://example.org/operator"]
""",
    )
    register = prisons.read([base, changes])
    glen_parva = register.get("hmp-yoi-glen-parva")
    assert (glen_parva.status, glen_parva.closed) == ("closed", "2017-06")
    assert glen_parva.notes == "Replaced by HMP Fosse Way, on the same site."
    assert glen_parva.sources == (
        "https://example.org/register",
        "https://example.org/glen-parva-closed",
    )
    assert [f.name for f in register.files_for(glen_parva)] == ["a-register.toml", "b-changes.toml"]
    renamed = register.get("hmp-old-name")
    assert renamed.name == "HMP New Name" and "HMP Old Name" in renamed.other_names
    assert register.find("HMP Old Name").slug == register.find("New Name").slug == "hmp-old-name"
    assert register.get("hmp-run-by").operator == "Sodexo Justice Services"
    assert register.get("hmp-fosse-way").opened == "2023-06"
    assert [f.name for f in register.files_for(register.get("hmp-fosse-way"))] == ["b-changes.toml"]
    assert {p.slug for p in register.open()} == {"hmp-old-name", "hmp-run-by", "hmp-fosse-way"}


# Bad files are refused, saying where ------------------------------------------------------


GOOD = prison("hmp-good", "HMP Good")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (prison("hmp-good", "HMP Good", area="GB-XXX"), "hmp-good: unknown area code 'GB-XXX'"),
        (prison("hmp-good", "HMP Good", area="US-CA"), "hmp-good: unknown area code 'US-CA'"),
        (prison("hmp-good", "HMP Good", country="UK"), "hmp-good: unknown country code 'UK'"),
        (prison("hmp-good", "HMP Good", status="shut"), "hmp-good: bad status 'shut'"),
        (GOOD.replace('sources = ["https://example.org/register"]\n', ""), "missing source"),
        (GOOD.replace('"https://example.org/register"', ""), "hmp-good: missing source"),
        (GOOD.replace("https://example.org/register", "the register"), "must be a web address"),
        (GOOD + GOOD, "hmp-good: duplicate slug (also in x.toml)"),
        (prison("HMP Good", "HMP Good"), "a slug must be lower-case words"),
        (prison("hmp-good", "HMP Good", adress="1 Road"), "hmp-good: unknown field 'adress'"),
        (prison("hmp-good", "HMP Good", closed="2013"), "a closing date, but the status is 'open'"),
        (
            prison("hmp-good", "HMP Good", status="closed", closed="last year"),
            "closed must be YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (GOOD.replace('name = "HMP Good"\n', ""), "hmp-good: missing name"),
        (
            GOOD + '\n[[change]]\nslug = "hmp-gone"\ntype = "closed"\nclosed = "2020"\n'
            'sources = ["https://example.org/x"]\n',
            "hmp-gone: a change to a prison no file lists",
        ),
        (
            GOOD + '\n[[change]]\nslug = "hmp-good"\ntype = "demolished"\n'
            'sources = ["https://example.org/x"]\n',
            "hmp-good: bad change type 'demolished'",
        ),
        (
            GOOD + '\n[[change]]\nslug = "hmp-good"\ntype = "closed"\n'
            'sources = ["https://example.org/x"]\n',
            "hmp-good: a closed change needs its date",
        ),
        (
            GOOD + '\n[[change]]\nslug = "hmp-good"\ntype = "renamed"\nname = "HMP Better"\n',
            "hmp-good: missing source",
        ),
    ],
)
def test_a_bad_record_is_refused_naming_the_file_and_the_slug(tmp_path, text, complaint):
    path = write(tmp_path, "x.toml", HEAD + text)
    with pytest.raises(prisons.RegisterError) as refused:
        prisons.read([path])
    assert str(refused.value).startswith("x.toml")
    assert complaint in str(refused.value)


def test_a_slug_listed_in_two_files_is_refused_naming_both(tmp_path):
    first = write(tmp_path, "a.toml", HEAD + GOOD)
    second = write(tmp_path, "b.toml", HEAD + GOOD)
    with pytest.raises(
        prisons.RegisterError, match=r"b.toml, hmp-good: duplicate slug \(also in a.toml\)"
    ):
        prisons.read([first, second])


@pytest.mark.parametrize(
    ("head", "complaint"),
    [
        ('licence = "OGL"\n', "x.toml: missing jurisdiction"),
        ('jurisdiction = "GB-EAW"\n', "x.toml: missing licence"),
        (HEAD + 'licence_url = "https://example.org"\n', "x.toml: unknown field 'licence_url'"),
        (HEAD + "prison = 3\n", "x.toml: prison must be [[prison]] tables"),
        ("jurisdiction = \n", "x.toml: cannot be read"),
    ],
)
def test_a_bad_file_is_refused_naming_it(tmp_path, head, complaint):
    with pytest.raises(prisons.RegisterError, match=re.escape(complaint)):
        prisons.read([write(tmp_path, "x.toml", head)])
