"""Start an issue from recent content: the pages published since the last issue.

Which pages count as content is up to the installed apps: each function registered with the
``newsletter_recent_pages`` Wagtail hook returns a queryset of pages (the advocacy app returns
its statements, letters and wins). With no such hook, any live page below the site's home
page that is not a newsletter page counts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from wagtail import hooks
from wagtail.models import Page

from newsletter.models import NewsletterArchivePage, NewsletterIssuePage, SubscribePage
from newsletter.sender import sender_identity

RECENT_PAGES_HOOK = "newsletter_recent_pages"
NEW_ISSUE_BLOCKS_HOOK = "newsletter_new_issue_blocks"


def _content_pages() -> list[QuerySet]:
    registered = [get_pages() for get_pages in hooks.get_hooks(RECENT_PAGES_HOOK)]
    if registered:
        return registered
    newsletter_pages = (NewsletterArchivePage, NewsletterIssuePage, SubscribePage)
    return [Page.objects.filter(depth__gt=2).not_type(*newsletter_pages)]


def recent_pages_since(since: datetime.datetime | None, limit: int = 12) -> list[Page]:
    """Content pages first published after ``since`` (all if None), newest first."""
    found: list[Page] = []
    for pages in _content_pages():
        pages = pages.live().public()
        if since is not None:
            pages = pages.filter(first_published_at__gt=since)
        found += pages.order_by("-first_published_at")[:limit].specific()
    found.sort(key=lambda page: page.first_published_at, reverse=True)
    return found[:limit]


def last_issue_time(archive: NewsletterArchivePage) -> datetime.datetime | None:
    """When the newest published issue under ``archive`` first went out, or None."""
    return (
        NewsletterIssuePage.objects.live()
        .child_of(archive)
        .order_by("-first_published_at")
        .values_list("first_published_at", flat=True)
        .first()
    )


def start_issue(archive: NewsletterArchivePage, user=None) -> NewsletterIssuePage:
    """Create a draft issue with the pages published since the last issue, and the blocks
    registered apps add to a new issue (``newsletter_new_issue_blocks`` hook)."""
    pages = recent_pages_since(last_issue_time(archive))
    organisation = sender_identity(archive.get_site()).organisation
    with translation.override(_archive_language(archive)):
        words = _draft_words(len(pages), organisation)
    body: list[tuple[str, object]] = [("intro", words["intro"])]
    body += [("featured_page", {"page": page, "button_label": ""}) for page in pages]
    for extra_blocks in hooks.get_hooks(NEW_ISSUE_BLOCKS_HOOK):
        body += extra_blocks(archive.get_site())
    issue = NewsletterIssuePage(
        title=words["title"],
        subject=words["title"],
        preheader=words["preheader"] if pages else "",
        body=body,
        live=False,
        owner=user,
    )
    with transaction.atomic():
        archive.add_child(instance=issue)
        issue.save_revision(user=user, log_action=True)
    return issue


def _archive_language(archive: NewsletterArchivePage) -> str:
    """The language the archive's issues are written in: its Wagtail locale's."""
    code = archive.locale.language_code if archive.locale_id else ""
    return code or settings.LANGUAGE_CODE


def _draft_words(count: int, organisation: str) -> dict[str, str]:
    """A new draft's title, intro and preheader, in the active language."""
    # Translators: the date in a new issue's title, as Django date format characters.
    day = date_format(timezone.localdate(), pgettext("new issue title date", "F j, Y"))
    return {
        "title": _("Newsletter, %(date)s") % {"date": day},
        "intro": format_html(
            "<p>{}</p>", _("Here is what we have been working on since our last newsletter.")
        ),
        "preheader": ngettext(
            "%(count)s update from %(organisation)s",
            "%(count)s updates from %(organisation)s",
            count,
        )
        % {"count": count, "organisation": organisation},
    }
