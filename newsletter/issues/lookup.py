"""Find an issue the way commands name it: a page id, a slug, or ``latest``."""

from __future__ import annotations

from newsletter.models import NewsletterIssuePage


class IssueNotFound(LookupError):
    pass


def find_issue(reference: str) -> NewsletterIssuePage:
    """The issue with this page id or slug, or the newest issue for ``latest``."""
    issues = NewsletterIssuePage.objects.all()
    if reference == "latest":
        issue = (
            issues.live().order_by("-issue_date", "-first_published_at", "-pk").first()
            or issues.order_by("-latest_revision_created_at", "-pk").first()
        )
    elif reference.isdigit():
        issue = issues.filter(pk=int(reference)).first()
    else:
        matches = list(issues.filter(slug=reference)[:2])
        if len(matches) > 1:
            raise IssueNotFound(f"Several issues have the slug “{reference}”: use the page id.")
        issue = matches[0] if matches else None
    if issue is None:
        raise IssueNotFound(
            f"No newsletter issue matches “{reference}” (a page id, slug or latest)."
        )
    return issue
