"""Complaint rates against the 0.3% line bulk senders must stay under (Gmail, Yahoo).

A send's complaint rate is its deliveries reported as spam over its deliveries delivered (over
those sent when the provider reports no deliveries). Above :data:`WARNING_RATE` (0.1%) the
admin warns; a running send whose rate reaches ``NEWSLETTER_COMPLAINT_PAUSE_RATE`` (once it has
``NEWSLETTER_COMPLAINT_MIN_DELIVERED`` delivered) pauses itself: :func:`check_send`, called as
each complaint arrives.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from newsletter import conf
from newsletter.insights.charts import NO_FIGURE
from newsletter.models import Delivery, Dispatch
from newsletter.sending.outcomes import pause_send

# Gmail's and Yahoo's line for bulk senders: spam complaints under 0.3% of delivered mail.
LIMIT_RATE = 0.003
# Above this the admin warns (Google's advice: stay under 0.1%).
WARNING_RATE = 0.001
# The window of the list-wide complaint rate.
WINDOW_DAYS = 30

_COUNTS = {
    "sent": Count("pk", filter=Q(status=Delivery.Status.SENT)),
    "delivered": Count("delivered_at"),
    "complained": Count("complained_at"),
}


@dataclass(frozen=True)
class ComplaintRate:
    """Complaints over the messages they are measured against (delivered, else sent)."""

    complaints: int
    base: int

    @classmethod
    def of(cls, counts: dict[str, int]) -> ComplaintRate:
        """From ``sent``, ``delivered`` and ``complained`` counts."""
        base = counts["delivered"] or counts["sent"]
        return cls(complaints=counts["complained"], base=base)

    @property
    def rate(self) -> float | None:
        """The share (0.003 is 0.3%), or ``None`` with nothing delivered or sent."""
        return self.complaints / self.base if self.base else None

    def reaches(self, threshold: float) -> bool:
        """Whether the rate is at or above ``threshold`` (exact: no float rounding)."""
        return bool(self.base) and self.complaints >= Decimal(str(threshold)) * self.base

    @property
    def warns(self) -> bool:
        """Above :data:`WARNING_RATE`."""
        return self.rate is not None and self.rate > WARNING_RATE


def format_rate(rate: float | None, decimals: int = 2) -> str:
    """A share as a localised percentage, e.g. ``0.15 %``; a dash for ``None``."""
    if rate is None:
        return NO_FIGURE
    return f"{number_format(round(rate * 100, decimals), decimals)} %"


def send_rate(dispatch_id: int) -> ComplaintRate:
    """One send's complaint rate, in one query."""
    return ComplaintRate.of(Delivery.objects.filter(dispatch_id=dispatch_id).aggregate(**_COUNTS))


def window_rate(now: datetime.datetime | None = None, days: int = WINDOW_DAYS) -> ComplaintRate:
    """The complaint rate of every send started in the last ``days`` days, in one query."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    counts = Delivery.objects.filter(dispatch__started_at__gte=since).aggregate(**_COUNTS)
    return ComplaintRate.of(counts)


def pause_rate() -> float | None:
    """``NEWSLETTER_COMPLAINT_PAUSE_RATE``, or ``None`` when the automatic pause is off."""
    rate = conf.get("NEWSLETTER_COMPLAINT_PAUSE_RATE")
    return float(rate) if rate else None


def pause_reason(rate: ComplaintRate, threshold: float) -> str:
    """Why a send paused itself, for its page (``Dispatch.last_error``)."""
    return gettext(
        "Paused automatically: %(rate)s of delivered messages were reported as spam "
        "(%(complaints)s of %(base)s), at or above NEWSLETTER_COMPLAINT_PAUSE_RATE "
        "(%(threshold)s). Mailbox providers block senders above 0.3%%. Check who is on the "
        "lists and how they signed up before resuming: while the rate stays this high, the "
        "next complaint pauses the send again."
    ) % {
        "rate": format_rate(rate.rate),
        "complaints": number_format(rate.complaints, force_grouping=True),
        "base": number_format(rate.base, force_grouping=True),
        "threshold": format_rate(threshold),
    }


def check_send(dispatch_id: int) -> None:
    """After a new complaint on one of the send's deliveries: pause the send if it is still
    sending and its complaint rate passes NEWSLETTER_COMPLAINT_PAUSE_RATE.

    One aggregate query (none when the pause is off), two when it pauses. Database errors
    propagate: the caller's transaction decides."""
    threshold = pause_rate()
    if threshold is None:
        return
    counts = Delivery.objects.filter(
        dispatch_id=dispatch_id, dispatch__status=Dispatch.Status.SENDING
    ).aggregate(**_COUNTS)
    rate = ComplaintRate.of(counts)  # all 0 when the send is not sending
    if rate.base < conf.get("NEWSLETTER_COMPLAINT_MIN_DELIVERED") or not rate.reaches(threshold):
        return
    pause_send(dispatch_id, pause_reason(rate, threshold))


def warning_text(rate: ComplaintRate, *, window: bool = False) -> str | None:
    """The warning for a complaint rate above 0.1%, else ``None``. ``window``: the rate of
    the last 30 days' sends rather than of one send."""
    if not rate.warns:
        return None
    values = {
        "rate": format_rate(rate.rate),
        "count": number_format(rate.complaints, force_grouping=True),
        "base": number_format(rate.base, force_grouping=True),
        "days": WINDOW_DAYS,
    }
    if window:
        text = ngettext(
            "Over the sends of the last %(days)s days, %(rate)s of delivered messages were "
            "reported as spam (%(count)s complaint for %(base)s delivered).",
            "Over the sends of the last %(days)s days, %(rate)s of delivered messages were "
            "reported as spam (%(count)s complaints for %(base)s delivered).",
            rate.complaints,
        )
    else:
        text = ngettext(
            "%(rate)s of this send's delivered messages were reported as spam "
            "(%(count)s complaint for %(base)s delivered).",
            "%(rate)s of this send's delivered messages were reported as spam "
            "(%(count)s complaints for %(base)s delivered).",
            rate.complaints,
        )
    advice = gettext(
        "Gmail and Yahoo ask bulk senders to stay under 0.3%, and above 0.1% is a warning "
        "sign: check who is on the lists and how they signed up, and make unsubscribing easy."
    )
    return f"{text % values} {advice}"


def complaint_warning(dispatch) -> str | None:
    """A warning for the send's page when its complaint rate is above 0.1%, else None."""
    return warning_text(send_rate(dispatch.pk))
