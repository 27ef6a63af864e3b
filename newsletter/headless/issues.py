"""``/api/v3/newsletter/issues/``: the archive of published issues, and one issue in full.

Only live issues with no view restriction are listed or shown (drafts and private issues are
a 404, even for editors: the preview endpoint is for drafts). An issue's blocks come typed
(featured pages, wins, letters and appeals resolved, see :mod:`newsletter.headless.streams`)
and its email is the web version's ("view in browser"): no personal links.
"""

import logging
from typing import Literal

from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from wagtail.api.querysets import get_public_pages_queryset
from wagtail.api.v3.errors import ProblemDetail
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.coreutils import get_content_languages

from newsletter.headless.issue_schemas import NewsletterIssueSummary, issue_detail_schema
from newsletter.headless.pagination import PresentedRows
from newsletter.headless.streams import stream_data
from newsletter.issues.blocks import RenderError
from newsletter.issues.rendering import issue_language, render_issue, web_merge_values
from newsletter.models import NewsletterArchivePage, NewsletterIssuePage

logger = logging.getLogger(__name__)
router = Router(tags=["newsletter"])

#: Largest page id accepted (Wagtail's page ids are 32-bit integers).
MAX_ID = 2**31 - 1
LanguageCode = Literal[tuple(get_content_languages())]  # type: ignore[valid-type]
IssueDetail = issue_detail_schema()


class IssueFilters(Schema):
    locale: LanguageCode | None = Field(None, description="Only issues in this language.")
    year: int | None = Field(None, ge=1, le=9999, description="Only issues dated in this year.")
    archive: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only the issues of this archive (a NewsletterArchivePage's id).",
    )


def published_issues(request: HttpRequest) -> QuerySet:
    """Live issues with no view restriction, on the request's site (or ``?site=``)."""
    try:
        pages = get_public_pages_queryset(request, NewsletterIssuePage)
    except ValueError as error:  # ?site= names more than one site
        raise HttpError(400, str(error)) from error
    return pages.public().select_related("locale")


def issue_summary(issue: NewsletterIssuePage, request: HttpRequest) -> dict:
    """An issue as :class:`NewsletterIssueSummary` data."""
    return {
        "id": issue.pk,
        "title": issue.title,
        "subject": issue.subject,
        "preheader": issue.preheader,
        "issue_date": issue.issue_date,
        "url": issue.get_full_url(request) or "",
        "locale": issue.locale.language_code,
    }


@router.get(
    "/",
    response={200: list[NewsletterIssueSummary], 404: ProblemDetail},
    url_name="newsletter_issues",
    summary="Published newsletter issues",
    operation_id="newsletter_issues",
)
@paginate(WagtailLimitOffsetPagination)
def issues(request: HttpRequest, filters: IssueFilters = Query(...)):
    """The archive: published issues, newest first (by issue date), 20 a page (``limit`` up
    to ``WAGTAILAPI_LIMIT_MAX``). An ``archive`` that is not a published archive is a 404."""
    pages = published_issues(request)
    if filters.locale:
        pages = pages.filter(locale__language_code=filters.locale)
    if filters.year:
        pages = pages.filter(issue_date__year=filters.year)
    if filters.archive:
        archive = NewsletterArchivePage.objects.live().public().filter(pk=filters.archive).first()
        if archive is None:
            raise Http404(_("No published newsletter archive has this id."))
        pages = pages.child_of(archive)
    pages = pages.order_by(F("issue_date").desc(nulls_last=True), "-pk")
    return PresentedRows(pages, lambda rows: [issue_summary(row, request) for row in rows])


@router.get(
    "/{issue_id}/",
    response={200: IssueDetail, 404: ProblemDetail},
    url_name="newsletter_issue",
    summary="A published newsletter issue",
    operation_id="newsletter_issue",
)
def issue(request: HttpRequest, issue_id: int = Path(..., ge=1, le=MAX_ID)):
    """A published issue: its blocks (featured pages, wins, letters and appeals resolved) and
    its email as the web version shows it, in the issue's language."""
    page = published_issues(request).filter(pk=issue_id).first()
    if page is None:
        raise Http404(_("No published newsletter issue has this id."))
    with translation.override(issue_language(page)):
        blocks = stream_data(page.body, request)
    return {**issue_summary(page, request), "blocks": blocks, "email": issue_email(page)}


def issue_email(page: NewsletterIssuePage) -> dict | None:
    """The published issue's email as "view in browser" shows it (cached by live revision);
    None when it cannot be rendered."""
    try:
        rendered = render_issue(page, revision_id=page.live_revision_id, web=True)
    except RenderError as error:
        logger.warning("Newsletter issue %s cannot be rendered: %s", page.pk, error)
        return None
    html, text = rendered.personalise(web_merge_values())
    return {"subject": rendered.subject, "html": html, "text": text}
