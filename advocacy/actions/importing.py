"""Importing representatives and the postal-area table from CSV, for the command and the admin.

Both imports read UTF-8 CSV (with or without a byte-order mark) with a header row naming the
columns (in any order, any case). Every row is checked before anything is written: if any row
is bad, each problem is reported with its line number and **nothing is imported**.

* Representatives: ``name``, ``role``, ``email`` (required), ``riding``, ``province`` (the
  two-letter code, or the English or French name), ``party``. A row updates the representative
  with the same email and role, or adds one. Nobody is deleted.
* Postal areas: ``fsa`` (the first three characters of a postal code, e.g. ``K1A``) and
  ``riding``, one row per area and riding. The upload **replaces the whole table** in one
  transaction. Areas whose riding has no representative are listed as warnings.

Files are limited to :data:`MAX_ROWS` rows; uploads in the admin to :data:`MAX_UPLOAD_BYTES`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.search.backends import get_search_backends

from advocacy.models import Representative, RidingArea
from advocacy.models.actions import riding_key
from advocacy.models.organisations import PROVINCES
from newsletter.audience.forms import clean_email, clean_text
from newsletter.audience.importing import ImportFileError, check_utf8, text_stream

__all__ = [
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "ImportFileError",
    "ImportResult",
    "check_utf8",
    "import_postal_areas",
    "import_representatives",
    "parse_province",
    "text_stream",
]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_PROBLEMS_KEPT = 200
MAX_WARNINGS_SHOWN = 50
FSA_PATTERN = re.compile(r"[A-Z][0-9][A-Z]")

REPRESENTATIVE_COLUMNS = ("name", "role", "email")
REPRESENTATIVE_OPTIONAL = ("riding", "province", "party")
POSTAL_AREA_COLUMNS = ("fsa", "riding")

# French names of the provinces and territories (the English ones come from PROVINCES).
FRENCH_PROVINCES = {
    "BC": "Colombie-Britannique",
    "NB": "Nouveau-Brunswick",
    "NL": "Terre-Neuve-et-Labrador",
    "NS": "Nouvelle-Écosse",
    "NT": "Territoires du Nord-Ouest",
    "PE": "Île-du-Prince-Édouard",
    "QC": "Québec",
}


def _name_key(name: str) -> str:
    """A place name ignoring case, accents, dashes and spacing: 'Île-du-Prince-Édouard'
    matches 'ile du prince edouard'."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("\u2013", " ").split()).casefold()


PROVINCE_KEYS: dict[str, str] = {
    **{_name_key(code): code for code, _name in PROVINCES},
    **{_name_key(name): code for code, name in PROVINCES},
    **{_name_key(name): code for code, name in FRENCH_PROVINCES.items()},
}


def parse_province(value: str) -> str:
    """The two-letter code for a code or an English or French name ('' for blank), or
    ValidationError."""
    if not value.strip():
        return ""
    code = PROVINCE_KEYS.get(_name_key(value))
    if code is None:
        raise ValidationError(
            _("“%(value)s” is not a province or territory (use e.g. ON, Ontario or Québec)")
            % {"value": value.strip()[:60]}
        )
    return code


@dataclass(frozen=True)
class RowProblem:
    """A bad row: its line number in the file and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportResult:
    """What an import found and did. ``problems`` non-empty means nothing was written."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    replaced: int = 0  # postal areas: rows in the table before the import
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def problem(self, line: int, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(RowProblem(line, message))

    def problems_not_shown(self) -> int:
        return self.problem_count - len(self.problems)

    def refusal(self) -> str:
        """The one-line reason nothing was imported."""
        return ngettext(
            "%(count)s problem found: nothing was imported. Correct the file and try again.",
            "%(count)s problems found: nothing was imported. Correct the file and try again.",
            self.problem_count,
        ) % {"count": self.problem_count}


def _rows(text: Iterable[str], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """``(line number, {column: value})`` for each non-blank row, after checking the header
    and the row limit; ImportFileError when the file as a whole is unusable."""
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        if header:
            header[0] = header[0].removeprefix("\ufeff")  # a BOM left by a text-mode reader
        columns = {name.strip().lower(): i for i, name in enumerate(header)}
        missing = [name for name in required if name not in columns]
        if missing:
            raise ImportFileError(
                _(
                    "The first row must name the columns. Missing: %(missing)s (found: "
                    "%(found)s). Nothing was imported."
                )
                % {
                    "missing": ", ".join(missing),
                    "found": ", ".join(h.strip() for h in header)[:200] or _("nothing"),
                }
            )
        count = 0
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(
                    _(
                        "The file has more than %(max)s rows. Split it into smaller files. "
                        "Nothing was imported."
                    )
                    % {"max": f"{MAX_ROWS:,}"}
                )
            yield (
                reader.line_num,
                {name: values[i] if i < len(values) else "" for name, i in columns.items()},
            )
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)s: not a readable CSV file (%(error)s). Nothing was imported.")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
        ) from exc


def _field_length(name: str) -> int:
    return Representative._meta.get_field(name).max_length


def _clean_representative(row: dict) -> dict:
    """The row's fields, cleaned, or ValidationError naming the first problem."""
    name = clean_text(row.get("name", ""), _field_length("name"), _("name"))
    role = " ".join(clean_text(row.get("role", ""), _field_length("role"), _("role")).split())
    if not name:
        raise ValidationError(_("the name is missing"))
    if not role:
        raise ValidationError(_("the role is missing"))
    if not row.get("email", "").strip():
        raise ValidationError(_("the email address is missing"))
    try:
        email = clean_email(row["email"])
    except ValidationError as exc:
        raise ValidationError(
            _("“%(email)s” is not a valid email address") % {"email": row["email"].strip()[:80]}
        ) from exc
    return {
        "name": name,
        "role": role,
        "email": email,
        "riding": clean_text(row.get("riding", ""), _field_length("riding"), _("riding")),
        "province": parse_province(row.get("province", "")),
        "party": clean_text(row.get("party", ""), _field_length("party"), _("party")),
    }


def _check_representatives(text: Iterable[str], result: ImportResult) -> dict[tuple, dict]:
    """Every good row by (email, role); problems recorded for the bad ones."""
    good: dict[tuple[str, str], dict] = {}
    first_line: dict[tuple[str, str], int] = {}
    for line, row in _rows(text, REPRESENTATIVE_COLUMNS):
        result.rows += 1
        try:
            values = _clean_representative(row)
        except ValidationError as exc:
            result.problem(line, exc.messages[0])
            continue
        key = (values["email"], values["role"].casefold())
        if key in first_line:
            result.problem(
                line,
                _("same email and role as line %(line)s") % {"line": first_line[key]},
            )
            continue
        first_line[key] = line
        good[key] = values
    return good


def import_representatives(text: Iterable[str]) -> ImportResult:
    """Add or update representatives from CSV text; nothing is written if any row is bad.

    Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    result = ImportResult()
    good = _check_representatives(text, result)
    if not result.ok:
        return result
    if not good:
        raise ImportFileError(_("The file has no rows below the header. Nothing was imported."))
    with transaction.atomic():
        emails = {email for email, _role in good}
        existing = {
            (rep.email, rep.role.casefold()): rep
            for rep in Representative.objects.select_for_update().filter(email__in=emails)
        }
        new, changed = [], []
        fields = ["name", "role", "riding", "riding_key", "province", "party"]
        for key, values in good.items():
            values["riding_key"] = riding_key(values["riding"])
            rep = existing.get(key)
            if rep is None:
                new.append(Representative(**values))
            elif any(getattr(rep, name) != values[name] for name in fields):
                for name in fields:
                    setattr(rep, name, values[name])
                changed.append(rep)
            else:
                result.unchanged += 1
        Representative.objects.bulk_create(new, batch_size=1000)
        Representative.objects.bulk_update(changed, fields, batch_size=1000)
        # Bulk writes skip Wagtail's search signals: index them here, or the chooser that
        # editors pick an action's targets with would not find imported representatives.
        touched = list(Representative.objects.filter(email__in=emails))
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(Representative, touched)
    result.created, result.updated = len(new), len(changed)
    return result


def representatives_summary(result: ImportResult) -> str:
    """'12 rows: 10 added, 1 updated, 1 unchanged.'"""
    return _("%(rows)s rows: %(created)s added, %(updated)s updated, %(unchanged)s unchanged.") % {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def _check_postal_areas(text: Iterable[str], result: ImportResult) -> dict[tuple, RidingArea]:
    """Every good row by (fsa, riding key); problems recorded for the bad ones."""
    good: dict[tuple[str, str], RidingArea] = {}
    first_line: dict[tuple[str, str], int] = {}
    repeats = 0
    max_riding = RidingArea._meta.get_field("riding").max_length
    for line, row in _rows(text, POSTAL_AREA_COLUMNS):
        result.rows += 1
        fsa = row["fsa"].strip().upper()
        if not FSA_PATTERN.fullmatch(fsa):
            result.problem(
                line,
                _("“%(fsa)s” is not a postal area: three characters, letter digit letter, e.g. K1A")
                % {"fsa": row["fsa"].strip()[:20]},
            )
            continue
        try:
            riding = " ".join(clean_text(row["riding"], max_riding, _("riding")).split())
        except ValidationError as exc:
            result.problem(line, exc.messages[0])
            continue
        if not riding:
            result.problem(line, _("the riding is missing"))
            continue
        key = (fsa, riding_key(riding))
        if key in first_line:
            repeats += 1
            if repeats <= MAX_WARNINGS_SHOWN:
                result.warnings.append(
                    _("line %(line)s repeats line %(first)s (%(fsa)s, %(riding)s): kept once")
                    % {"line": line, "first": first_line[key], "fsa": fsa, "riding": riding}
                )
            continue
        first_line[key] = line
        good[key] = RidingArea(fsa=fsa, riding=riding, riding_key=key[1])
    if repeats > MAX_WARNINGS_SHOWN:
        result.warnings.append(_("… and %(count)s more") % {"count": repeats - MAX_WARNINGS_SHOWN})
    return good


def ridings_without_representative(areas: Iterable[RidingArea]) -> list[str]:
    """Riding names (one each, sorted) that no representative has."""
    known = set(Representative.objects.exclude(riding_key="").values_list("riding_key", flat=True))
    missing = {area.riding_key: area.riding for area in areas if area.riding_key not in known}
    return sorted(missing.values(), key=str.casefold)


def import_postal_areas(text: Iterable[str]) -> ImportResult:
    """Replace the postal-area table with the CSV's rows, in one transaction; nothing is
    written if any row is bad. Warns about ridings that have no representative.

    Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    result = ImportResult()
    good = _check_postal_areas(text, result)
    if not result.ok:
        return result
    if not good:
        raise ImportFileError(
            _("The file has no rows below the header: the table was left as it was.")
        )
    with transaction.atomic():
        result.replaced, _deleted = RidingArea.objects.all().delete()
        RidingArea.objects.bulk_create(good.values(), batch_size=2000)
    result.created = len(good)
    missing = ridings_without_representative(good.values())
    if missing:
        shown = ", ".join(missing[:MAX_WARNINGS_SHOWN])
        more = len(missing) - MAX_WARNINGS_SHOWN
        if more > 0:
            shown += " " + _("… and %(count)s more") % {"count": more}
        result.warnings.append(
            ngettext(
                "%(count)s riding has no representative yet, so supporters there will find "
                "nobody to write to: %(ridings)s",
                "%(count)s ridings have no representative yet, so supporters there will find "
                "nobody to write to: %(ridings)s",
                len(missing),
            )
            % {"count": len(missing), "ridings": shown}
        )
    return result


def postal_areas_summary(result: ImportResult) -> str:
    """'The table now has 1,200 rows (it had 1,150); 800 ridings.'"""
    ridings = RidingArea.objects.values("riding_key").distinct().count()
    return _(
        "The postal-area table was replaced: it now has %(rows)s rows for %(ridings)s ridings "
        "(it had %(before)s rows)."
    ) % {"rows": result.created, "ridings": ridings, "before": result.replaced}
