"""Trends: list growth per week, rates per send, the insights page (and who may open it), and
the dashboard panel's list health."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.dashboard import NewsletterPanel
from newsletter.insights.trends import list_growth, send_rates
from newsletter.models import Delivery, Dispatch, MailingList, Subscriber, Subscription
from newsletter.models.audience import new_public_id
from newsletter.sending.freeze import create_send, freeze
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db

ENDED = Subscription.EndedHow
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def local(*args: int) -> datetime.datetime:
    """A moment in the site's time zone (America/Toronto in the tests)."""
    return timezone.make_aware(datetime.datetime(*args))


def subscription(
    mailing_list: MailingList,
    created: datetime.datetime = LONG_AGO,
    *,
    confirmed: datetime.datetime | None = None,
    ended: datetime.datetime | None = None,
    how: str = "",
) -> Subscription:
    """One reader's subscription with the given moments (each reader a new subscriber)."""
    number = Subscriber.objects.count()
    reader = Subscriber.objects.create(email=f"r{number}@example.org", public_id=new_public_id())
    row = Subscription.objects.create(
        subscriber=reader,
        mailing_list=mailing_list,
        status=Subscription.Status.UNSUBSCRIBED if ended else Subscription.Status.ACTIVE,
        consent_type=Subscription.ConsentType.EXPRESS,
        source=Subscription.Source.FORM,
        confirmed_at=confirmed,
        ended_at=ended,
        ended_how=how,
    )
    Subscription.objects.filter(pk=row.pk).update(created_at=created)
    return row


def finished_send(
    send_issue, mailing_list, *, readers: int, delivered: int, opened: int = 0, clicked: int = 0,
    complaints: int = 0, finished: datetime.datetime | None = None, prefix: str = "reader",
) -> Dispatch:  # fmt: skip
    """A send that reached ``readers`` people, with the first ``delivered`` delivered, and so
    on (timestamps set as the tracking webhooks set them)."""
    add_subscribers(mailing_list, readers, prefix=prefix)
    send = create_send(send_issue, [mailing_list])
    freeze(send, include_previous_recipients=True)
    now = timezone.now()
    deliveries = Delivery.objects.filter(dispatch=send)
    deliveries.update(status=Delivery.Status.SENT, sent_at=now)
    ids = list(deliveries.order_by("pk").values_list("pk", flat=True))
    for field, count in (
        ("delivered_at", delivered),
        ("opened_at", opened),
        ("clicked_at", clicked),
        ("complained_at", complaints),
    ):
        Delivery.objects.filter(pk__in=ids[:count]).update(**{field: now})
    Dispatch.objects.filter(pk=send.pk).update(
        status=Dispatch.Status.SENT, finished_at=finished or now
    )
    send.refresh_from_db()
    return send


# --- list growth ---------------------------------------------------------------------------


def test_list_growth_counts_each_week_in_the_site_time_zone(supporters, django_assert_num_queries):
    subscription(supporters, local(2025, 2, 16, 23, 30))  # the Sunday before: not counted
    subscription(supporters, local(2025, 2, 17, 0, 10))  # Monday, first minutes: week 1
    subscription(supporters, local(2025, 2, 18, 9), confirmed=local(2025, 2, 25, 10))
    subscription(supporters, local(2025, 2, 18, 17))
    subscription(supporters, local(2025, 3, 9, 23, 50))  # Sunday night: week 3, not 4
    subscription(supporters, local(2025, 3, 10, 0, 10), confirmed=local(2025, 3, 11, 8))
    # Ends: readers who left (counted), lapsed consent and the admin (not), hard bounces.
    subscription(supporters, ended=local(2025, 2, 20), how=ENDED.PROVIDER)
    subscription(supporters, ended=local(2025, 3, 4), how=ENDED.ONE_CLICK)
    subscription(supporters, ended=local(2025, 3, 5), how=ENDED.EVERYTHING)
    subscription(supporters, ended=local(2025, 3, 5), how=ENDED.COMPLAINT)
    subscription(supporters, ended=local(2025, 3, 4), how=ENDED.ADMIN)
    subscription(supporters, ended=local(2025, 3, 4), how=ENDED.LAPSED)
    subscription(supporters, ended=local(2025, 3, 11), how=ENDED.BOUNCED)

    with django_assert_num_queries(4):  # one per series, whatever the number of weeks
        growth = list_growth(weeks=4, now=local(2025, 3, 12, 12))

    assert growth.weeks == [
        datetime.date(2025, 2, 17),
        datetime.date(2025, 2, 24),
        datetime.date(2025, 3, 3),
        datetime.date(2025, 3, 10),
    ]
    assert growth.signups == [3, 0, 1, 1]
    assert growth.confirmations == [0, 1, 0, 1]
    assert growth.unsubscribes == [1, 0, 3, 0]
    assert growth.bounces == [0, 0, 0, 1]


def test_a_quiet_list_has_a_zero_for_every_week(supporters):
    growth = list_growth(weeks=12)
    assert len(growth.weeks) == 12 and growth.weeks[-1] <= timezone.localdate()
    assert growth.signups == [0] * 12 and growth.bounces == [0] * 12


# --- rates per send ------------------------------------------------------------------------


def test_rates_per_send_oldest_first_in_two_queries(
    issue, supporters, board_list, django_assert_num_queries
):
    earlier = finished_send(
        issue, supporters, readers=4, delivered=4, opened=2, clicked=1,
        finished=timezone.now() - datetime.timedelta(days=7),
    )  # fmt: skip
    later = finished_send(issue, board_list, readers=2, delivered=0, prefix="board")
    running = create_send(issue, [supporters])  # not finished: not a point of the trend

    with django_assert_num_queries(2):
        rates = send_rates()

    assert [row.send.pk for row in rates] == [earlier.pk, later.pk]
    assert running.pk not in [row.send.pk for row in rates]
    first, second = rates
    assert (first.sent, first.delivered, first.opened, first.clicked) == (4, 1.0, 0.5, 0.25)
    assert first.complained == 0.0
    assert (second.sent, second.delivered, second.opened) == (2, None, None)  # no reports yet


# --- the insights page -----------------------------------------------------------------------


def test_the_insights_page_draws_growth_rates_and_complaints(client, sender, issue, supporters):
    finished_send(issue, supporters, readers=4, delivered=4, opened=2, clicked=1)
    client.force_login(sender)

    response = client.get(reverse("newsletter_trends:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Newsletter insights" in html
    assert html.count('role="img"') == 3  # growth, rates, complaints
    rates = re.search(r"<caption>\s*Rates per send\s*</caption>.*?</table>", html, re.S).group()
    row = re.search(rf"<th scope=\"row\">{re.escape(issue.subject)} \(.*?</tr>", rates).group()
    assert re.findall(r"<td>(.*?)</td>", row) == ["100.0 %", "50.0 %", "25.0 %"]
    assert "Apple Mail Privacy Protection" in html
    assert "Spam complaint rate per send (line: Gmail and Yahoo limit 0.30 %)" in html
    assert re.search(r'data-figure="window-complaint-rate">0.00 %<', html)
    assert 'data-warning="complaints"' not in html
    # Sign-ups this week: the four readers of the send.
    growth = re.search(r"<caption>\s*List growth per week\s*</caption>.*?</table>", html, re.S)
    last_week = re.findall(r"<tr>.*?</tr>", growth.group(), re.S)[-1]
    assert re.findall(r"<td>(.*?)</td>", last_week) == ["4", "0", "0", "0"]


def test_the_page_warns_above_a_tenth_of_a_percent(client, sender, issue, supporters):
    send = finished_send(issue, supporters, readers=1000, delivered=1000, complaints=1)
    client.force_login(sender)
    html = client.get(reverse("newsletter_trends:index")).content.decode()
    assert re.search(r'data-figure="window-complaint-rate">0.10 %<', html)
    assert 'data-warning="complaints"' not in html  # 0.1%: at the line, not above it

    extra = Delivery.objects.filter(dispatch=send, complained_at__isnull=True).first()
    Delivery.objects.filter(pk=extra.pk).update(complained_at=timezone.now())
    html = client.get(reverse("newsletter_trends:index")).content.decode()
    warning = re.search(r'<p data-warning="complaints">(.*?)</p>', html, re.S).group(1)
    assert "0.20 %" in warning and "2 complaints for 1,000 delivered" in warning


def test_sends_older_than_thirty_days_leave_the_complaint_figure(client, sender, issue, supporters):
    send = finished_send(issue, supporters, readers=100, delivered=100, complaints=5)
    Dispatch.objects.filter(pk=send.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=40)
    )
    client.force_login(sender)
    html = client.get(reverse("newsletter_trends:index")).content.decode()
    assert 'data-warning="complaints"' not in html
    assert "5.00 %" in html  # still in the per-send chart's table


def test_audience_managers_may_see_insights(client, audience_manager):
    client.force_login(audience_manager)
    assert client.get(reverse("newsletter_trends:index")).status_code == 200


def test_page_editors_get_a_403_and_no_menu_item(client, comms_editor, sender):
    client.force_login(comms_editor)
    response = client.get(reverse("newsletter_trends:index"))
    assert response.status_code == 403
    assert "Newsletter senders" in response.content.decode()
    assert "Newsletter insights" not in client.get(reverse("wagtailadmin_home")).content.decode()

    client.force_login(sender)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Newsletter insights" in home and reverse("newsletter_trends:index") in home


# --- the dashboard panel ---------------------------------------------------------------------


def panel_of(html: str) -> str:
    return re.search(r'id="newsletter-dashboard-section".*?</section>', html, re.S).group()


def test_the_dashboard_shows_rates_and_list_health(client, sender, issue, supporters):
    send = finished_send(issue, supporters, readers=1000, delivered=1000, opened=400, complaints=2)
    Subscriber.objects.filter(pk=Subscriber.objects.order_by("pk").first().pk).update(
        created_at=LONG_AGO
    )
    client.force_login(sender)

    panel = panel_of(client.get(reverse("wagtailadmin_home")).content.decode())

    assert send.subject in panel and "100.0 %" in panel and "40.0 %" in panel
    assert re.search(r'data-figure="added-this-month">\s*999\s*<', panel)
    assert re.search(r'data-figure="complaint-rate">\s*0.20 %\s*<', panel)
    assert "limit 0.3 % (Gmail, Yahoo)" in panel
    assert 'data-warning="complaints"' in panel
    assert f'href="{reverse("newsletter_trends:index")}"' in panel


def test_the_dashboard_warns_only_above_a_tenth_of_a_percent(client, sender, issue, supporters):
    finished_send(issue, supporters, readers=1000, delivered=1000, complaints=1)
    client.force_login(sender)
    panel = panel_of(client.get(reverse("wagtailadmin_home")).content.decode())
    assert re.search(r'data-figure="complaint-rate">\s*0.10 %\s*<', panel)
    assert 'data-warning="complaints"' not in panel


def test_the_panel_costs_the_same_queries_for_one_send_or_five(
    issue, supporters, sender, django_assert_num_queries
):
    finished_send(issue, supporters, readers=2, delivered=2)
    panel = NewsletterPanel.for_user(sender)
    with django_assert_num_queries(8) as one:  # 6 before list health, +2
        panel.get_context_data(None)
    for n in range(4):
        finished_send(issue, supporters, readers=1, delivered=1, prefix=f"more{n}-")
    with django_assert_num_queries(len(one.captured_queries)):
        context = panel.get_context_data(None)
    assert len(context["sends"]) == 5
