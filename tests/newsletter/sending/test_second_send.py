"""Never twice across sends: a second send of an issue leaves out everyone an earlier send of it
reached, says how many and when, and includes them only when told to (issue 11)."""

from __future__ import annotations

import os
import threading
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageLogEntry

from newsletter.models import Delivery, Dispatch, MailingList, Subscriber
from newsletter.models.audience import new_public_id
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send, freeze
from newsletter.sending.tasks import start_scheduled
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db
ON_POSTGRES = os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql")


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def sender(django_user_model, roles):
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"])
    return user


@pytest.fixture
def volunteers(db) -> MailingList:
    return MailingList.objects.create(name="Volunteers", slug="volunteers")


def today() -> str:
    """How the messages name a send started today ("30 Nov")."""
    return formats.date_format(timezone.localdate(), "j M")


def send_command(*extra: str) -> str:
    out = StringIO()
    call_command("newsletter_send", "latest", "--list", "supporters", "--wait", *extra, stdout=out)
    return out.getvalue()


def also_on(mailing_list: MailingList, subscriber_ids: list[int]) -> None:
    """Subscribe people already on another list to ``mailing_list`` too."""
    for subscriber in Subscriber.objects.filter(pk__in=subscriber_ids):
        subscriber.subscriptions.create(
            mailing_list=mailing_list, status="active", consent_type="express", source="import",
            public_id=new_public_id(),
        )  # fmt: skip


# --- the command ------------------------------------------------------------------------------


def test_a_second_newsletter_send_sends_nobody_and_says_so(issue, supporters, mailgun):
    add_subscribers(supporters, 5)
    send_command()
    assert set(mailgun.delivery_counts().values()) == {1}

    with pytest.raises(CommandError) as refused:
        send_command()

    message = str(refused.value)
    assert f"already received by 5 people on {today()}" in message
    assert "--include-previous-recipients" in message
    counts = mailgun.delivery_counts()
    assert len(counts) == 5 and set(counts.values()) == {1}  # nobody got it twice
    assert Dispatch.objects.count() == 1  # no empty second send either


def test_include_previous_recipients_sends_to_them_again(issue, supporters, mailgun):
    add_subscribers(supporters, 5)
    send_command()

    out = send_command("--include-previous-recipients")

    assert f"already received by 5 people on {today()}" in out
    assert "5 sent, 0 failed" in out
    counts = mailgun.delivery_counts()
    assert len(counts) == 5 and set(counts.values()) == {2}


def test_a_send_to_another_list_reaches_only_those_who_do_not_have_it(
    issue, supporters, volunteers, mailgun
):
    both = add_subscribers(volunteers, 3, prefix="volunteer")
    also_on(supporters, both)
    add_subscribers(supporters, 4)
    call_command("newsletter_send", "latest", "--list", "volunteers", "--wait", stdout=StringIO())

    out = send_command()

    assert f"Left out: the issue was already received by 3 people on {today()}" in out
    assert "sending “March: wins and letters” to 4." in out
    counts = mailgun.delivery_counts()
    assert len(counts) == 7 and set(counts.values()) == {1}


def test_people_queued_in_a_send_under_way_are_not_sent_it_again(issue, supporters, locmem):
    add_subscribers(supporters, 4)
    first = create_send(issue, [supporters])
    freeze(first)  # frozen, its worker not started yet: they are about to receive it

    second = create_send(issue, [supporters])
    assert start(second) == 0

    start(first)
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{n}@example.org" for n in range(4)]


def test_an_address_that_received_it_as_another_subscriber_is_left_out(issue, supporters, locmem):
    add_subscribers(supporters, 2)
    start(create_send(issue, [supporters]))
    # reader0 deletes their record and subscribes again: a new subscriber, the same address.
    Subscriber.objects.filter(email="reader0@example.org").delete()
    add_subscribers(supporters, 1)
    mail.outbox = []

    start(create_send(issue, [supporters]))

    assert mail.outbox == []


def test_a_failed_delivery_does_not_count_as_received(issue, supporters, locmem):
    add_subscribers(supporters, 3)
    first = create_send(issue, [supporters])
    start(first)
    Delivery.objects.filter(dispatch=first, email="reader1@example.org").update(status="failed")
    mail.outbox = []

    start(create_send(issue, [supporters]))

    assert [m.to[0] for m in mail.outbox] == ["reader1@example.org"]


# --- the admin --------------------------------------------------------------------------------


def review_and_confirm(client, issue, supporters, **extra) -> tuple[str, object]:
    url = reverse("newsletter_sending:new", args=[issue.pk])
    data = {"lists": [supporters.pk], "when": "now", **extra}
    review = client.post(url, data).content.decode()
    return review, client.post(url, {**data, "confirm": "1"})


def test_review_names_who_already_has_it_and_leaves_them_out(
    client, sender, issue, supporters, locmem
):
    add_subscribers(supporters, 3)
    start(create_send(issue, [supporters]))
    add_subscribers(supporters, 2, prefix="new")
    mail.outbox = []
    client.force_login(sender)

    review, response = review_and_confirm(client, issue, supporters)

    assert "<strong>2</strong> recipients" in review
    assert f"already received by 3 people on {today()}" in review
    assert 'name="include_previous_recipients"' in review
    assert "Also send to the 3 people who already received it" in review
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["new0@example.org", "new1@example.org"]


def test_the_checkbox_sends_it_to_them_again_and_is_logged(
    client, sender, issue, supporters, locmem
):
    add_subscribers(supporters, 3)
    start(create_send(issue, [supporters]))
    mail.outbox = []
    client.force_login(sender)

    _review, response = review_and_confirm(
        client, issue, supporters, include_previous_recipients="1"
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 3
    entry = PageLogEntry.objects.filter(page=issue, action="newsletter.send").latest("pk")
    assert entry.data["include_previous_recipients"] is True


def test_confirming_when_everyone_has_it_sends_nothing_and_says_why(
    client, sender, issue, supporters, locmem
):
    add_subscribers(supporters, 3)
    start(create_send(issue, [supporters]))
    mail.outbox = []
    client.force_login(sender)

    review, response = review_and_confirm(client, issue, supporters)

    assert "<strong>0</strong> recipients" in review
    assert "Nobody to send to" in response.content.decode()
    assert mail.outbox == [] and Dispatch.objects.count() == 1


def test_a_scheduled_send_keeps_the_choice_made_when_it_was_scheduled(
    client, sender, issue, supporters, locmem, settings
):
    add_subscribers(supporters, 3)
    start(create_send(issue, [supporters]))
    mail.outbox = []
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "ENQUEUE_ON_COMMIT": False}
    }
    client.force_login(sender)
    later = {"when": "later", "scheduled_for": "2099-01-01T09:00"}

    _review, response = review_and_confirm(
        client, issue, supporters, include_previous_recipients="1", **later
    )

    assert response.status_code == 302 and mail.outbox == []
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"][1] is True  # stored with the task, for when it runs
    start_scheduled.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])
    assert len(mail.outbox) == 3


# --- two sends started at once (PostgreSQL: concurrent transactions) ------------------------


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent freezes need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sends_of_an_issue_frozen_at_once_never_share_a_recipient(issue, supporters, locmem):
    add_subscribers(supporters, 2_000)
    sends = [create_send(issue, [supporters]) for _ in range(2)]
    barrier = threading.Barrier(2)
    totals: list[int] = []

    def freeze_one(send: Dispatch) -> None:
        try:
            barrier.wait()
            totals.append(freeze(send))
        finally:
            connection.close()

    threads = [threading.Thread(target=freeze_one, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(totals) == [0, 2_000]
    assert Delivery.objects.count() == 2_000
