"""The newsletter panel on the Wagtail dashboard: recent sends with their rates, the audience,
and the list's health (the 30-day spam complaint rate against the 0.3% line, new subscribers
this month) with a link to the insights page.

Shown only to users who may follow sends (``newsletter.send_newsletter`` or
``newsletter.view_dispatch``) or see subscribers (``newsletter.view_subscriber``); people who
only edit pages see neither, and only those who may see sends or subscribers see the audience
figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wagtail.admin.ui.components import Component

from newsletter.insights import complaints
from newsletter.insights.trends import month_start, subscribers_added_since
from newsletter.insights.trends_views import can_see_insights
from newsletter.models import Dispatch, MailingList, Subscription
from newsletter.sending.admin_views import SEND_PERMISSION
from newsletter.sending.freeze import audience_of
from newsletter.sending.progress import funnels

RECENT_SENDS = 5
SEND_PERMISSIONS = (SEND_PERMISSION, "newsletter.view_dispatch")
SUBSCRIBER_PERMISSION = "newsletter.view_subscriber"


@dataclass(frozen=True)
class SendSummary:
    """One recent send as the panel shows it: delivered is a percentage of the messages sent,
    opened and clicked of those delivered (of those sent when the provider reports no
    deliveries), or ``None`` while the provider has reported nothing (no webhooks, or too
    early)."""

    send: Dispatch
    lists: str
    sent: int
    delivered: float | None
    opened: float | None
    clicked: float | None


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def summarise(send: Dispatch, counts: dict[str, int]) -> SendSummary:
    """The send's lists, messages sent, and delivered / opened / clicked rates, from its
    delivery funnel (``counts``)."""
    sent = counts["sent"]
    base = counts["delivered"] or sent
    tracked = sent and any(counts[key] for key in ("delivered", "opened", "clicked"))
    return SendSummary(
        send=send,
        lists=", ".join(m.name for m in send.mailing_lists.all()),
        sent=sent,
        delivered=_percent(counts["delivered"], sent) if tracked else None,
        opened=_percent(counts["opened"], base) if tracked else None,
        clicked=_percent(counts["clicked"], base) if tracked else None,
    )


def audience_size() -> int:
    """Distinct subscribers a send to every list would reach now (active, consent valid, not
    suppressed)."""
    return audience_of(MailingList.objects.all()).count()


def pending_confirmations() -> int:
    """Subscriptions waiting for their confirmation click."""
    return Subscription.objects.filter(status=Subscription.Status.PENDING).count()


def list_health() -> dict[str, Any]:
    """The 30-day complaint rate (with its warning above 0.1%) and the subscribers added this
    month: two queries."""
    window = complaints.window_rate()
    return {
        "complaint_rate": complaints.format_rate(window.rate),
        "complaints": window,
        "limit_rate": complaints.format_rate(complaints.LIMIT_RATE, 1),
        "window_days": complaints.WINDOW_DAYS,
        "complaint_warning": complaints.warning_text(window, window=True),
        "added_this_month": subscribers_added_since(month_start()),
    }


class NewsletterPanel(Component):
    """Recent sends (status, lists, rates), audience size, pending confirmations, list
    health, and a link to the insights page."""

    name = "newsletter"
    template_name = "newsletter/admin/dashboard_panel.html"
    order = 90  # above Wagtail's own panels (recent edits: 250)

    def __init__(
        self, *, show_sends: bool, can_open_sends: bool, can_see_insights: bool = False
    ) -> None:
        self.show_sends = show_sends
        self.can_open_sends = can_open_sends  # the send screens need the send permission
        self.can_see_insights = can_see_insights

    @classmethod
    def for_user(cls, user) -> NewsletterPanel | None:
        """The panel this user may see, or ``None`` (page editors only)."""
        show_sends = any(user.has_perm(perm) for perm in SEND_PERMISSIONS)
        if not (show_sends or user.has_perm(SUBSCRIBER_PERMISSION)):
            return None
        return cls(
            show_sends=show_sends,
            can_open_sends=user.has_perm(SEND_PERMISSION),
            can_see_insights=can_see_insights(user),
        )

    def get_context_data(self, parent_context: Mapping[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "show_sends": self.show_sends,
            "can_open_sends": self.can_open_sends,
            "audience_size": audience_size(),
            "pending_confirmations": pending_confirmations(),
            "can_see_insights": self.can_see_insights,
            "health": list_health(),
        }
        if self.show_sends:
            sends = list(
                Dispatch.objects.select_related("issue")
                .prefetch_related("mailing_lists")
                .order_by("-created_at")[:RECENT_SENDS]
            )
            counts = funnels([send.pk for send in sends])
            context["sends"] = [summarise(send, counts[send.pk]) for send in sends]
        return context
