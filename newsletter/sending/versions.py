"""An issue and its translations sent as one send: each reader gets the version in their own
language, else the send's own (the issue it was started from).

:func:`freeze_versions` renders each published translation of the issue (in its language: the
footer, labels, dates and money too) and stores it with the send as a
:class:`~newsletter.models.DispatchVersion`. :func:`language_groups` splits the audience by
the version each reader gets, so that every batch is in one language (one provider call, one
stored template); :func:`language_counts` says how many get which, before the send starts.
One send: one delivery per person across all languages, so exactly-once and the one-click
unsubscribe hold whatever the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import translation
from wagtail.models import Page

from newsletter.issues.rendering import issue_language, render_revision
from newsletter.languages import i18n_enabled, language_name
from newsletter.models import Dispatch, DispatchVersion
from newsletter.sender import sender_identity


def translations_to_send(issue: Page) -> list[Page]:
    """The issue's published translations in other languages (none without Wagtail's
    internationalisation), each language once."""
    if not i18n_enabled() or not getattr(issue, "translation_key", None):
        return []
    own = issue_language(issue)
    others = (
        issue.get_translations()
        .live()
        .filter(live_revision__isnull=False)
        .exclude(locale__language_code=own)
        .select_related("locale")
        .specific()
    )
    return list({page.locale.language_code: page for page in others}.values())


def same_issue_ids(issue_id: int) -> list[int]:
    """The issue and its translations (pages sharing its translation key): a reader who got
    one of them got the issue."""
    key = Page.objects.filter(pk=issue_id).values_list("translation_key", flat=True).first()
    if key is None:
        return [issue_id]
    return list(Page.objects.filter(translation_key=key).values_list("pk", flat=True))


def freeze_versions(send: Dispatch, issue: Page) -> list[DispatchVersion]:
    """Render and store the send's version for each published translation of ``issue``."""
    versions = []
    for page in translations_to_send(issue):
        language = page.locale.language_code
        rendered = render_revision(page, latest=False)
        with translation.override(language):
            sender = sender_identity(page.get_site())
        versions.append(
            DispatchVersion(
                dispatch=send,
                language=language,
                issue=page,
                revision_id=page.live_revision_id,
                subject=rendered.subject,
                from_email=sender.from_address(rendered.sender_name),
                reply_to=rendered.reply_to,
                html=rendered.html,
                text=rendered.text,
            )
        )
    return DispatchVersion.objects.bulk_create(versions)


def readers_by_language(people: QuerySet) -> dict[str, int]:
    """How many of ``people`` (subscribers) read each language, in one pass over them (as
    cheap as counting them)."""
    counts = (
        people.order_by()
        .values_list("language")
        .annotate(n=Count("pk", distinct=people.query.distinct))
    )
    return dict(counts)


def language_groups(send: Dispatch, audience: QuerySet) -> list[tuple[str, QuerySet, int]]:
    """The send's ``audience`` (subscribers) split by the version each reader gets:
    ``(version, their subscribers, how many)``; ``""`` is the send's own content, for everyone
    whose language has no version. A version nobody reads is left out, and when only the
    send's own content has readers the audience is not filtered at all (one counting pass
    over the audience, as for a send without versions)."""
    languages = list(send.versions.values_list("language", flat=True))
    if not languages:
        return [("", audience, audience.count())]
    by_language = readers_by_language(audience)
    total = sum(by_language.values())
    read = [
        (code, audience.filter(language=code), by_language[code])
        for code in languages
        if by_language.get(code)
    ]
    if not read:
        return [("", audience, total)]
    others = audience.exclude(language__in=[code for code, _people, _n in read])
    return [("", others, total - sum(n for _code, _people, n in read)), *read]


@dataclass(frozen=True)
class LanguageCount:
    """How many readers of one language an audience has, and what they get."""

    language: str  # the readers' language
    name: str
    count: int
    version: str  # the language of the version they get
    version_name: str

    @property
    def falls_back(self) -> bool:
        """They get the issue in another language: none is published in theirs."""
        return self.language != self.version


def language_counts(people: QuerySet, issue: Page) -> list[LanguageCount]:
    """Readers of ``people`` (subscribers) by language, with the version each group gets
    from a send of ``issue``: their own language's where published, else the issue's."""
    own = issue_language(issue)
    published = {own, *(page.locale.language_code for page in translations_to_send(issue))}
    counts = []
    for language, n in sorted(readers_by_language(people).items()):
        language = language or own
        version = language if language in published else own
        counts.append(
            LanguageCount(language, language_name(language), n, version, language_name(version))
        )
    return counts
