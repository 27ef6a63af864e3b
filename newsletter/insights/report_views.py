"""Admin views of a send's report (rates, per-link clicks) and its CSV exports.

The report page and the report's CSV need the permission the send's own page needs ("Can send
newsletters"); the per-recipient CSV is subscriber data, for audience managers only ("Can
export subscribers and consent records").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy

from newsletter.admin_access import forbidden
from newsletter.csv_export import csv_download
from newsletter.insights import complaints
from newsletter.insights.report import LinkRow, recipient_rows, report_rows, send_report
from newsletter.models import Dispatch
from newsletter.sending.admin_views import send_permission_required

URL_NAMESPACE = "newsletter_reports"
EXPORT_PERMISSION = "newsletter.export_subscribers"
EXPORT_MESSAGE = gettext_lazy(
    "Each recipient's outcome is subscriber data: exporting it needs the “Can export "
    "subscribers and consent records” permission. Ask an administrator to add you to the "
    "“Audience managers” group if you need it."
)

# The bar chart's geometry, in SVG user units (the SVG scales to the page's width).
CHART_WIDTH = 720
LABEL_WIDTH = 300
BAR_HEIGHT = 22
ROW_HEIGHT = 30
CHART_BARS = 25
LABEL_CHARS = 42


@dataclass
class Bar:
    y: int
    text_y: int
    label: str
    width: int
    count_x: int
    clicks: int
    donation: bool


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bar_chart(links: list[LinkRow]) -> Chart | None:
    """A horizontal bar per clicked link (the most clicked first, at most CHART_BARS), scaled
    to the most clicked; None when nothing was clicked."""
    clicked = [link for link in links if link.clicks][:CHART_BARS]
    if not clicked:
        return None
    most = max(link.clicks for link in clicked)
    room = CHART_WIDTH - LABEL_WIDTH - 70  # space for the count after the longest bar
    bars = []
    for n, link in enumerate(clicked):
        width = max(1, round(room * link.clicks / most))
        y = n * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        bars.append(
            Bar(
                y=y,
                text_y=y + BAR_HEIGHT // 2 + 5,
                label=_short(link.label or link.url),
                width=width,
                count_x=LABEL_WIDTH + width + 6,
                clicks=link.clicks,
                donation=link.donation,
            )
        )
    return Chart(CHART_WIDTH, ROW_HEIGHT * len(bars), LABEL_WIDTH, BAR_HEIGHT, bars)


def _started_send(send_id: int) -> Dispatch:
    return get_object_or_404(Dispatch.objects.select_related("issue"), pk=send_id)


@send_permission_required
def report_view(request: HttpRequest, send_id: int) -> HttpResponse:
    """The send's report: rates, bounces by kind, donation clicks, clicks per link."""
    send = _started_send(send_id)
    report = send_report(send)
    return TemplateResponse(
        request,
        "newsletter/insights/report.html",
        {
            "send": send,
            "report": report,
            "chart": bar_chart(report.links),
            "complaint_warning": complaints.complaint_warning(send),
            "can_export_recipients": request.user.has_perm(EXPORT_PERMISSION),
            "page_title": gettext("Report: “%(subject)s”") % {"subject": send.subject},
            "header_icon": "doc-full",
        },
    )


@send_permission_required
def report_csv(request: HttpRequest, send_id: int) -> HttpResponse:
    """The report's figures and per-link clicks as CSV."""
    send = _started_send(send_id)
    return csv_download(report_rows(send_report(send)), f"send-{send.pk}-report", stamped=False)


def recipients_csv(request: HttpRequest, send_id: int) -> HttpResponse:
    """Each recipient's outcome as CSV, streamed: audience managers only (403 otherwise)."""
    if not request.user.has_perm(EXPORT_PERMISSION):
        return forbidden(request, str(EXPORT_MESSAGE))
    send = _started_send(send_id)
    return csv_download(recipient_rows(send), f"send-{send.pk}-recipients", stamped=False)


def urls() -> list:
    """The report screens, under the ``newsletter_reports`` namespace."""
    return [
        path("<int:send_id>/", report_view, name="report"),
        path("<int:send_id>/report.csv", report_csv, name="report_csv"),
        path("<int:send_id>/recipients.csv", recipients_csv, name="recipients_csv"),
    ]
