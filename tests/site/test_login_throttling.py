"""The admin login is throttled: after a few wrong passwords for one username from one address,
even the right password is refused for a while (django-axes, settings ``AXES_*``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client

LOGIN = "/admin/login/"


def sign_in(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, follow=True
    )


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def locked_out_admin(superuser) -> Client:
    """The admin's account after AXES_FAILURE_LIMIT wrong passwords from 203.0.113.7."""
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "admin", "wrong-guess")
    return client


def test_a_wrong_password_shows_the_usual_error(superuser):
    client = Client()
    response = sign_in(client, "admin", "wrong-guess")
    assert response.status_code == 200
    assert not signed_in(client)


def test_after_too_many_wrong_passwords_the_right_one_is_refused(locked_out_admin):
    response = sign_in(locked_out_admin, "admin", "pw-admin-1")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Signing in as “admin” from your address is blocked for {minutes} minutes" in page
    assert not signed_in(locked_out_admin)


def test_a_few_wrong_passwords_then_the_right_one_still_signs_in(superuser):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "admin", "wrong-guess")
    sign_in(client, "admin", "pw-admin-1")
    assert signed_in(client)


def test_another_user_from_the_same_address_is_not_locked(locked_out_admin, comms_editor):
    client = Client()
    sign_in(client, "editor", "pw-editor-1")
    assert signed_in(client)


def test_the_same_user_from_another_address_is_not_locked(locked_out_admin):
    client = Client()
    sign_in(client, "admin", "pw-admin-1", address="198.51.100.20")
    assert signed_in(client)


def test_behind_a_proxy_the_forwarded_address_counts(superuser, settings):
    """With TRUSTED_PROXY_COUNT=1 every login comes from the proxy's address; the lock is for
    the client's address that the proxy appended to X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(client: Client, password: str, client_address: str):
        return client.post(
            LOGIN,
            {"username": "admin", "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.99, {client_address}",  # the left one is forged
        )

    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy(attacker, "wrong-guess", "203.0.113.7")
    assert via_proxy(attacker, "pw-admin-1", "203.0.113.7").status_code == 429

    admin = Client()
    via_proxy(admin, "pw-admin-1", "192.0.2.44")
    assert signed_in(admin)


def test_the_lock_ends_after_the_cool_off(locked_out_admin):
    """The failures were made longer ago than AXES_COOLOFF_TIME: the right password works."""
    long_ago = settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - long_ago)
    sign_in(locked_out_admin, "admin", "pw-admin-1")
    assert signed_in(locked_out_admin)


def test_force_login_and_the_test_client_login_are_not_throttled(superuser):
    """The suite's own logins (force_login, client.login, which pass no request) still work."""
    client = Client()
    client.force_login(superuser)
    assert signed_in(client)
    other = Client()
    assert other.login(username="admin", password="pw-admin-1")
    assert signed_in(other)
