"""The sunset policy: readers who stopped opening and clicking are asked whether they still want
the newsletter, and left out of sends until they say so, open or click.

1. :func:`flag_inactive` sets ``Subscriber.sunset_at`` on every reader of
   :func:`inactive_subscribers`: still subscribed (an active subscription, not suppressed), who
   received at least ``NEWSLETTER_SUNSET_SENDS`` sends (default 10) since they last opened or
   clicked anything, with no open or click in the last ``NEWSLETTER_SUNSET_MONTHS`` months
   (default 6), and whose first send is older than that (new readers are never flagged).
   The sends are counted per reader, not as "the last N sends of the organisation": a reader
   on one list among several is judged on the sends they received. The clock also starts
   again at their last re-permission email: a reader who said "keep me subscribed" (or was
   put back by hand) is only flagged again after another N sends and M months of silence.
2. :func:`send_repermission` emails each flagged reader not yet asked since they were flagged
   "Do you still want our newsletter?", in their language, with a "Keep me subscribed" button
   (:func:`keep_subscribed`, a signed link) and the unsubscribe link.
3. Flagged readers are left out of sends by default (the documented choice); a send can include
   them (``Dispatch.include_sunset``, a checkbox on the send form). An open or a click clears
   the flag (tracking), and so do the button and ``manage.py newsletter_sunset --unflag``.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from newsletter import conf
from newsletter.audience.consent import wording_language
from newsletter.audience.tokens import (
    ExpiredToken,
    InvalidToken,
    keep_subscribed_url,
    read_repermission_token,
    unsubscribe_url,
)
from newsletter.models import Delivery, Subscriber, Subscription, Suppression
from newsletter.public import render_public
from newsletter.sender import sender_identity

logger = logging.getLogger(__name__)

# Before any open, click or re-permission email: the clock of a reader who never engaged.
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """``moment`` minus whole calendar months (31 March minus one month: 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def still_subscribed() -> Q:
    """A filter on subscribers: an active subscription and an address that is not suppressed."""
    active = Subscription.objects.filter(
        subscriber_id=OuterRef("pk"), status=Subscription.Status.ACTIVE
    )
    return Q(Exists(active)) & ~Q(email__in=Suppression.objects.values("email"))


def _latest(field: str) -> Coalesce:
    """The reader's latest ``field`` (opened_at, clicked_at) over all their deliveries."""
    latest = (
        Delivery.objects.filter(subscriber_id=OuterRef("pk"))
        .order_by()
        .values("subscriber_id")
        .annotate(latest=Max(field))
        .values("latest")[:1]
    )
    return Coalesce(Subquery(latest), Value(EPOCH), output_field=DateTimeField())


def inactive_subscribers(
    sends: int | None = None,
    months: int | None = None,
    *,
    now: datetime.datetime | None = None,
    include_flagged: bool = False,
) -> QuerySet[Subscriber]:
    """Readers the sunset policy flags (see the module's docstring), not yet flagged unless
    ``include_flagged``. ``sends`` and ``months`` default to ``NEWSLETTER_SUNSET_SENDS`` and
    ``NEWSLETTER_SUNSET_MONTHS``.

    One query: each condition is a subquery on the reader's own deliveries (found by the
    subscriber index), so it runs in the database however many readers there are."""
    sends = conf.get("NEWSLETTER_SUNSET_SENDS") if sends is None else sends
    months = conf.get("NEWSLETTER_SUNSET_MONTHS") if months is None else months
    cutoff = months_before(now or timezone.now(), months)
    received = Delivery.objects.filter(
        subscriber_id=OuterRef("pk"),
        status=Delivery.Status.SENT,
        sent_at__isnull=False,
        bounced_at__isnull=True,
    )
    # The sent time of the reader's Nth latest send: later than their last open, click and
    # re-permission email means N sends went unanswered (NULL, never later: fewer than N).
    nth_latest = Subquery(
        received.order_by("-sent_at").values("sent_at")[max(sends, 1) - 1 : max(sends, 1)]
    )
    readers = Subscriber.objects.filter(still_subscribed())
    if not include_flagged:
        readers = readers.filter(sunset_at__isnull=True)
    return (
        readers.filter(Exists(received.filter(sent_at__lt=cutoff)))
        .annotate(
            last_open=_latest("opened_at"),
            last_click=_latest("clicked_at"),
            last_asked=Coalesce("repermission_sent_at", Value(EPOCH), output_field=DateTimeField()),
            nth_latest=nth_latest,
        )
        .filter(last_open__lt=cutoff, last_click__lt=cutoff, last_asked__lt=cutoff)
        .filter(
            Q(nth_latest__gt=F("last_open"))
            & Q(nth_latest__gt=F("last_click"))
            & Q(nth_latest__gt=F("last_asked"))
        )
        .order_by("pk")
    )


def flag_inactive(now: datetime.datetime | None = None) -> int:
    """Flag every reader of :func:`inactive_subscribers` (one UPDATE); how many were flagged."""
    now = now or timezone.now()
    inactive = inactive_subscribers(now=now).values("pk")
    return Subscriber.objects.filter(pk__in=inactive, sunset_at__isnull=True).update(sunset_at=now)


def awaiting_repermission() -> QuerySet[Subscriber]:
    """Flagged readers, still subscribed, not asked since they were flagged."""
    not_asked = Q(repermission_sent_at__isnull=True) | Q(repermission_sent_at__lt=F("sunset_at"))
    return (
        Subscriber.objects.filter(sunset_at__isnull=False)
        .filter(not_asked)
        .filter(still_subscribed())
        .order_by("pk")
    )


def email_language(subscriber: Subscriber) -> str:
    """The language of the reader's emails: theirs if we write in it, else English."""
    return wording_language(subscriber.language)


def repermission_message(subscriber: Subscriber, connection=None) -> EmailMultiAlternatives:
    """The re-permission email: plain text with an HTML alternative, in the reader's language,
    with the "Keep me subscribed" link, the one-click unsubscribe link (also in the
    ``List-Unsubscribe`` headers) and the sender's CASL footer."""
    from newsletter.issues.messages import list_unsubscribe_headers  # (not at start-up)

    language = email_language(subscriber)
    sender = sender_identity()
    leave_url = unsubscribe_url(subscriber)
    context = {
        "subscriber": subscriber,
        "keep_url": keep_subscribed_url(subscriber),
        "unsubscribe_url": leave_url,
        "sender_name": sender.organisation,
        "postal_address": sender.postal_address,
        "contact_email": sender.contact_email,
        "language": language,
    }
    with translation.override(language):
        subject = _("Do you still want our newsletter?")
        text = render_to_string("newsletter/email/repermission.txt", context)
        html = render_to_string("newsletter/email/repermission.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender.from_address(),
        to=[subscriber.email],
        reply_to=[sender.reply_to] if sender.reply_to else None,
        headers=list_unsubscribe_headers(leave_url),
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


@dataclass
class RepermissionResult:
    """What :func:`send_repermission` did."""

    sent: int = 0
    failed: int = 0


def send_repermission(*, limit: int | None = None, now=None) -> RepermissionResult:
    """Email every reader of :func:`awaiting_repermission` (at most ``limit``) once.

    Each reader is claimed before their email goes (``repermission_sent_at`` set by a
    conditional UPDATE), so two runs at once never email anyone twice; a reader whose email
    fails is released again, for the next run."""
    now = now or timezone.now()
    result = RepermissionResult()
    candidates = awaiting_repermission().values_list("pk", flat=True)
    ids = list(candidates[:limit] if limit is not None else candidates)
    connection = get_connection()
    for pk in ids:
        claimed = awaiting_repermission().filter(pk=pk)
        previous = Subscriber.objects.filter(pk=pk).values_list("repermission_sent_at", flat=True)
        before = previous.first()
        if not claimed.update(repermission_sent_at=now):
            continue  # asked by another run meanwhile, put back, or unsubscribed
        subscriber = Subscriber.objects.get(pk=pk)
        try:
            repermission_message(subscriber, connection).send()
        except Exception:  # the backend's error: count it, release the reader, carry on
            logger.exception("Re-permission email to subscriber %s failed.", pk)
            Subscriber.objects.filter(pk=pk, repermission_sent_at=now).update(
                repermission_sent_at=before
            )
            result.failed += 1
        else:
            result.sent += 1
    return result


def unflag(subscriber: Subscriber, now: datetime.datetime | None = None) -> bool:
    """Put a flagged reader back into sends. The clock starts again (``repermission_sent_at``
    is set when they were never asked), so the next flagging does not take them out at once.
    False if they were not flagged."""
    now = now or timezone.now()
    changed = Subscriber.objects.filter(pk=subscriber.pk, sunset_at__isnull=False).update(
        sunset_at=None,
        repermission_sent_at=Coalesce("repermission_sent_at", Value(now)),
    )
    return bool(changed)


def _invalid(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    from newsletter.audience.views import invalid_link

    return invalid_link(request, expired=expired)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def keep_subscribed(request: HttpRequest, token: str) -> HttpResponse:
    """The re-permission email's link. GET: a page with a "Keep me subscribed" button (mail
    scanners open links, so GET changes nothing). POST: clear the reader's sunset flag, so
    they are back in sends; then "You're still subscribed".

    A forged, tampered or expired token, or a reader no longer subscribed, gets the invalid
    link page (400) and changes nothing."""
    try:
        public_id = read_repermission_token(token)
    except ExpiredToken:
        return _invalid(request, expired=True)
    except InvalidToken:
        return _invalid(request)
    subscriber = Subscriber.objects.filter(public_id=public_id).filter(still_subscribed()).first()
    if subscriber is None:
        return _invalid(request)
    if request.method == "POST":
        Subscriber.objects.filter(pk=subscriber.pk).update(sunset_at=None)
        subscriber.sunset_at = None
    context = {"subscriber": subscriber, "done": subscriber.sunset_at is None}
    return render_public(
        request, "newsletter/still_subscribed.html", context, language=subscriber.language
    )
