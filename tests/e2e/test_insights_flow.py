"""A sender sends an issue to a segment, the provider reports what readers did, the report shows it.

In a real browser: the send form offers the saved segment, the review counts exactly its members,
and the send (run by the immediate task backend, through the loopback Mailgun server) reaches
exactly them. Then signed Mailgun webhooks over real HTTP report deliveries, opens, clicks on the
donation button and on another link, and a spam complaint; the send's report page shows the
rates, the donation button first in the per-link table, and the chart's data table.
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from django.urls import reverse
from taggit.models import Tag

from newsletter.models import Delivery, Dispatch, Segment, Subscriber
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.newsletter.sending.conftest import SECRET, SIGNING_KEY, add_subscribers, supporters  # noqa: F401
from tests.newsletter.sending.test_tracking import payload
from tests.support.fake_mailgun import FakeMailgun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LIST_SIZE = 40
DONORS = 12  # the segment: readers tagged "donor"


def webhook(live_server, body: dict) -> None:
    response = requests.post(
        live_server.url + "/anymail/mailgun/tracking/",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        auth=tuple(SECRET.split(":")),
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_a_segment_send_and_its_report(
    live_server,
    page,
    artifacts,
    django_user_model,
    settings,
    roles,
    issue,  # noqa: F811
    supporters,  # noqa: F811
):
    ids = add_subscribers(supporters, LIST_SIZE)
    donors = list(Subscriber.objects.filter(pk__in=ids[:DONORS]))
    for reader in donors:
        reader.tags.add("donor")
    segment = Segment.objects.create(name="Donors", mailing_list=supporters)
    segment.tags.set([Tag.objects.get(name="donor")])
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"], roles["Audience managers"])

    with FakeMailgun() as mailgun:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = mailgun.anymail_settings(
            WEBHOOK_SECRET=SECRET, MAILGUN_WEBHOOK_SIGNING_KEY=SIGNING_KEY
        )
        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill("sender")
        page.get_by_label("Password").fill("pw-sender-1")
        page.get_by_role("button", name="Sign in").click()

        # The send form: the segment alone, not the whole list.
        page.goto(live_server.url + reverse("newsletter_sending:new", args=[issue.pk]))
        page.get_by_role("checkbox", name=re.compile("Donors")).check()
        page.get_by_role("button", name="Review").click()
        assert f"{DONORS} recipients" in page.locator("#send-review").inner_text()
        page.screenshot(path=str(artifacts / "segment-send-review.png"), full_page=True)
        page.get_by_role("button", name=f"Send to {DONORS} recipients").click()
        page.wait_for_url(re.compile(r"/admin/newsletter/sends/\d+/$"))
        assert sorted(mailgun.delivery_counts()) == sorted(r.email for r in donors)
        assert set(mailgun.delivery_counts().values()) == {1}

        # What the provider reports, over real HTTP, signed.
        send = Dispatch.objects.get()
        deliveries = list(Delivery.objects.filter(dispatch=send).select_related("batch"))
        donate = "https://example.org/donate"
        other = re.search(r'href="(http://[^"]*/newsroom/[^"]*)"', send.html)[1]
        for index, delivery in enumerate(deliveries):
            webhook(live_server, payload("delivered", delivery))
            if index < 8:
                webhook(live_server, payload("opened", delivery))
            if index < 4:
                webhook(live_server, payload("clicked", delivery, url=donate + "?utm_source=x"))
        webhook(live_server, payload("clicked", deliveries[5], url=other))
        webhook(live_server, payload("complained", deliveries[-1]))

        page.goto(live_server.url + f"/admin/newsletter/reports/{send.pk}/")
        figures = page.locator("main").inner_text()
        assert "66.7" in figures  # opened: 8 of 12 delivered
        assert "8.33" in figures or "8.3" in figures  # one complaint of 12
        rows = page.locator("table").filter(has_text="Clicks").first.locator("tbody tr")
        assert "Donate" in rows.first.inner_text() and "4" in rows.first.inner_text()
        assert page.locator('svg[role="img"]').count() >= 1
        page.screenshot(path=str(artifacts / "send-report.png"), full_page=True)
