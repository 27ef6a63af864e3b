"""Trends: list growth per week, rates per send over time, and the complaint line.

Each figure comes from one grouped query (no loop of queries per week or per send).
Weeks start on Monday in the site's time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, DateField
from django.db.models.functions import TruncWeek
from django.utils import timezone

from newsletter.insights.complaints import ComplaintRate
from newsletter.models import Dispatch, Subscriber, Subscription
from newsletter.sending.progress import funnels

WEEKS = 12
SENDS = 12

ENDED = Subscription.EndedHow
# Readers who chose to leave: through a link, a page, the provider, or a spam complaint (which
# ends the subscription as well). Lapsed consent and ends in the admin are neither.
UNSUBSCRIBED_HOW = (
    ENDED.ONE_CLICK,
    ENDED.UNSUBSCRIBE_PAGE,
    ENDED.PREFERENCES,
    ENDED.EVERYTHING,
    ENDED.PROVIDER,
    ENDED.COMPLAINT,
)
BOUNCED_HOW = (ENDED.BOUNCED,)


@dataclass(frozen=True)
class ListGrowth:
    """Subscriptions per week: ``weeks`` are the Mondays, each series one count per week."""

    weeks: list[datetime.date]
    signups: list[int]
    confirmations: list[int]
    unsubscribes: list[int]
    bounces: list[int]


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _weekly(field: str, since: datetime.datetime, weeks: list[datetime.date], **filters) -> list:
    """Subscriptions per week of ``field`` (one query); 0 for a week without any."""
    rows = (
        Subscription.objects.filter(**{f"{field}__gte": since}, **filters)
        .order_by()
        .annotate(week=TruncWeek(field, output_field=DateField()))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    counts: dict[datetime.date, int] = {}
    for week, n in rows:
        day = week.date() if isinstance(week, datetime.datetime) else week
        counts[day] = counts.get(day, 0) + n
    return [counts.get(week, 0) for week in weeks]


def list_growth(weeks: int = WEEKS, now: datetime.datetime | None = None) -> ListGrowth:
    """Sign-ups (subscriptions created), confirmations, unsubscribes and bounces (ended
    subscriptions) per week, over the last ``weeks`` weeks including this one: four queries."""
    today = timezone.localdate(now or timezone.now())
    first = week_start(today) - datetime.timedelta(weeks=weeks - 1)
    mondays = [first + datetime.timedelta(weeks=n) for n in range(weeks)]
    since = _local_midnight(first)
    return ListGrowth(
        weeks=mondays,
        signups=_weekly("created_at", since, mondays),
        confirmations=_weekly("confirmed_at", since, mondays),
        unsubscribes=_weekly("ended_at", since, mondays, ended_how__in=UNSUBSCRIBED_HOW),
        bounces=_weekly("ended_at", since, mondays, ended_how__in=BOUNCED_HOW),
    )


@dataclass(frozen=True)
class SendRates:
    """One finished send's rates (shares, 0.25 is 25%); ``None`` when nothing was sent, or
    (delivered, opened, clicked) while the provider has reported nothing.

    Delivered is a share of the messages sent; opened, clicked and complained are shares of
    those delivered (of those sent when the provider reports no deliveries)."""

    send: Dispatch
    sent: int
    delivered: float | None
    opened: float | None
    clicked: float | None
    complaints: ComplaintRate

    @property
    def complained(self) -> float | None:
        return self.complaints.rate


def rates_of(send: Dispatch, counts: dict[str, int]) -> SendRates:
    """A send's rates from its delivery funnel (:func:`newsletter.sending.progress.funnel`)."""
    sent = counts["sent"]
    base = counts["delivered"] or sent
    tracked = any(counts[key] for key in ("delivered", "opened", "clicked", "complained"))

    def share(part: int, whole: int) -> float | None:
        return part / whole if whole and tracked else None

    return SendRates(
        send=send,
        sent=sent,
        delivered=share(counts["delivered"], sent),
        opened=share(counts["opened"], base),
        clicked=share(counts["clicked"], base),
        complaints=ComplaintRate.of(counts),
    )


def recent_sends(limit: int = SENDS) -> list[Dispatch]:
    """The last ``limit`` finished sends that reached someone, oldest first (one query)."""
    finished = (
        Dispatch.objects.filter(
            status__in=(Dispatch.Status.SENT, Dispatch.Status.CANCELLED),
            finished_at__isnull=False,
        )
        .select_related("issue")
        .order_by("-finished_at", "-pk")[:limit]
    )
    return list(reversed(finished))


def send_rates(limit: int = SENDS) -> list[SendRates]:
    """Rates of the last ``limit`` finished sends, oldest first: two queries (the sends, and
    one aggregate of their deliveries grouped by send)."""
    sends = recent_sends(limit)
    counts = funnels([send.pk for send in sends])
    return [rates_of(send, counts[send.pk]) for send in sends]


def subscribers_added_since(moment: datetime.datetime) -> int:
    """People added to the audience since ``moment`` (one query)."""
    return Subscriber.objects.filter(created_at__gte=moment).count()


def month_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """Midnight of the first day of this month, in the site's time zone."""
    return _local_midnight(timezone.localdate(now or timezone.now()).replace(day=1))
