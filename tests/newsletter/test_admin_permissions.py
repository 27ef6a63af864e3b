"""Who sees subscriber data in the admin: Audience managers do, page editors get 403."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from newsletter.audience import subscriptions
from newsletter.audience.consent import current_consent
from newsletter.models import Subscriber, Subscription, Suppression

INDEX = "/admin/newsletter/subscriber/"
EXPORT = "/admin/newsletter/subscriber/export-consent/"
IMPORT = "/admin/newsletter/subscriber/import/"


@pytest.fixture
def ada(supporters) -> Subscriber:
    subscriptions.subscribe(
        "ada@example.org",
        supporters,
        subscriptions.ConsentRecord(
            consent_text=current_consent("en"),
            ip_address="203.0.113.5",
            user_agent="Firefox",
        ),
        name='=HYPERLINK("http://evil")',
    )
    subscriptions.confirm(Subscription.objects.get())
    mail.outbox.clear()
    return Subscriber.objects.get()


def subscriber_urls(subscriber: Subscriber) -> list[str]:
    return [
        INDEX,
        f"{INDEX}inspect/{subscriber.pk}/",
        f"{INDEX}edit/{subscriber.pk}/",
        f"{INDEX}delete/{subscriber.pk}/",
        f"{INDEX}create/",
        EXPORT,
        IMPORT,
        "/admin/newsletter/mailinglist/",
        "/admin/newsletter/suppression/",
    ]


def test_page_editors_get_403_on_every_subscriber_view(client, comms_editor, ada):
    client.force_login(comms_editor)
    assert client.get("/admin/").status_code == 200  # they can use the admin …
    for url in subscriber_urls(ada):
        response = client.get(url)
        assert response.status_code == 403, url  # … but see no subscriber data
        assert b"ada@example.org" not in response.content
    post = client.post(EXPORT)
    assert post.status_code == 403
    assert "Audience" not in client.get("/admin/").content.decode()


def test_audience_managers_see_filter_search_and_inspect(client, audience_manager, ada, supporters):
    client.force_login(audience_manager)
    index = client.get(INDEX)
    html = index.content.decode()
    assert index.status_code == 200
    assert "ada@example.org" in html
    assert "Export consent records (CSV)" in html and "Import CSV" in html

    assert "ada@example.org" in client.get(INDEX, {"q": "ada"}).content.decode()
    assert "ada@example.org" not in client.get(INDEX, {"q": "grace"}).content.decode()
    assert (
        "ada@example.org"
        in client.get(INDEX, {"status": "active", "list": "supporters"}).content.decode()
    )
    assert "ada@example.org" not in client.get(INDEX, {"status": "pending"}).content.decode()
    assert "ada@example.org" not in client.get(INDEX, {"consent": "implied"}).content.decode()
    assert "ada@example.org" in client.get(INDEX, {"source": "form"}).content.decode()

    inspect = client.get(f"{INDEX}inspect/{ada.pk}/").content.decode()
    assert "Consent history" in inspect
    assert "203.0.113.5" in inspect
    assert "Yes, I want to receive email newsletters" in inspect
    assert "Supporters" in inspect


def test_filters_combine_on_the_same_subscription(client, audience_manager, ada, supporters):
    from newsletter.models import MailingList

    other = MailingList.objects.create(name="Other", slug="other")
    subscriptions.subscribe(ada.email, other, subscriptions.ConsentRecord())  # pending on Other
    client.force_login(audience_manager)
    # Active somewhere and on Other, but not active on Other: not listed.
    html = client.get(INDEX, {"status": "active", "list": "other"}).content.decode()
    assert "ada@example.org" not in html


def test_export_streams_every_consent_record_safely(client, audience_manager, ada):
    Suppression.objects.create(email="ada@example.org", reason="manual")
    client.force_login(audience_manager)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["email"] == "ada@example.org"
    assert row["list"] == "supporters"
    assert row["status"] == "active"
    assert row["consent_type"] == "express"
    assert row["ip_address"] == "203.0.113.5"
    assert row["consent_text"].startswith("Yes, I want to receive")
    assert row["confirmed_at"]
    assert row["suppressed"] == "manual"
    assert row["name"].startswith("'=")  # no spreadsheet formula injection


def test_viewing_is_not_exporting(client, django_user_model, ada):
    user = django_user_model.objects.create_user("viewer", "v@example.org", "pw-view-1")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_subscriber"),
    )
    client.force_login(user)
    assert client.get(INDEX).status_code == 200
    assert "Export consent records" not in client.get(INDEX).content.decode()
    assert client.get(EXPORT).status_code == 403
    assert client.get(IMPORT).status_code == 403


def test_audience_manager_adds_someone_with_a_consent_note(client, audience_manager, supporters):
    client.force_login(audience_manager)
    form = client.get(f"{INDEX}create/")
    assert form.status_code == 200
    assert "consent_note" in form.content.decode()

    response = client.post(
        f"{INDEX}create/",
        {
            "email": "Paper@Example.org",
            "name": "Paper Form",
            "language": "en",
            "mailing_list": supporters.pk,
            "consent_type": "express",
            "consent_note": "Signed the sign-up sheet at the 12 May rally",
            "require_confirmation": "",
        },
    )
    assert response.status_code == 302
    record = Subscription.objects.get(subscriber__email="paper@example.org")
    assert record.status == Subscription.Status.ACTIVE
    assert record.source == Subscription.Source.ADMIN
    assert record.note == "Signed the sign-up sheet at the 12 May rally"
    assert record.imported_by == "aud"
    assert mail.outbox == []
    inspect = client.get(response["Location"]).content.decode()
    assert "Signed the sign-up sheet" in inspect


def test_adding_by_hand_can_ask_for_confirmation_and_respects_suppression(
    client, audience_manager, supporters
):
    client.force_login(audience_manager)
    data = {
        "email": "new@example.org",
        "language": "en",
        "mailing_list": supporters.pk,
        "consent_type": "express",
        "consent_note": "Asked at the booth",
        "require_confirmation": "on",
    }
    client.post(f"{INDEX}create/", data)
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    assert len(mail.outbox) == 1

    Suppression.objects.create(email="gone@example.org", reason="unsubscribed_all")
    response = client.post(
        f"{INDEX}create/",
        {**data, "email": "gone@example.org", "require_confirmation": ""},
        follow=True,
    )
    assert "is suppressed: nothing was added" in response.content.decode()
    assert not Subscription.objects.filter(subscriber__email="gone@example.org").exists()


def test_lists_show_how_many_a_send_would_reach(client, audience_manager, ada):
    client.force_login(audience_manager)
    html = client.get("/admin/newsletter/mailinglist/").content.decode()
    assert "Would receive a send now" in html and "Supporters" in html


def test_audience_managers_edit_names_and_suppress_by_hand(
    client, audience_manager, ada, supporters
):
    client.force_login(audience_manager)
    edit = client.get(f"{INDEX}edit/{ada.pk}/")
    assert edit.status_code == 200
    response = client.post(
        f"{INDEX}edit/{ada.pk}/", {"email": "evil@example.org", "name": "Ada L.", "language": "fr"}
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    assert (ada.email, ada.name, ada.language) == ("ada@example.org", "Ada L.", "fr")

    added = client.post(
        "/admin/newsletter/suppression/create/",
        {"email": " ADA@Example.org", "reason": "manual", "note": "Asked by phone"},
    )
    assert added.status_code == 302
    assert Suppression.objects.get().email == "ada@example.org"
    assert subscriptions.audience_count(supporters) == 0
