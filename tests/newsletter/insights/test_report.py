"""A send's report: figures and rates from its deliveries, bounces by kind, clicks per link with
the donation appeal's as a figure of their own; the admin page, its chart and table, and the
CSV exports with their permissions."""

# The fixtures imported below are used as test arguments, which ruff takes for redefinitions.

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.insights.report import send_report
from newsletter.models import Delivery, Dispatch, LinkClick
from newsletter.sending.freeze import create_send, freeze
from tests.newsletter.sending.conftest import add_subscribers
from tests.newsletter.sending.test_tracking import payload, post

pytestmark = pytest.mark.django_db

DONATE = "https://example.org/donate"


def statement_url() -> str:
    """The first statement's address in the email (with the language prefix, on a site
    whose pages have one)."""
    from advocacy.models import StatementPage

    return StatementPage.objects.get(slug="statement-0").get_full_url()


def frozen_send(send_issue, mailing_list, readers: int = 10) -> tuple[Dispatch, list[int]]:
    """A started send to ``readers`` people: the send and its delivery ids, in order."""
    add_subscribers(mailing_list, readers)
    send = create_send(send_issue, [mailing_list])
    freeze(send)
    send.refresh_from_db()
    ids = list(Delivery.objects.filter(dispatch=send).order_by("pk").values_list("pk", flat=True))
    return send, ids


def mark(ids: list[int], **fields) -> None:
    Delivery.objects.filter(pk__in=ids).update(**fields)


@pytest.fixture
def outcomes(issue, supporters):
    """Ten readers: 8 sent (6 delivered, 3 opened, 2 clicked of which one never "opened"),
    1 refused by the provider, 1 still queued; 1 hard and 1 soft bounce, 1 complaint,
    1 unsubscribe."""
    send, ids = frozen_send(issue, supporters)
    now = timezone.now()
    mark(ids[:8], status=Delivery.Status.SENT, sent_at=now)
    mark(ids[8:9], status=Delivery.Status.FAILED)
    mark(ids[:6], delivered_at=now)
    mark(ids[:3], opened_at=now)
    mark(ids[2:4], clicked_at=now)
    mark(ids[6:7], bounced_at=now)
    mark(ids[7:8], soft_bounced_at=now)
    mark(ids[0:1], complained_at=now)
    mark(ids[1:2], unsubscribed_at=now)
    return send


def test_the_report_counts_the_deliveries_and_gives_rates_of_the_delivered(outcomes):
    report = send_report(outcomes)
    assert (report.recipients, report.sent, report.delivered) == (10, 8, 6)
    assert (report.opened, report.clicked) == (4, 2)  # a click is also an open
    assert (report.unsubscribed, report.complained) == (1, 1)
    assert (report.hard_bounced, report.soft_bounced, report.refused) == (1, 1, 1)
    assert report.delivery_rate == "75.0 %"  # 6 of 8 sent
    assert report.open_rate == "66.7 %"  # 4 of 6 delivered
    assert report.click_rate == "33.3 %"
    assert report.complaint_rate == "16.67 %"
    assert "Apple Mail Privacy Protection" in report.opens_caveat


def test_without_reported_deliveries_rates_are_of_the_messages_sent(issue, supporters):
    send, ids = frozen_send(issue, supporters, readers=4)
    mark(ids, status=Delivery.Status.SENT, sent_at=timezone.now())
    mark(ids[:1], opened_at=timezone.now())
    report = send_report(send)
    assert not report.base_is_delivered
    assert report.open_rate == "25.0 %"


def test_clicks_per_link_name_the_issue_s_links_and_sum_the_donation_clicks(outcomes):
    rows = {
        statement_url(): 5,
        DONATE: 7,
        f"{DONATE}?amount=25": 2,
        "https://elsewhere.example/": 1,
    }
    LinkClick.objects.bulk_create(
        LinkClick(dispatch=outcomes, url=url, clicks=n) for url, n in rows.items()
    )
    report = send_report(outcomes)
    clicked = [(link.url, link.clicks, link.kind) for link in report.links if link.clicks]
    assert clicked == [
        (DONATE, 7, "donation"),
        (statement_url(), 5, "link"),
        (f"{DONATE}?amount=25", 2, "donation"),
        ("https://elsewhere.example/", 1, "other"),
    ]
    assert report.donation_clicks == 9 and report.link_clicks == 15
    by_url = {link.url: link for link in report.links}
    assert by_url[statement_url()].label == "Statement number 0"
    assert by_url[f"{DONATE}?amount=50"].clicks == 0  # in the issue, never clicked
    assert by_url["[[unsubscribe_url]]"].kind == "personal"


def test_the_report_takes_two_queries_however_many_deliveries(
    outcomes, django_assert_max_num_queries
):
    LinkClick.objects.create(dispatch=outcomes, url=DONATE, clicks=3)
    with django_assert_max_num_queries(2):
        report = send_report(outcomes)
    assert report.donation_clicks == 3


def test_the_report_page_after_real_webhooks_shows_rates_chart_and_table(client, sender, sent):
    readers = list(sent.values())
    for delivery in readers:
        assert post(client, payload("delivered", delivery)).status_code == 200
    for delivery in readers[:2]:
        assert (
            post(client, payload("clicked", delivery, url=f"{DONATE}?utm_source=x")).status_code
            == 200
        )
    assert post(client, payload("clicked", readers[2], url=statement_url())).status_code == 200
    assert post(client, payload("complained", readers[2])).status_code == 200

    client.force_login(sender)
    send = readers[0].dispatch
    response = client.get(reverse("newsletter_reports:report", args=[send.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="delivered"' in html and "100.0 %" in html  # 3 of 3 sent
    assert 'data-figure="clicked"' in html
    assert 'role="img"' in html and 'id="links-table"' in html
    table = html[html.index('id="links-table"') :]
    # The donation link, most clicked, comes first, highlighted.
    first_row = table[table.index("<tbody>") : table.index("</tr>", table.index("<tbody>"))]
    assert f'data-link="{DONATE}"' in first_row and 'class="donation"' in first_row
    assert "data-clicks>2<" in first_row.replace(" ", "")
    assert "Apple Mail Privacy Protection" in html
    assert 'data-warning="complaints"' in html  # 1 complaint of 3 delivered


def test_page_editors_cannot_see_a_report(client, comms_editor, outcomes):
    client.force_login(comms_editor)
    response = client.get(reverse("newsletter_reports:report", args=[outcomes.pk]))
    assert response.status_code in (302, 403)
    assert b"data-figure" not in response.content


def test_the_send_page_links_to_the_report_once_started(client, sender, outcomes):
    client.force_login(sender)
    html = client.get(reverse("newsletter_sending:detail", args=[outcomes.pk])).content.decode()
    report_url = reverse("newsletter_reports:report", args=[outcomes.pk])
    assert f'href="{report_url}"' in html
    assert '<p id="send-report">' in html  # not hidden


def test_a_scheduled_send_offers_no_report_yet(client, sender, issue, supporters):
    add_subscribers(supporters, 1)
    send = create_send(
        issue, [supporters], scheduled_for=timezone.now() + datetime.timedelta(days=1)
    )
    client.force_login(sender)
    html = client.get(reverse("newsletter_sending:detail", args=[send.pk])).content.decode()
    assert '<p id="send-report" hidden>' in html


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_report_csv_has_the_figures_and_the_links(client, sender, outcomes):
    LinkClick.objects.create(dispatch=outcomes, url=DONATE, clicks=4)
    client.force_login(sender)
    response = client.get(reverse("newsletter_reports:report_csv", args=[outcomes.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert ["Delivered", "6", "75.0 %"] in rows
    assert ["Donation appeal clicks", "4", "100.0 %"] in rows
    assert [DONATE, "Donate", "donation", "4"] in [row[:4] for row in rows]


def test_the_recipients_csv_is_for_audience_managers_only(
    client, sender, audience_manager, outcomes
):
    url = reverse("newsletter_reports:recipients_csv", args=[outcomes.pk])
    client.force_login(sender)
    assert client.get(url).status_code == 403
    report = client.get(reverse("newsletter_reports:report", args=[outcomes.pk]))
    assert url not in report.content.decode()

    client.force_login(audience_manager)
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    rows = read_csv(response)
    assert rows[0][:3] == ["email", "status", "sent_at"]
    assert len(rows) == 11
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["status"] == "sent" and first["complained_at"] and first["delivered_at"]
    assert not first["bounced_at"]
