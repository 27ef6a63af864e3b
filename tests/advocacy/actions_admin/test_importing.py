"""CSV imports of representatives and of the postal-area (FSA) table, and their commands."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from advocacy.actions import importing
from advocacy.actions.importing import (
    ImportFileError,
    import_postal_areas,
    import_representatives,
    parse_province,
)
from advocacy.models import Representative, RidingArea

pytestmark = pytest.mark.django_db

REPRESENTATIVES = """\
name,role,riding,province,party,email
Yasir Naqvi,Member of Parliament,Ottawa Centre,ON,Liberal,Yasir.Naqvi@example.org
Alexandre Boulerice,Member of Parliament,Rosemont—La Petite-Patrie,Québec,NDP,ab@example.org
Mélanie Joly,Minister of Foreign Affairs,,,,melanie.joly@example.org
"""


def csv_text(text: str, bom: bool = False) -> io.StringIO:
    return io.StringIO(("\ufeff" if bom else "") + text, newline="")


def test_representatives_are_added_then_updated_by_email_and_role():
    result = import_representatives(csv_text(REPRESENTATIVES))

    assert result.ok and (result.created, result.updated, result.unchanged) == (3, 0, 0)
    naqvi = Representative.objects.get(name="Yasir Naqvi")
    assert naqvi.email == "yasir.naqvi@example.org"  # normalised
    assert (naqvi.province, naqvi.riding_key) == ("ON", "ottawa centre")
    assert Representative.objects.get(name="Alexandre Boulerice").province == "QC"
    assert Representative.objects.get(name="Mélanie Joly").riding == ""

    changed = REPRESENTATIVES.replace("ON,Liberal", "Ontario,Independent")
    again = import_representatives(csv_text(changed, bom=True))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert Representative.objects.get(name="Yasir Naqvi").party == "Independent"
    assert Representative.objects.count() == 3


def test_the_same_person_in_two_roles_is_two_representatives():
    text = (
        REPRESENTATIVES
        + "Mélanie Joly,Member of Parliament,Ahuntsic-Cartierville,QC,,melanie.joly@example.org\n"
    )
    assert import_representatives(csv_text(text)).created == 4
    assert Representative.objects.filter(email="melanie.joly@example.org").count() == 2


def test_a_bad_row_imports_nothing_and_names_each_line():
    text = (
        "Name,Role,Email,Province\n"
        "Good Person,Member of Parliament,good@example.org,ON\n"
        "No Address,Member of Parliament,,ON\n"
        "Bad Address,Member of Parliament,not-an-address,ON\n"
        "Bad Province,Member of Parliament,bp@example.org,Atlantis\n"
        ",Member of Parliament,noname@example.org,\n"
        "Good Person,member of parliament,GOOD@example.org,ON\n"
    )
    result = import_representatives(csv_text(text))

    assert not result.ok
    messages = [str(problem) for problem in result.problems]
    assert messages == [
        "line 3: the email address is missing",
        "line 4: “not-an-address” is not a valid email address",
        "line 5: “Atlantis” is not a province or territory (use e.g. ON, Ontario or Québec)",
        "line 6: the name is missing",
        "line 7: same email and role as line 2",
    ]
    assert "5 problems found: nothing was imported" in result.refusal()
    assert not Representative.objects.exists()


def test_a_missing_column_or_an_empty_file_is_refused():
    with pytest.raises(ImportFileError, match="Missing: email"):
        import_representatives(csv_text("name,role\nA,B\n"))
    with pytest.raises(ImportFileError, match="empty"):
        import_representatives(csv_text(""))
    with pytest.raises(ImportFileError, match="no rows"):
        import_representatives(csv_text("name,role,email\n\n"))


def test_too_many_rows_are_refused_before_anything_is_written(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        import_representatives(csv_text(REPRESENTATIVES))
    assert not Representative.objects.exists()


@pytest.mark.parametrize(
    ("given", "code"),
    [("qc", "QC"), ("Quebec", "QC"), ("québec", "QC"), ("Ile du Prince Edouard", "PE"),
     ("Newfoundland and Labrador", "NL"), ("Terre-Neuve-et-Labrador", "NL"), ("", "")],
)  # fmt: skip
def test_provinces_by_code_or_english_or_french_name(given, code):
    assert parse_province(given) == code


AREAS = (
    "fsa,riding\nK1P,Ottawa Centre\nk1r,Ottawa Centre\n"
    "H2G,Rosemont—La Petite-Patrie\nH2G,Outremont\n"
)


def test_postal_areas_replace_the_whole_table_and_warn_about_ridings_without_representatives():
    import_representatives(csv_text(REPRESENTATIVES))
    RidingArea.objects.create(fsa="Z9Z", riding="Old riding")

    result = import_postal_areas(csv_text(AREAS, bom=True))

    assert result.ok and (result.created, result.replaced) == (4, 1)
    assert sorted(RidingArea.objects.values_list("fsa", "riding")) == [
        ("H2G", "Outremont"),
        ("H2G", "Rosemont—La Petite-Patrie"),
        ("K1P", "Ottawa Centre"),
        ("K1R", "Ottawa Centre"),
    ]
    assert result.warnings == [
        "1 riding has no representative yet, so supporters there will find nobody to write "
        "to: Outremont"
    ]
    assert "now has 4 rows for 3 ridings (it had 1 rows)" in importing.postal_areas_summary(result)


def test_a_bad_postal_area_leaves_the_table_as_it_was():
    import_postal_areas(csv_text(AREAS))
    bad = "fsa,riding\nK1P,Ottawa Centre\nK1,Ottawa Centre\n1A1,Somewhere\nM5V,\n"

    result = import_postal_areas(csv_text(bad))

    assert [str(problem) for problem in result.problems] == [
        "line 3: “K1” is not a postal area: three characters, letter digit letter, e.g. K1A",
        "line 4: “1A1” is not a postal area: three characters, letter digit letter, e.g. K1A",
        "line 5: the riding is missing",
    ]
    assert RidingArea.objects.count() == 4


def test_an_empty_postal_area_file_never_empties_the_table():
    import_postal_areas(csv_text(AREAS))
    with pytest.raises(ImportFileError, match="left as it was"):
        import_postal_areas(csv_text("fsa,riding\n"))
    assert RidingArea.objects.count() == 4


def test_a_repeated_postal_area_row_is_kept_once_with_a_warning():
    result = import_postal_areas(csv_text("fsa,riding\nK1P,Ottawa Centre\nk1p, ottawa  centre\n"))
    assert result.ok and RidingArea.objects.count() == 1
    assert "line 3 repeats line 2" in result.warnings[0]


# --- the commands ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8-sig") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def test_the_commands_import_and_report(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_representatives", write(tmp_path, "reps.csv", REPRESENTATIVES), stdout=out)
    assert "3 rows: 3 added, 0 updated, 0 unchanged." in out.getvalue()

    out = io.StringIO()
    call_command("import_postal_areas", write(tmp_path, "fsa.csv", AREAS), stdout=out, stderr=err)
    assert "now has 4 rows for 3 ridings" in out.getvalue()
    assert "Warning: 1 riding has no representative yet" in err.getvalue()


def test_the_commands_exit_1_with_each_problem_on_bad_input(tmp_path):
    err = io.StringIO()
    bad = "name,role,email\nA,MP,a@example.org\nB,MP,nope\n"
    with pytest.raises(CommandError, match="1 problem found: nothing was imported") as caught:
        call_command("import_representatives", write(tmp_path, "bad.csv", bad), stderr=err)
    assert caught.value.returncode == 1
    assert "line 3: “nope” is not a valid email address" in err.getvalue()
    assert not Representative.objects.exists()

    with pytest.raises(CommandError, match="not UTF-8"):
        call_command(
            "import_postal_areas",
            write(tmp_path, "latin.csv", "fsa,riding\nH2G,Montréal\n", "latin-1"),
        )
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_postal_areas", str(tmp_path / "missing.csv"))


def test_imported_representatives_can_be_found_by_the_search_backend():
    """The chooser editors pick an action's targets with searches the search index: rows
    written in bulk by the import are indexed too."""
    from wagtail.search.backends import get_search_backend

    import_representatives(csv_text(REPRESENTATIVES))

    found = get_search_backend().search("Joly", Representative)
    assert [rep.name for rep in found] == ["Mélanie Joly"]


def test_a_postal_area_needs_ascii_digits():
    result = import_postal_areas(csv_text("fsa,riding\nK\u0663A,Ottawa Centre\n"))
    assert not result.ok and not RidingArea.objects.exists()


def test_many_repeated_postal_area_rows_give_a_bounded_list_of_warnings():
    rows = "fsa,riding\n" + "K1P,Ottawa Centre\n" * 500
    result = import_postal_areas(csv_text(rows))
    assert result.ok and RidingArea.objects.count() == 1
    assert len(result.warnings) <= importing.MAX_WARNINGS_SHOWN + 2
    assert any("more" in warning for warning in result.warnings)
