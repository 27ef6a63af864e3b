"""Test sends ("proofs"): the issue's latest revision to a few addresses, "[TEST]" in front."""

from __future__ import annotations

import logging
import math
import time

from django import forms
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, ngettext
from wagtail.log_actions import log
from wagtail.models import Page

from newsletter import conf
from newsletter.issues.blocks import RenderError
from newsletter.issues.messages import Content, personal_message, sample_merge_values
from newsletter.issues.rendering import render_revision
from newsletter.models import NewsletterIssuePage, NewsletterSettings, Suppression
from newsletter.models.audience import normalise_email
from newsletter.models.settings import parse_addresses
from newsletter.sender import sender_identity

logger = logging.getLogger(__name__)

TEST_PREFIX = "[TEST] "
MAX_TEST_RECIPIENTS = 20
# Tests are for people allowed to send: the same permission as sending to lists.
TEST_SEND_PERMISSION = "newsletter.send_newsletter"
ADMIN_PERMISSION = "wagtailadmin.access_admin"
RATE_WINDOW_SECONDS = 3600


def can_send_tests(user, issue: Page) -> bool:
    """May ``user`` send tests of ``issue``? They need the permission to send newsletters and
    the permission to edit the issue (a test mails its unpublished draft)."""
    return user.has_perm(TEST_SEND_PERMISSION) and issue.permissions_for_user(user).can_edit()


def allowed_test_addresses(addresses: list[str], site=None) -> set[str]:
    """Those of ``addresses`` (normalised) a test may go to: the test addresses in Settings >
    Newsletter settings, and the own addresses of active users who can use the admin."""
    saved = NewsletterSettings.for_site_or_default(site)
    configured = {normalise_email(item) for item in saved.test_addresses.replace(",", " ").split()}
    wanted = {normalise_email(address) for address in addresses}
    query = Q()
    for address in wanted - configured:
        query |= Q(email__iexact=address)
    admins = set()
    if query:
        users = get_user_model().objects.filter(query, is_active=True)
        admins = {normalise_email(user.email) for user in users if user.has_perm(ADMIN_PERMISSION)}
    return wanted & (configured | admins)


def suppressed_among(addresses: list[str]) -> list[str]:
    """Those of ``addresses`` that are suppressed (unsubscribed from everything, bounced,
    complained): they get no test either."""
    found = set(
        Suppression.objects.filter(
            email__in=[normalise_email(address) for address in addresses]
        ).values_list("email", flat=True)
    )
    return [address for address in addresses if normalise_email(address) in found]


def test_sends_wait(user) -> int | None:
    """Count one test send of ``user``; the seconds to wait if that is over
    ``NEWSLETTER_TEST_SENDS_PER_HOUR`` (a fixed window of an hour, in the cache), else None.
    If the cache cannot be reached the test goes through uncounted."""
    limit = int(conf.get("NEWSLETTER_TEST_SENDS_PER_HOUR"))
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    key = f"newsletter:test-sends:{user.pk}:{window}"
    try:
        count = 1 if cache.add(key, 1, timeout=RATE_WINDOW_SECONDS + 1) else cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        count = 1
    except Exception as error:  # any cache backend's connection error: let the test through
        logger.warning("Test sends are not counted: the cache failed (%s).", error)
        return None
    if count <= limit:
        return None
    return max(1, math.ceil((window + 1) * RATE_WINDOW_SECONDS - now))


def too_many_tests_message(seconds: int) -> str:
    """What a user over the test-send limit reads."""
    limit = int(conf.get("NEWSLETTER_TEST_SENDS_PER_HOUR"))
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "You have sent %(limit)d tests this hour, the most allowed. Try again in %(minutes)d "
        "minute.",
        "You have sent %(limit)d tests this hour, the most allowed. Try again in %(minutes)d "
        "minutes.",
        minutes,
    ) % {"limit": limit, "minutes": minutes}


def _without_repeats(addresses: list[str]) -> list[str]:
    """The addresses in the order typed, each once (ignoring case)."""
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if normalise_email(address) not in seen:
            seen.add(normalise_email(address))
            unique.append(address)
    return unique


class TestSendForm(forms.Form):
    """Addresses for a test: only allowed ones (:func:`allowed_test_addresses`); suppressed
    ones are left out (:attr:`suppressed`) of ``cleaned_data["recipients"]``."""

    recipients = forms.CharField(
        label=gettext_lazy("Recipients"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, site=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].help_text = gettext(
            "Up to %(count)d addresses, one per line or separated by commas: the test "
            "addresses in Settings > Newsletter settings, or admin users' own addresses."
        ) % {"count": MAX_TEST_RECIPIENTS}
        self.site = site
        self.suppressed: list[str] = []

    def clean_recipients(self) -> list[str]:
        addresses = _without_repeats(parse_addresses(self.cleaned_data["recipients"]))
        if not addresses:
            raise ValidationError(gettext("Enter at least one address."))
        if len(addresses) > MAX_TEST_RECIPIENTS:
            raise ValidationError(
                gettext("A test goes to at most %(count)d addresses.")
                % {"count": MAX_TEST_RECIPIENTS}
            )
        allowed = allowed_test_addresses(addresses, self.site)
        refused = [address for address in addresses if normalise_email(address) not in allowed]
        if refused:
            raise ValidationError(
                gettext(
                    "A test goes only to the test addresses in Settings > Newsletter settings "
                    "or to admin users' own addresses; not allowed: %(addresses)s."
                )
                % {"addresses": ", ".join(refused)}
            )
        self.suppressed = suppressed_among(addresses)
        if len(self.suppressed) == len(addresses):
            raise ValidationError(
                ngettext(
                    "%(addresses)s is suppressed (unsubscribed, bounced or complained) and gets "
                    "no email, tests included.",
                    "%(addresses)s are suppressed (unsubscribed, bounced or complained) and get "
                    "no email, tests included.",
                    len(self.suppressed),
                )
                % {"addresses": ", ".join(self.suppressed)}
            )
        return [address for address in addresses if address not in self.suppressed]


class IncompleteFooter(RenderError):
    """The sender's CASL footer lacks a field: no test goes out (a :class:`RenderError`, so the
    test-send form shows the message)."""


def send_test(issue: NewsletterIssuePage, recipients: list[str], user=None) -> int:
    """Send the issue's latest revision to ``recipients`` with "[TEST]" in the subject; log it.
    Refused (:class:`IncompleteFooter`) before rendering if the CASL footer is incomplete."""
    sender = sender_identity(issue.get_site())
    if refusal := sender.casl_refusal():
        raise IncompleteFooter(refusal)
    rendered = render_revision(issue, latest=True)
    content = Content.of_rendered(rendered, sender, TEST_PREFIX)
    connection = get_connection()
    messages = [
        personal_message(content, address, sample_merge_values(address), connection)
        for address in recipients
    ]
    sent = connection.send_messages(messages) or 0
    log(
        instance=issue,
        action="newsletter.test_send",
        user=user,
        data={
            "recipients": recipients,
            "revision_id": issue.latest_revision_id,
            "subject": content.subject,
        },
    )
    return sent
