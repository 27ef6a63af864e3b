"""A send's report: what happened to its messages, as counts and rates, and clicks per link.

Everything comes from records kept up to date as the provider's events arrive, never from the
events themselves: the deliveries' timelines (one aggregate query) and the per-link click counts
(:class:`~newsletter.models.LinkClick`, one query). The links are named from the send's frozen
message (:func:`newsletter.insights.clicks.issue_links`): what each link says in the issue,
and which ask for money, so donation-appeal clicks are a figure of their own.

Rates are shares of the messages delivered, or of those sent when the provider reports no
deliveries (some do not, or not yet). A reader who clicked also counts as having opened: a
click proves the message was opened, even when its images (the open pixel) were blocked.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from newsletter.csv_export import csv_cell
from newsletter.insights.clicks import PERSONAL_LINKS, issue_links
from newsletter.models import Delivery, Dispatch, LinkClick

STATUS = Delivery.Status

OPENS_CAVEAT = gettext_lazy(
    "Opens are estimates. Apple Mail Privacy Protection loads the images of every message "
    "Apple Mail receives, so many of its readers count as having opened whether they read the "
    "message or not, and readers who block images are not counted until they click. Clicks "
    "are the surer sign of interest."
)

# Each figure: its key in the aggregate, what it is called, and the condition it counts.
_COUNTS = {
    "recipients": Count("pk"),
    "sent": Count("pk", filter=Q(status=STATUS.SENT)),
    "delivered": Count("delivered_at"),
    "opened": Count("pk", filter=Q(opened_at__isnull=False) | Q(clicked_at__isnull=False)),
    "clicked": Count("clicked_at"),
    "unsubscribed": Count("unsubscribed_at"),
    "complained": Count("complained_at"),
    "hard_bounced": Count("bounced_at"),
    "soft_bounced": Count("soft_bounced_at"),
    "refused": Count("pk", filter=Q(status=STATUS.FAILED)),
}


def percent(part: int, whole: int, decimals: int = 1) -> str:
    """``part`` of ``whole`` as a localised percentage ("12.5 %"); a dash when ``whole`` is 0."""
    if not whole:
        return "\N{EN DASH}"
    return f"{number_format(round(100 * part / whole, decimals), decimals)} %"


@dataclass
class LinkRow:
    """One link of the report: its key (the URL without UTM parameters, or a personal link's
    placeholder), what it says in the issue, its kind and its clicks."""

    url: str
    label: str
    kind: str  # "donation", "personal" (each reader's own link), "link", or "other"
    clicks: int
    last_clicked_at: datetime.datetime | None = None
    position: int = 10**6  # where it first appears in the message (not in it: last)

    @property
    def donation(self) -> bool:
        return self.kind == "donation"

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


KIND_LABELS = {
    "donation": gettext_lazy("Donation appeal"),
    "personal": gettext_lazy("Reader's own link"),
    "link": gettext_lazy("Link in the issue"),
    "other": gettext_lazy("Not in the issue"),
}


@dataclass
class Figure:
    """A count beside its rate, for the page and the CSV."""

    key: str
    label: str
    count: int
    rate: str
    unit: str = "messages"  # or "clicks"


@dataclass
class SendReport:
    """A send's outcome: counts of deliveries, rates, bounces by kind and clicks per link."""

    dispatch: Dispatch
    recipients: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    complained: int
    hard_bounced: int
    soft_bounced: int
    refused: int
    links: list[LinkRow] = field(default_factory=list)
    opens_caveat: str = ""

    @property
    def base(self) -> int:
        """What rates are shares of: the messages delivered, else those sent."""
        return self.delivered or self.sent

    @property
    def base_is_delivered(self) -> bool:
        return bool(self.delivered)

    @property
    def bounced(self) -> int:
        return self.hard_bounced + self.soft_bounced + self.refused

    @property
    def link_clicks(self) -> int:
        """Clicks on every link (a reader may click several links, or one several times)."""
        return sum(link.clicks for link in self.links)

    @property
    def donation_clicks(self) -> int:
        """Clicks on the donation appeal's links."""
        return sum(link.clicks for link in self.links if link.donation)

    @property
    def delivery_rate(self) -> str:
        return percent(self.delivered, self.sent)

    @property
    def open_rate(self) -> str:
        return percent(self.opened, self.base)

    @property
    def click_rate(self) -> str:
        return percent(self.clicked, self.base)

    @property
    def click_to_open_rate(self) -> str:
        return percent(self.clicked, self.opened)

    @property
    def unsubscribe_rate(self) -> str:
        return percent(self.unsubscribed, self.base, 2)

    @property
    def complaint_rate(self) -> str:
        return percent(self.complained, self.base, 2)

    @property
    def bounce_rate(self) -> str:
        return percent(self.hard_bounced + self.soft_bounced, self.sent)

    def figures(self) -> list[Figure]:
        """The report's headline figures, in order: count and rate each."""
        return [
            Figure("recipients", gettext("Recipients"), self.recipients, ""),
            Figure("sent", gettext("Sent"), self.sent, percent(self.sent, self.recipients)),
            Figure("delivered", gettext("Delivered"), self.delivered, self.delivery_rate),
            Figure("opened", gettext("Opened"), self.opened, self.open_rate),
            Figure("clicked", gettext("Clicked"), self.clicked, self.click_rate),
            Figure("unsubscribed", gettext("Unsubscribed"), self.unsubscribed,
                   self.unsubscribe_rate),
            Figure("complained", gettext("Marked as spam"), self.complained,
                   self.complaint_rate),
            Figure("donation_clicks", gettext("Donation appeal clicks"), self.donation_clicks,
                   percent(self.donation_clicks, self.link_clicks), "clicks"),
        ]  # fmt: skip

    def bounces(self) -> list[Figure]:
        """Bounces by kind, each as a share of the messages sent (refusals: of recipients)."""
        return [
            Figure("hard_bounced", gettext("Hard bounces (the address does not exist)"),
                   self.hard_bounced, percent(self.hard_bounced, self.sent)),
            Figure("soft_bounced", gettext("Soft bounces (a temporary failure)"),
                   self.soft_bounced, percent(self.soft_bounced, self.sent)),
            Figure("refused", gettext("Refused by the provider when sending"),
                   self.refused, percent(self.refused, self.recipients)),
        ]  # fmt: skip


def _links(dispatch: Dispatch) -> list[LinkRow]:
    """Clicked links (most clicked first), then the issue's links nobody clicked, in the
    order of the message. One query."""
    in_issue = issue_links(dispatch.html)
    personal = set(PERSONAL_LINKS.values())
    rows = []
    for url, clicks, last in (
        LinkClick.objects.filter(dispatch_id=dispatch.pk)
        .order_by("-clicks", "url")
        .values_list("url", "clicks", "last_clicked_at")
    ):
        link = in_issue.pop(url, None)
        rows.append(_row(url, link, personal, clicks, last))
    rows += [_row(url, link, personal, 0, None) for url, link in in_issue.items()]
    return rows


def _row(url: str, link, personal: set[str], clicks: int, last) -> LinkRow:
    if link is None:
        kind = "personal" if url in personal else "other"
        return LinkRow(url, "", kind, clicks, last)
    kind = "donation" if link.donation else "personal" if url in personal else "link"
    return LinkRow(url, link.label, kind, clicks, last, link.position)


def send_report(dispatch: Dispatch) -> SendReport:
    """The report of a send: two queries (the deliveries' aggregate, the link counts)."""
    counts = Delivery.objects.filter(dispatch_id=dispatch.pk).aggregate(**_COUNTS)
    return SendReport(
        dispatch=dispatch, links=_links(dispatch), opens_caveat=str(OPENS_CAVEAT), **counts
    )


# --- CSV ------------------------------------------------------------------------------------


def report_rows(report: SendReport) -> Iterator[list[str]]:
    """The report as CSV rows: the figures and bounces (figure, count, rate), a blank row, then
    one row per link (link, label, kind, clicks, last click)."""
    yield [gettext("figure"), gettext("count"), gettext("rate")]
    for figure in [*report.figures(), *report.bounces()]:
        yield [csv_cell(figure.label), str(figure.count), figure.rate]
    yield []
    yield [gettext("link"), gettext("label"), gettext("kind"), gettext("clicks"),
           gettext("last click")]  # fmt: skip
    for link in report.links:
        yield [csv_cell(link.url), csv_cell(link.label), link.kind, str(link.clicks),
               csv_cell(link.last_clicked_at)]  # fmt: skip


RECIPIENT_COLUMNS = [
    "email",
    "status",
    "sent_at",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "bounced_at",
    "soft_bounced_at",
    "complained_at",
    "unsubscribed_at",
]


def recipient_rows(dispatch: Dispatch) -> Iterator[list[str]]:
    """Each recipient's outcome as CSV rows (header first), read in chunks."""
    yield RECIPIENT_COLUMNS
    rows = (
        Delivery.objects.filter(dispatch_id=dispatch.pk)
        .order_by("pk")
        .values_list(*RECIPIENT_COLUMNS)
        .iterator(chunk_size=2000)
    )
    for row in rows:
        yield [csv_cell(value) for value in row]
