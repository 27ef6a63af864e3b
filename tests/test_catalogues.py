"""The French catalogues are complete, well-formed and compiled.

For each catalogue (advocacy/locale, newsletter/locale, site/locale for templates/ and site/)
the strings are extracted afresh, as ``make messages`` does, from a copy of the sources in a
temporary directory (the repository is not touched), and every one must have a French
translation in the committed .po file: not empty, not fuzzy, with the same placeholders and
HTML tags. The committed .mo must say what the .po says, and ``msgfmt --check`` must accept
the .po. When a test here fails after adding or changing a string, run ``make messages``,
translate what is new in the .po files, and run it again.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
# Extracted as in the Makefile's `messages` target.
EXTENSIONS = ["html", "txt", "py", "mjml"]
SOURCES = ("*.py", "*.html", "*.txt", "*.mjml")
# The site catalogue: templates/ and site/ (its apps' own catalogues hold the rest).
SITE_PARTS = ("templates", "site")
CATALOGUES = {
    "advocacy": ROOT / "advocacy/locale/fr/LC_MESSAGES/django.po",
    "newsletter": ROOT / "newsletter/locale/fr/LC_MESSAGES/django.po",
    "site": ROOT / "site/locale/fr/LC_MESSAGES/django.po",
}
PYTHON_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0+]*\d*(?:\.\d+)?[sdifrx]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _copy_sources(source: Path, target: Path) -> None:
    """The files makemessages reads (no locale/, static/ or caches), keeping the layout."""
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("locale", "static", "__pycache__"),
    )
    for path in list(target.rglob("*")):
        if path.is_file() and not any(path.match(pattern) for pattern in SOURCES):
            path.unlink()


def _extract(name: str, workdir: Path) -> Path:
    """Run makemessages on a copy of the catalogue's sources; the fresh .po it writes."""
    if name == "site":  # as from the repository's root: site/locale is LOCALE_PATHS[0]
        for part in SITE_PARTS:
            _copy_sources(ROOT / part, workdir / part)
        home, locale_paths = workdir, [workdir / "site" / "locale"]
    else:  # as from inside the app, beside its locale/
        _copy_sources(ROOT / name, workdir / name)
        home, locale_paths = workdir / name, []
        (home / "locale").mkdir()
    previous = Path.cwd()
    os.chdir(home)
    try:
        with override_settings(LOCALE_PATHS=locale_paths):
            call_command(
                "makemessages",
                locale=["fr"],
                extensions=EXTENSIONS,
                add_location="file",
                verbosity=0,
            )
    finally:
        os.chdir(previous)
    return (locale_paths[0] if locale_paths else home / "locale") / "fr/LC_MESSAGES/django.po"


def _read_po(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _key(message) -> tuple[str | None, str]:
    singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return message.context, singular


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


def _marks(text: str, python_format: bool) -> Counter:
    """Placeholders ({name}; %(name)s and %s in python-format strings) and HTML tags, each
    counted."""
    found = BRACE_PLACEHOLDER.findall(text) + HTML_TAG.findall(text)
    if python_format:
        found += PYTHON_PLACEHOLDER.findall(text.replace("%%", ""))
    return Counter(found)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set[tuple[str | None, str]]]:
    """The (context, msgid) pairs the code marks today, per catalogue."""
    found = {}
    for name in CATALOGUES:
        fresh = _extract(name, tmp_path_factory.mktemp(name))
        found[name] = {_key(message) for message in _read_po(fresh) if message.id}
    return found


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_marked_string_has_a_french_translation(name, extracted):
    committed = {_key(m): m for m in _read_po(CATALOGUES[name]) if m.id}
    assert extracted[name], f"nothing extracted for {name}: is the extraction broken?"
    missing = sorted(str(key) for key in extracted[name] - committed.keys())
    assert not missing, f"{name}: not in the .po (run `make messages`): {missing}"
    untranslated = sorted(
        str(key)
        for key in extracted[name]
        if committed[key].fuzzy or not all(form.strip() for form in _forms(committed[key].string))
    )
    assert not untranslated, f"{name}: untranslated or fuzzy: {untranslated}"


@pytest.mark.parametrize("name", CATALOGUES)
def test_translations_keep_placeholders_and_tags(name):
    catalogue = _read_po(CATALOGUES[name])
    assert catalogue.plural_forms == "nplurals=2; plural=(n > 1);"
    assert catalogue.locale and str(catalogue.locale) == "fr"
    wrong = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids, strings = _forms(message.id), _forms(message.string)
        python_format = "python-format" in message.flags
        for index, text in enumerate(strings):
            source = ids[min(index, len(ids) - 1)]
            if _marks(text, python_format) != _marks(source, python_format):
                wrong.append(f"{source!r} -> {text!r}")
    assert not wrong, f"{name}: placeholders or tags differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", CATALOGUES)
def test_msgfmt_accepts_the_catalogue(name):
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(CATALOGUES[name])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", CATALOGUES)
def test_the_committed_mo_matches_the_po(name):
    """The .mo beside the .po says the same (compare the messages, not the bytes)."""
    po = CATALOGUES[name]
    mo = po.with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `make messages`"
    expected = {
        _key(m): _forms(m.string) for m in _read_po(po) if m.id and m.string and not m.fuzzy
    }
    with mo.open("rb") as handle:
        compiled = {_key(m): _forms(m.string) for m in read_mo(io.BytesIO(handle.read())) if m.id}
    assert compiled == expected, f"{mo} is stale: run `make messages`"


def test_a_french_reader_sees_french(rf):
    """What a reader sees in French, from each catalogue: the confirmation email and the
    subscribe button (newsletter), the newsroom's pagination (advocacy), the error page (site).
    No database: the templates get plain values."""
    from django.core.paginator import Paginator
    from django.utils.translation import gettext

    email = {
        "mailing_list": {"name": "Nouvelles"},
        "subscriber": {"email": "ada@example.org"},
        "confirm_url": "https://example.org/c/1/",
        "expires_days": 7,
    }
    pages = {"page_obj": Paginator(list(range(30)), 10).get_page(2)}
    with translation.override("fr"):
        text = render_to_string("newsletter/email/confirm.txt", email)
        html = render_to_string("newsletter/email/confirm.html", email)
        button = gettext("Subscribe")
        pagination = render_to_string(
            "advocacy/includes/pagination.html", pages, request=rf.get("/", {"page": "2"})
        )
        error_page = render_to_string("500.html")
    assert text.startswith("Bonjour,\n")
    assert (
        "Vous avez demandé à recevoir «\u00a0Nouvelles\u00a0» à l\u2019adresse ada@example.org."
        in text
    )
    assert "Pour confirmer, ouvrez ce lien (valable 7 jours)\u00a0:" in text
    assert ">Confirmer mon abonnement</a>" in html
    assert button == "S\u2019abonner"
    assert '<span class="visually-hidden">Page </span>Précédente' in pagination
    assert "Suivante" in pagination
    assert '<html lang="fr">' in error_page and "Un problème est survenu" in error_page
    with translation.override("en"):
        assert "To confirm, open this link (it works for 7 days):" in render_to_string(
            "newsletter/email/confirm.txt", email
        )
