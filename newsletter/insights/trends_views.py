"""Admin views of trends: list growth, rates per send, complaint rates over time.

The "Newsletter insights" page, for users who may send newsletters or see the audience; others
get a 403 that says what is missing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from newsletter import conf
from newsletter.admin_access import forbidden
from newsletter.insights import complaints, trends
from newsletter.insights.charts import Chart, Series, bar_chart, line_chart

URL_NAMESPACE = "newsletter_trends"
# Sending newsletters, or seeing subscribers (Newsletter senders, Audience managers).
INSIGHTS_PERMISSIONS = ("newsletter.send_newsletter", "newsletter.view_subscriber")
FORBIDDEN_MESSAGE = gettext_lazy(
    "Newsletter insights need the “Can send newsletters” or “Can view subscriber” permission. "
    "Ask an administrator to add you to the “Newsletter senders” or “Audience managers” group."
)


def can_see_insights(user) -> bool:
    """Whether ``user`` may open the insights page."""
    return any(user.has_perm(permission) for permission in INSIGHTS_PERMISSIONS)


def growth_chart(growth: trends.ListGrowth) -> Chart:
    """Sign-ups, confirmations, unsubscribes and bounces per week, as bars."""
    return bar_chart(
        gettext("List growth per week"),
        [gettext("Week of %(day)s") % {"day": date_format(week, "j M Y")} for week in growth.weeks],
        [
            Series(gettext("Sign-ups"), growth.signups),
            Series(gettext("Confirmations"), growth.confirmations),
            Series(gettext("Unsubscribes"), growth.unsubscribes),
            Series(gettext("Bounces"), growth.bounces),
        ],
        axis_labels=[date_format(week, "j M") for week in growth.weeks],
        label_heading=gettext("Week"),
    )


def _send_label(rates: trends.SendRates) -> str:
    send = rates.send
    when = timezone.localtime(send.finished_at or send.created_at)
    return f"{send.subject or send.issue.title} ({date_format(when, 'j M Y')})"


def _send_axis_label(rates: trends.SendRates) -> str:
    return date_format(timezone.localtime(rates.send.finished_at or rates.send.created_at), "j M")


def rates_chart(rates: list[trends.SendRates]) -> Chart:
    """Delivered, open and click rates of the recent sends, as lines."""
    return line_chart(
        gettext("Rates per send"),
        [_send_label(row) for row in rates],
        [
            Series(gettext("Delivered"), [row.delivered for row in rates]),
            Series(gettext("Opened"), [row.opened for row in rates]),
            Series(gettext("Clicked"), [row.clicked for row in rates]),
        ],
        percent=True,
        decimals=1,
        axis_labels=[_send_axis_label(row) for row in rates],
        label_heading=gettext("Send"),
    )


def complaints_chart(rates: list[trends.SendRates]) -> Chart:
    """The complaint rate of each recent send, as bars, with the 0.3% line."""
    return bar_chart(
        gettext("Spam complaint rate per send"),
        [_send_label(row) for row in rates],
        [Series(gettext("Complaint rate"), [row.complained for row in rates])],
        percent=True,
        decimals=2,
        threshold=complaints.LIMIT_RATE,
        threshold_label=gettext("Gmail and Yahoo limit"),
        axis_labels=[_send_axis_label(row) for row in rates],
        label_heading=gettext("Send"),
    )


def pause_setting_text() -> str:
    """The automatic pause as configured, in a sentence."""
    rate = complaints.pause_rate()
    if rate is None:
        return gettext(
            "Automatic pause: off (NEWSLETTER_COMPLAINT_PAUSE_RATE is not set). A send keeps "
            "going whatever its complaint rate."
        )
    return gettext(
        "Automatic pause: a send that is still going pauses itself when %(rate)s of its "
        "delivered messages are reported as spam, once %(minimum)s are delivered."
    ) % {
        "rate": complaints.format_rate(rate),
        "minimum": conf.get("NEWSLETTER_COMPLAINT_MIN_DELIVERED"),
    }


def index(request: HttpRequest) -> HttpResponse:
    """The insights page: list growth, rates per send, complaint rates against 0.3%."""
    if not can_see_insights(request.user):
        return forbidden(request, FORBIDDEN_MESSAGE)
    rates = trends.send_rates()
    window = complaints.window_rate()
    context = {
        "page_title": gettext("Newsletter insights"),
        "header_icon": "view",
        "growth_chart": growth_chart(trends.list_growth()),
        "rates_chart": rates_chart(rates),
        "complaints_chart": complaints_chart(rates),
        "window": window,
        "window_days": complaints.WINDOW_DAYS,
        "window_rate": complaints.format_rate(window.rate),
        "limit_rate": complaints.format_rate(complaints.LIMIT_RATE, 1),
        "warning_rate": complaints.format_rate(complaints.WARNING_RATE, 1),
        "complaint_warning": complaints.warning_text(window, window=True),
        "pause_setting": pause_setting_text(),
        "weeks": trends.WEEKS,
        "sends": trends.SENDS,
    }
    return TemplateResponse(request, "newsletter/insights/trends.html", context)


def urls() -> list:
    """The insights page, under the ``newsletter_trends`` namespace."""
    return [path("", index, name="index")]
