"""The newsletter panel on the Wagtail dashboard: recent sends with their rates, the audience.

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

from newsletter.models import Dispatch, MailingList, Subscription
from newsletter.sending.admin_views import SEND_PERMISSION
from newsletter.sending.freeze import audience_of
from newsletter.sending.progress import funnels

RECENT_SENDS = 5
SEND_PERMISSIONS = (SEND_PERMISSION, "newsletter.view_dispatch")
SUBSCRIBER_PERMISSION = "newsletter.view_subscriber"


@dataclass(frozen=True)
class SendSummary:
    """One recent send as the panel shows it: rates are percentages of the messages sent, or
    ``None`` while the provider has reported nothing (no webhooks, or too early)."""

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
    tracked = sent and any(counts[key] for key in ("delivered", "opened", "clicked"))
    return SendSummary(
        send=send,
        lists=", ".join(m.name for m in send.mailing_lists.all()),
        sent=sent,
        delivered=_percent(counts["delivered"], sent) if tracked else None,
        opened=_percent(counts["opened"], sent) if tracked else None,
        clicked=_percent(counts["clicked"], sent) if tracked else None,
    )


def audience_size() -> int:
    """Distinct subscribers a send to every list would reach now (active, consent valid, not
    suppressed)."""
    return audience_of(MailingList.objects.all()).count()


def pending_confirmations() -> int:
    """Subscriptions waiting for their confirmation click."""
    return Subscription.objects.filter(status=Subscription.Status.PENDING).count()


class NewsletterPanel(Component):
    """Recent sends (status, lists, rates), audience size and pending confirmations."""

    name = "newsletter"
    template_name = "newsletter/admin/dashboard_panel.html"
    order = 90  # above Wagtail's own panels (recent edits: 250)

    def __init__(self, *, show_sends: bool, can_open_sends: bool) -> None:
        self.show_sends = show_sends
        self.can_open_sends = can_open_sends  # the send screens need the send permission

    @classmethod
    def for_user(cls, user) -> NewsletterPanel | None:
        """The panel this user may see, or ``None`` (page editors only)."""
        show_sends = any(user.has_perm(perm) for perm in SEND_PERMISSIONS)
        if not (show_sends or user.has_perm(SUBSCRIBER_PERMISSION)):
            return None
        return cls(show_sends=show_sends, can_open_sends=user.has_perm(SEND_PERMISSION))

    def get_context_data(self, parent_context: Mapping[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "show_sends": self.show_sends,
            "can_open_sends": self.can_open_sends,
            "audience_size": audience_size(),
            "pending_confirmations": pending_confirmations(),
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
