"""Test sends are for people allowed to send: who may send one, to whom, how often."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from wagtail.models import PageLogEntry

from newsletter.issues import test_sends
from newsletter.models import Suppression

pytestmark = pytest.mark.django_db

TEST_ADDRESS = "comms@example.org"  # in Settings > Newsletter settings (the fixture)


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test starts with no test sends counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sender_editor(comms_editor, roles):
    """A comms editor who is also in "Newsletter senders": may send tests."""
    comms_editor.groups.add(roles["Newsletter senders"])
    return comms_editor


def url_of(issue) -> str:
    return reverse("newsletter_issues:test_send", args=[issue.pk])


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def edit_page(client, issue) -> str:
    return client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk])).content.decode()


def test_an_editor_without_the_send_permission_gets_403_and_no_button(client, comms_editor, issue):
    client.force_login(comms_editor)

    assert client.get(url_of(issue)).status_code == 403
    response = client.post(url_of(issue), {"recipients": TEST_ADDRESS})

    assert response.status_code == 403
    assert "Can send newsletters" in response.content.decode()
    assert mail.outbox == []
    assert not PageLogEntry.objects.filter(action="newsletter.test_send").exists()
    assert url_of(issue) not in edit_page(client, issue)


def test_a_sender_sees_the_button_and_sends_to_the_test_and_own_addresses(
    client, sender_editor, issue
):
    client.force_login(sender_editor)
    assert url_of(issue) in edit_page(client, issue)

    response = client.post(url_of(issue), {"recipients": f"{TEST_ADDRESS}\nEditor@Example.org"})

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["Editor@Example.org", TEST_ADDRESS]
    assert "sent to 2 addresses" in flash(response)[0]
    # A Message-ID on the sending domain, not the web server's host name.
    assert mail.outbox[0].message()["Message-ID"].endswith("@example.org>")


def test_another_admin_users_address_is_allowed(client, sender_editor, superuser, issue):
    client.force_login(sender_editor)
    response = client.post(url_of(issue), {"recipients": superuser.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[superuser.email]]


@pytest.mark.parametrize(
    "who",
    ["stranger@example.net", "inactive", "no-admin"],
)
def test_any_other_address_is_refused_naming_it_and_nothing_is_sent(
    client, sender_editor, issue, django_user_model, who
):
    if who == "inactive":
        user = django_user_model.objects.create_superuser("gone", "gone@example.org", "pw")
        user.is_active = False
        user.save()
        who = user.email
    elif who == "no-admin":  # a user account that cannot use the admin
        who = django_user_model.objects.create_user("reader", "reader@example.org", "pw").email
    client.force_login(sender_editor)

    response = client.post(url_of(issue), {"recipients": f"{TEST_ADDRESS}, {who}"})

    assert response.status_code == 200
    body = response.content.decode()
    assert f"not allowed: {who}" in body
    assert TEST_ADDRESS not in body.split("not allowed:")[1].split(".")[0]
    assert mail.outbox == []
    assert not PageLogEntry.objects.filter(action="newsletter.test_send").exists()


def test_a_suppressed_test_address_is_skipped_and_named(client, sender_editor, issue):
    Suppression.objects.create(email=TEST_ADDRESS, reason=Suppression.Reason.COMPLAINT)
    client.force_login(sender_editor)

    response = client.post(url_of(issue), {"recipients": f"{TEST_ADDRESS}, editor@example.org"})

    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]
    (message,) = flash(response)
    assert "sent to 1 address: editor@example.org" in message
    assert f"Not sent to {TEST_ADDRESS}: suppressed" in message
    entry = PageLogEntry.objects.get(action="newsletter.test_send")
    assert entry.data["recipients"] == ["editor@example.org"]


def test_only_suppressed_addresses_send_nothing_and_say_why(client, sender_editor, issue):
    Suppression.objects.create(email=TEST_ADDRESS, reason=Suppression.Reason.HARD_BOUNCE)
    client.force_login(sender_editor)

    response = client.post(url_of(issue), {"recipients": TEST_ADDRESS})

    assert response.status_code == 200
    assert f"{TEST_ADDRESS} is suppressed" in response.content.decode()
    assert mail.outbox == []


def test_the_eleventh_test_in_an_hour_is_refused(client, sender_editor, issue):
    client.force_login(sender_editor)
    for _ in range(10):
        assert client.post(url_of(issue), {"recipients": TEST_ADDRESS}).status_code == 302

    response = client.post(url_of(issue), {"recipients": TEST_ADDRESS})

    assert response.status_code == 200
    assert "You have sent 10 tests this hour" in response.content.decode()
    assert len(mail.outbox) == 10
    assert PageLogEntry.objects.filter(action="newsletter.test_send").count() == 10


def test_the_limit_is_per_user_and_configurable(client, sender_editor, superuser, issue, settings):
    settings.NEWSLETTER_TEST_SENDS_PER_HOUR = 1
    client.force_login(sender_editor)
    assert client.post(url_of(issue), {"recipients": TEST_ADDRESS}).status_code == 302
    assert client.post(url_of(issue), {"recipients": TEST_ADDRESS}).status_code == 200

    client.force_login(superuser)
    assert client.post(url_of(issue), {"recipients": TEST_ADDRESS}).status_code == 302
    assert len(mail.outbox) == 2


def test_tests_still_go_when_the_cache_is_down(client, sender_editor, issue, monkeypatch):
    """The counter's cache (a Redis nobody listens to) fails: the test goes, uncounted."""
    unreachable = RedisCache("redis://127.0.0.1:6390/0", {})
    monkeypatch.setattr(test_sends, "cache", unreachable)
    client.force_login(sender_editor)

    for _ in range(11):
        assert client.post(url_of(issue), {"recipients": TEST_ADDRESS}).status_code == 302
    assert len(mail.outbox) == 11
