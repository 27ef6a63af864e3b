"""Saved segments: who a segment is, and how many a send to it would reach now.

A segment (:class:`newsletter.models.Segment`) is a mailing list plus filters. Its members are
the list's active subscribers (consent valid, as for :func:`~newsletter.audience.subscriptions.
audience`) who match *every* filter set on it:

* language; province (ignoring case and spaces around it);
* how they joined the list (source) and the consent kind of that subscription;
* signed-up dates: the day consent was given for the list (``consented_at``, in the site's
  time zone), on or after / on or before;
* tags: at least one of the segment's tags;
* engagement: opened or clicked a message of one of the last N finished sends.

Every filter is a condition on the subscriber row itself (``IN`` subqueries, no join), so
segments and lists combine with ``OR`` into one query that lists each person once: the freeze
(:mod:`newsletter.sending.freeze`) relies on that.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from newsletter.audience.consent import implied_consent_cutoff
from newsletter.models import (
    Delivery,
    Dispatch,
    Segment,
    Subscriber,
    Subscription,
    Suppression,
    TaggedSubscriber,
)

__all__ = ["segment_audience", "segment_count", "segment_members"]


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _subscriptions(segment: Segment, now: datetime.datetime | None) -> QuerySet[Subscription]:
    """The segment's list's active, valid subscriptions matching its subscription filters."""
    valid = Subscription.objects.filter(
        mailing_list_id=segment.mailing_list_id, status=Subscription.Status.ACTIVE
    ).filter(
        Q(consent_type=Subscription.ConsentType.EXPRESS)
        | Q(consented_at__gte=implied_consent_cutoff(now))
    )
    if segment.source:
        valid = valid.filter(source=segment.source)
    if segment.consent_type:
        valid = valid.filter(consent_type=segment.consent_type)
    if segment.signed_up_after:
        valid = valid.filter(consented_at__gte=_start_of(segment.signed_up_after))
    if segment.signed_up_before:
        next_day = segment.signed_up_before + datetime.timedelta(days=1)
        valid = valid.filter(consented_at__lt=_start_of(next_day))
    return valid


def last_finished_sends(count: int) -> list[int]:
    """The ids of the last ``count`` sends that finished sending (status *sent*), newest first."""
    sends = Dispatch.objects.filter(status=Dispatch.Status.SENT, finished_at__isnull=False)
    return list(sends.order_by("-finished_at", "-pk").values_list("pk", flat=True)[:count])


def segment_members(segment: Segment, now: datetime.datetime | None = None) -> QuerySet[Subscriber]:
    """Active subscribers of the segment's list who match every filter it sets (suppressed
    addresses included: see :func:`segment_audience`). A lazy queryset, ordered by id."""
    members = Subscriber.objects.filter(pk__in=_subscriptions(segment, now).values("subscriber_id"))
    if segment.language:
        members = members.filter(language=segment.language)
    if segment.province.strip():
        members = members.filter(province__iexact=segment.province.strip())
    tag_ids = [tag.pk for tag in segment.tags.all()] if segment.pk else []
    # Uncorrelated IN subqueries (not EXISTS): the database evaluates each once, into a hash,
    # also when the freeze ORs the segment with lists, where a correlated EXISTS would run
    # once per subscriber.
    if tag_ids:
        tagged = TaggedSubscriber.objects.filter(tag_id__in=tag_ids)
        members = members.filter(pk__in=tagged.values("content_object_id"))
    if segment.engaged_in_last_sends:
        sends = last_finished_sends(segment.engaged_in_last_sends)
        if not sends:  # nobody engaged yet; false in SQL (an empty IN list would not compile)
            return members.filter(pk__isnull=True).order_by("pk")
        engaged = Delivery.objects.filter(dispatch_id__in=sends, subscriber_id__isnull=False)
        engaged = engaged.filter(Q(opened_at__isnull=False) | Q(clicked_at__isnull=False))
        members = members.filter(pk__in=engaged.values("subscriber_id"))
    return members.order_by("pk")


def segment_audience(
    segment: Segment, now: datetime.datetime | None = None
) -> QuerySet[Subscriber]:
    """The segment's members a send reaches: :func:`segment_members` without suppressed
    addresses (bounces, complaints, unsubscribed from everything, by hand)."""
    return segment_members(segment, now).exclude(email__in=Suppression.objects.values("email"))


def segment_count(segment: Segment, *, include_sunset: bool = False) -> int:
    """How many people a send to the segment would reach now: after suppression, and without
    the readers the sunset policy flagged (a send leaves them out unless told otherwise)."""
    reached = segment_audience(segment)
    if not include_sunset:
        reached = reached.filter(sunset_at__isnull=True)
    return reached.count()
