"""What the admin shows at a glance: the issue buttons in the page header, the dashboard's
newsletter panel (only for those who may see sends or subscribers), the sends list's Lists
column, and a finished send's "Sent" summary instead of a countdown."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from newsletter.models import Delivery, Dispatch, MailingList, Subscription
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


def header_of(html: str) -> str:
    """The page header's top-level actions (not the "⋯" menu, which is a dropdown in it)."""
    header = re.search(r"<header class=\"w-slim-header.*?</header>", html, re.S).group()
    return re.sub(r"<div[^>]*data-controller=\"w-dropdown\".*", "", header, flags=re.S)


def test_issue_header_has_send_a_test_and_send_to_lists_for_senders(client, sender, issue):
    client.force_login(sender)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    header = header_of(html)
    assert "Send a test" in header and "Send to lists" in header
    assert reverse("newsletter_issues:test_send", args=[issue.pk]) in header
    assert reverse("newsletter_sending:new", args=[issue.pk]) in header


def test_a_draft_issue_offers_a_test_but_not_a_send(client, sender, issue):
    issue.unpublish()
    client.force_login(sender)
    header = header_of(
        client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()
    )
    assert "Send a test" in header and "Send to lists" not in header


def test_page_editors_get_no_send_buttons(client, comms_editor, issue):
    client.force_login(comms_editor)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk]))
    assert response.status_code == 200  # they edit the issue …
    html = response.content.decode()
    assert "Send a test" not in html and "Send to lists" not in html  # … but do not send it


def test_start_an_issue_is_in_the_archive_headers(client, comms_editor, archive, issue):
    client.force_login(comms_editor)
    start_url = reverse("newsletter_issues:start_issue", args=[archive.pk])
    for url in (
        reverse("wagtailadmin_pages:edit", args=[archive.pk]),
        reverse("wagtailadmin_explore", args=[archive.pk]),
    ):
        header = header_of(client.get(url).content.decode())
        assert "Start an issue" in header and start_url in header, url
    # The explorer still lists the archive's issues.
    explore = client.get(reverse("wagtailadmin_explore", args=[archive.pk])).content.decode()
    assert issue.title in explore


def _finished_send(issue, mailing_list: MailingList, count: int) -> Dispatch:
    add_subscribers(mailing_list, count)
    send = create_send(issue, [mailing_list])
    start(send)  # the immediate task backend sends it now
    send.refresh_from_db()
    return send


def test_dashboard_panel_shows_recent_sends_rates_and_the_audience(
    client, sender, issue, supporters, locmem
):
    send = _finished_send(issue, supporters, 4)
    deliveries = Delivery.objects.filter(dispatch=send).order_by("pk")
    deliveries.update(delivered_at=send.finished_at)
    Delivery.objects.filter(pk__in=list(deliveries.values_list("pk", flat=True)[:2])).update(
        opened_at=send.finished_at
    )
    pending = Subscription.objects.filter(mailing_list=supporters).first()
    Subscription.objects.filter(pk=pending.pk).update(status=Subscription.Status.PENDING)
    client.force_login(sender)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    panel = re.search(r'id="newsletter-dashboard-section".*?</section>', html, re.S).group()
    assert send.subject in panel and "Supporters" in panel and "Sent" in panel
    assert "100.0 %" in panel and "50.0 %" in panel  # delivered 4/4, opened 2/4
    assert re.search(r'data-figure="audience">\s*3\s*<', panel)  # one went back to pending
    assert re.search(r'data-figure="pending">\s*1\s*<', panel)


def test_dashboard_panel_without_tracking_data_says_so(client, sender, issue, supporters, locmem):
    _finished_send(issue, supporters, 2)
    client.force_login(sender)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "No delivery data yet" in html


def test_page_editors_see_no_newsletter_figures_on_the_dashboard(
    client, comms_editor, issue, supporters, locmem
):
    _finished_send(issue, supporters, 3)
    client.force_login(comms_editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="newsletter-dashboard-section"' not in html
    assert "Pending confirmations" not in html and issue.subject not in html


def test_audience_managers_see_the_audience_but_not_the_sends(
    client, audience_manager, issue, supporters, locmem
):
    _finished_send(issue, supporters, 3)
    client.force_login(audience_manager)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    panel = re.search(r'id="newsletter-dashboard-section".*?</section>', html, re.S).group()
    assert re.search(r'data-figure="audience">\s*3\s*<', panel)
    assert issue.subject not in panel


def test_sends_list_has_a_lists_column(client, sender, issue, supporters, board_list, locmem):
    add_subscribers(supporters, 1)
    create_send(issue, [supporters, board_list])
    client.force_login(sender)
    html = client.get(reverse("newsletter_sending:index")).content.decode()
    assert '<th scope="col">Lists</th>' in html
    cell = re.search(r'<td data-column="lists">(.*?)</td>', html).group(1)
    assert cell == "Board, Supporters" or cell == "Supporters, Board"


def test_a_finished_send_says_sent_with_its_totals_not_a_countdown(
    client, sender, issue, supporters, locmem
):
    send = _finished_send(issue, supporters, 3)
    assert send.status == "sent" and len(mail.outbox) == 3
    client.force_login(sender)

    state = client.get(reverse("newsletter_sending:progress", args=[send.pk])).json()
    assert state["seconds_left"] is None
    assert state["summary"].startswith("Sent to 3 of 3 recipients.")
    assert "Finished" in state["summary"]

    html = client.get(reverse("newsletter_sending:detail", args=[send.pk])).content.decode()
    assert re.search(r"<title>\s*Sent “", html)
    assert re.search(r'<p id="send-summary">\s*<strong data-field="summary">Sent to 3 of 3', html)
    assert re.search(r'<span id="send-eta" hidden>', html)  # no "about 0 s left"


def test_a_running_send_shows_the_countdown_not_a_summary(client, sender, issue, supporters):
    from newsletter.sending.freeze import freeze

    add_subscribers(supporters, 2)
    send = create_send(issue, [supporters])
    freeze(send)
    client.force_login(sender)
    html = client.get(reverse("newsletter_sending:detail", args=[send.pk])).content.decode()
    assert re.search(r'<p id="send-summary" hidden>', html)
    assert re.search(r'<span id="send-eta">', html)


def test_newsletter_status_prints_times_in_the_site_time_zone(issue, supporters, locmem, settings):
    import io
    from zoneinfo import ZoneInfo

    from django.core.management import call_command

    settings.TIME_ZONE = "America/Toronto"
    send = _finished_send(issue, supporters, 1)
    local = send.created_at.astimezone(ZoneInfo("America/Toronto"))
    out = io.StringIO()
    call_command("newsletter_status", stdout=out)
    assert f"{local:%Y-%m-%d %H:%M} America/Toronto" in out.getvalue()
    out = io.StringIO()
    call_command("newsletter_status", str(send.pk), stdout=out)
    assert "Finished: " in out.getvalue() and "America/Toronto" in out.getvalue()
