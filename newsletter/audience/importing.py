"""Streaming CSV import of subscribers, shared by the command and the admin upload.

The file is read one row at a time and written in batches (``NEWSLETTER_IMPORT_BATCH_SIZE``,
1,000 rows by default) with a constant number of queries per batch, so memory stays flat
whatever the size of the file. Columns (a header row is required, case does not matter):

* ``email`` (required), ``name``, ``language`` (``en`` or ``fr``; default ``en``);
* ``consented_at`` (optional ISO date or date-time): when consent was given elsewhere, e.g. the
  date of a donation for implied consent. Defaults to the time of the import;
* ``province`` (optional, e.g. ``QC``): set on new subscribers, and on existing ones who have
  none (an existing province is kept);
* ``tags`` (optional): labels for segments, several separated by ``;`` or ``,`` inside the
  field (quote it for commas), e.g. ``"donor; volunteer"``. They are added to the subscriber
  (tags they have are kept), also for people skipped as already on the list; a tag that exists
  with other capitals is reused.

Each row is checked on its own. Good rows become *active* subscriptions with the consent type
and source given (the import asserts consent obtained elsewhere; who imported is recorded).
Skipped and reported, with their line numbers: invalid addresses or values, duplicates in the
file, suppressed addresses, people already on the list, and people who unsubscribed from the list
before (an import never re-subscribes them). Existing subscribers keep their name and language.

A real run commits batch by batch: if it stops half way, run it again; rows already imported
are reported as already on the list. A dry run does the same work in a transaction that is
rolled back, so its report is exactly what a real run would say.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from newsletter import conf
from newsletter.audience.bulk_insert import insert_ignoring_conflicts
from newsletter.audience.consent import implied_consent_cutoff
from newsletter.audience.forms import MAX_NAME_LENGTH, clean_email, clean_text
from newsletter.audience.import_labels import label_subscribers, parse_tags
from newsletter.models import (
    ImportRun,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
)
from newsletter.models.audience import new_public_id

ConsentType = Subscription.ConsentType
MAX_ISSUES_KEPT = 500
MAX_PROVINCE_LENGTH = Subscriber._meta.get_field("province").max_length
ALREADY_ON_LIST = gettext_noop("already on the list")


class ImportFileError(Exception):
    """The whole file cannot be imported (no email column, not UTF-8 text, ...)."""


@dataclass(frozen=True)
class RowIssue:
    line: int
    email: str
    reason: str
    invalid: bool  # True: a bad row; False: a good row that was skipped

    def __str__(self) -> str:
        who = f" {self.email}" if self.email else ""
        return _("line %(line)s:%(who)s — %(reason)s") % {
            "line": self.line,
            "who": who,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    """What an import did; issues beyond the first few hundred are counted, not kept."""

    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    invalid: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    issues_not_kept: int = 0
    reasons: Counter = field(default_factory=Counter)
    tagged_already_on_list: int = 0  # skipped as already on the list, tags added all the same

    def add(self, issue: RowIssue) -> None:
        if issue.invalid:
            self.invalid += 1
        else:
            self.skipped += 1
        self.reasons[issue.reason.split(":")[0]] += 1
        if len(self.issues) < MAX_ISSUES_KEPT:
            self.issues.append(issue)
        else:
            self.issues_not_kept += 1

    def summary(self) -> str:
        figures = {
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "tagged": self.tagged_already_on_list,
        }
        if self.dry_run:
            text = _(
                "%(rows)s rows: %(imported)s would be imported, %(skipped)s skipped, "
                "%(invalid)s invalid."
            )
        else:
            text = _(
                "%(rows)s rows: %(imported)s imported, %(skipped)s skipped, %(invalid)s invalid."
            )
        if self.tagged_already_on_list:
            if self.dry_run:
                text += " " + _("Tags would be added to %(tagged)s already on the list.")
            else:
                text += " " + _("Tags added to %(tagged)s already on the list.")
        return text % figures


@dataclass
class _Row:
    line: int
    email: str
    name: str
    language: str
    consented_at: datetime.datetime | None
    province: str = ""
    tags: tuple[str, ...] = ()


def check_utf8(binary: BinaryIO, chunk_size: int = 1 << 20) -> None:
    """Read a seekable binary file once, in chunks; raise ImportFileError if not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        while chunk := binary.read(chunk_size):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise ImportFileError(
                    _(
                        "Line %(line)s: the file is not UTF-8 text. Save it as “CSV UTF-8” and "
                        "upload it again. Nothing was imported."
                    )
                    % {"line": line}
                ) from exc
            line += chunk.count(b"\n")
        decoder.decode(b"", final=True)
    finally:
        binary.seek(0)


def text_stream(binary: BinaryIO) -> io.TextIOWrapper:
    """Decode a binary file as UTF-8 (with or without BOM) for :mod:`csv`."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[type-var]


def _parse_consented_at(value: str, consent_type: str, now: datetime.datetime):
    value = value.strip()
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValidationError(_("consented_at must be a date like 2025-03-31"))
        moment = datetime.datetime.combine(day, datetime.time(12))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now:
        raise ValidationError(_("consented_at is in the future"))
    if consent_type == ConsentType.IMPLIED and moment < implied_consent_cutoff(now):
        raise ValidationError(
            _("implied consent from %(date)s has lapsed (older than two years)")
            % {"date": f"{moment:%Y-%m-%d}"}
        )
    return moment


class _Importer:
    def __init__(self, run: ImportRun, report: ImportReport, on_issue, batch_size: int):
        self.run = run
        self.mailing_list = run.mailing_list
        self.report = report
        self.on_issue = on_issue
        self.batch_size = batch_size
        self.now = timezone.now()
        self.batch_issues: list[RowIssue] = []

    def issue(self, line: int, email: str, reason: str, *, invalid: bool) -> None:
        self.batch_issues.append(RowIssue(line, email, reason, invalid))

    def flush_issues(self) -> None:
        """Report the batch's issues in line order (a batch holds at most batch_size rows)."""
        for issue in sorted(self.batch_issues, key=lambda i: i.line):
            self.report.add(issue)
            if self.on_issue:
                self.on_issue(issue)
        self.batch_issues = []

    def run_rows(self, rows: Iterable[list[str]], line_number: Callable[[], int]) -> None:
        iterator = iter(rows)
        header = next(iterator, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        columns = {name.strip().lower(): i for i, name in enumerate(header)}
        if "email" not in columns:
            found = ", ".join(h.strip() for h in header)[:200] or _("nothing")
            raise ImportFileError(
                _("The first row must name the columns, including “email” (found: %(found)s).")
                % {"found": found}
            )
        batch: list[_Row] = []
        rows_in_batch = 0
        for values in iterator:
            if not any(v.strip() for v in values):
                continue  # blank line
            self.report.rows += 1
            rows_in_batch += 1
            row = self.parse(values, columns, line_number())
            if row is not None:
                batch.append(row)
            if rows_in_batch >= self.batch_size:
                self.write(batch)
                batch, rows_in_batch = [], 0
        self.write(batch)

    def parse(self, values: list[str], columns: dict[str, int], line: int) -> _Row | None:
        def value(name: str) -> str:
            index = columns.get(name)
            return values[index] if index is not None and index < len(values) else ""

        raw_email = value("email").strip()
        try:
            email = clean_email(raw_email)
            name = clean_text(value("name"), MAX_NAME_LENGTH, _("name"))
            language = value("language").strip().lower() or "en"
            if language not in ("en", "fr"):
                raise ValidationError(_("language must be en or fr"))
            consented_at = _parse_consented_at(
                value("consented_at"), self.run.consent_type, self.now
            )
            province = clean_text(value("province"), MAX_PROVINCE_LENGTH, _("province"))
            tags = parse_tags(value("tags"))
        except ValidationError as exc:
            reason = exc.messages[0]
            if not raw_email:
                reason = _("no email address")
            elif reason == _("Enter a valid email address, like name@example.org."):
                reason = _("invalid email address")
            self.issue(line, raw_email[:254], reason, invalid=True)
            return None
        return _Row(line, email, name, language, consented_at, province, tags)

    def write(self, batch: list[_Row]) -> None:
        """Decide and write one batch: a fixed number of queries whatever its size."""
        if not batch:
            self.flush_issues()
            return
        with transaction.atomic():
            emails = list({row.email for row in batch})
            suppressed = dict(
                Suppression.objects.filter(email__in=emails).values_list("email", "reason")
            )
            existing = dict(Subscriber.objects.filter(email__in=emails).values_list("email", "pk"))
            open_runs: dict[int, int | None] = {}
            left: set[int] = set()
            for subscriber_id, status, ended_how, run_id in Subscription.objects.filter(
                subscriber_id__in=existing.values(), mailing_list=self.mailing_list
            ).values_list("subscriber_id", "status", "ended_how", "import_run_id"):
                if status in Subscription.OPEN:
                    open_runs[subscriber_id] = run_id
                elif ended_how != Subscription.EndedHow.LAPSED:
                    left.add(subscriber_id)

            first_line: dict[str, int] = {}
            accepted: list[_Row] = []
            on_list: list[_Row] = []  # skipped as already on the list: their tags still added
            for row in batch:
                if row.email in first_line:
                    reason = _("duplicate: same address as line %(line)s") % {
                        "line": first_line[row.email]
                    }
                elif row.email in suppressed:
                    label = Suppression.Reason(suppressed[row.email]).label.lower()
                    reason = _("suppressed: %(reason)s") % {"reason": label}
                elif existing.get(row.email) in open_runs:
                    if open_runs[existing[row.email]] == self.run.pk:
                        reason = _("duplicate: same address as an earlier line")
                    else:
                        reason = _(ALREADY_ON_LIST)
                        on_list.append(row)
                elif existing.get(row.email) in left:
                    reason = _("unsubscribed: left this list before, not re-added")
                else:
                    first_line[row.email] = row.line
                    accepted.append(row)
                    continue
                first_line.setdefault(row.email, row.line)
                self.issue(row.line, row.email, reason, invalid=False)

            new = [row for row in accepted if row.email not in existing]
            if new:
                insert_ignoring_conflicts(
                    Subscriber,
                    {},
                    [
                        {
                            "email": r.email,
                            "name": r.name,
                            "language": r.language,
                            "province": r.province,
                            "public_id": new_public_id(),
                        }
                        for r in new
                    ],
                )
                existing.update(
                    Subscriber.objects.filter(email__in=[r.email for r in new]).values_list(
                        "email", "pk"
                    )
                )
            insert_ignoring_conflicts(
                Subscription,
                {
                    "mailing_list_id": self.mailing_list.pk,
                    "status": Subscription.Status.ACTIVE,
                    "consent_type": self.run.consent_type,
                    "source": Subscription.Source.IMPORT,
                    "source_detail": self.run.source[:255],
                    "imported_by": self.run.imported_by,
                    "import_run_id": self.run.pk,
                },
                [
                    {
                        "public_id": new_public_id(),
                        "subscriber_id": existing[row.email],
                        "consented_at": row.consented_at or self.now,
                    }
                    for row in accepted
                ],
            )
            self.report.imported += len(accepted)
            label_subscribers(
                [(existing[row.email], row.province, row.tags) for row in accepted + on_list]
            )
            self.report.tagged_already_on_list += sum(1 for row in on_list if row.tags)
        self.flush_issues()


def import_subscribers(
    text: Iterable[str],
    *,
    mailing_list: MailingList,
    consent_type: str,
    source: str,
    imported_by: str,
    file_name: str = "",
    dry_run: bool = False,
    on_issue: Callable[[RowIssue], None] | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import CSV text (a file opened with ``newline=""``, or any iterable of lines).

    Raises :class:`ImportFileError` when the file as a whole is unusable.
    """
    if consent_type not in ConsentType.values:
        raise ImportFileError(
            _("Consent must be one of: %(choices)s.") % {"choices": ", ".join(ConsentType.values)}
        )
    if not source.strip():
        raise ImportFileError(_("Say where these addresses come from (the source)."))
    report = ImportReport(dry_run=dry_run)
    reader = csv.reader(text)
    batch_size = batch_size or conf.get("NEWSLETTER_IMPORT_BATCH_SIZE")

    def run_all() -> ImportRun:
        run = ImportRun.objects.create(
            mailing_list=mailing_list,
            file_name=file_name[:255],
            consent_type=consent_type,
            source=source.strip()[:255],
            imported_by=imported_by[:150],
        )
        importer = _Importer(run, report, on_issue, batch_size)
        try:
            try:
                importer.run_rows(reader, lambda: reader.line_num)
            except csv.Error as exc:
                raise ImportFileError(
                    _("Line %(line)s: not a readable CSV file (%(error)s).")
                    % {"line": reader.line_num, "error": exc}
                ) from exc
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    _(
                        "Line %(line)s: the file is not UTF-8 text. Save it as "
                        "“CSV UTF-8” and try again."
                    )
                    % {"line": reader.line_num + 1}
                ) from exc
        except ImportFileError:
            if report.imported == 0:
                run.delete()
            else:
                _finish(run)
            raise
        _finish(run)
        return run

    def _finish(run: ImportRun) -> None:
        run.finished_at = timezone.now()
        run.imported, run.skipped, run.invalid = report.imported, report.skipped, report.invalid
        run.save(update_fields=["finished_at", "imported", "skipped", "invalid"])

    if dry_run:
        with transaction.atomic():
            run_all()
            transaction.set_rollback(True)
    else:
        run_all()
    return report
