"""The sunset policy: who is flagged, the re-permission email, its link, and the command."""

from __future__ import annotations

import datetime
import re
import time
from io import StringIO

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsletter.audience.tokens import subscriber_token
from newsletter.insights import sunset
from newsletter.insights.sunset import months_before
from newsletter.models import (
    Batch,
    Delivery,
    Dispatch,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
)
from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    make_issue,
    newsletter_settings,
)

pytestmark = pytest.mark.django_db

KEEP_LINK = re.compile(r"https?://[^\s\"<>]+/newsletter/still-subscribed/[^\s\"<>/]+/")
NOW = timezone.now()


@pytest.fixture
def sends(archive, newsletter_settings) -> list[Dispatch]:  # noqa: F811 (fixtures)
    """Twelve finished sends, one a month, the last a week ago (oldest first)."""
    issue = make_issue(archive, [("intro", "<p>Hello.</p>")])
    result = []
    for months_ago in range(11, -1, -1):
        started = months_before(NOW, months_ago) - datetime.timedelta(days=7)
        send = Dispatch.objects.create(
            issue=issue, status=Dispatch.Status.SENT, started_at=started, finished_at=started
        )
        Batch.objects.create(dispatch=send, number=0, status=Batch.Status.SENT)
        result.append(send)
    return result


def reader(
    mailing_list: MailingList,
    email: str,
    received: list[Dispatch],
    *,
    language: str = "en",
    opened: dict[int, datetime.datetime] | None = None,
    status: str = Subscription.Status.ACTIVE,
) -> Subscriber:
    """A subscriber on the list who received ``received``; ``opened``: the open time of the
    delivery of some of them (by index in ``received``)."""
    subscriber = Subscriber.objects.create(email=email, language=language)
    Subscription.objects.create(
        subscriber=subscriber,
        mailing_list=mailing_list,
        status=status,
        consent_type=Subscription.ConsentType.EXPRESS,
        source=Subscription.Source.IMPORT,
    )
    opened = opened or {}
    for index, send in enumerate(received):
        Delivery.objects.create(
            dispatch=send,
            batch=send.batches.get(),
            subscriber=subscriber,
            email=subscriber.email,
            status=Delivery.Status.SENT,
            sent_at=send.started_at,
            opened_at=opened.get(index),
        )
    return subscriber


@pytest.fixture
def readers(supporters, sends) -> dict[str, Subscriber]:
    """Readers of every kind; only "silent" and "lapsed" are inactive (10 sends, 6 months)."""
    old = sends[0].started_at + datetime.timedelta(hours=2)
    return {
        # Twelve sends, nothing ever opened.
        "silent": reader(supporters, "silent@example.net", sends),
        # Opened the first send, eleven months ago, then nothing for eleven sends.
        "lapsed": reader(supporters, "lapsed@example.net", sends, opened={0: old}),
        # Opened last week's send.
        "engaged": reader(supporters, "engaged@example.net", sends, opened={11: NOW}),
        # Opened an old email again last week: that is an open too.
        "rereader": reader(supporters, "rereader@example.net", sends, opened={1: NOW}),
        # Joined three months ago: three sends, none opened; new readers are never flagged.
        "new": reader(supporters, "new@example.net", sends[-3:]),
        # A year of sends to another list, but only five of them reached this reader.
        "few": reader(supporters, "few@example.net", sends[::3] + sends[-2:-1]),
        # Silent, but no longer subscribed, or suppressed: nothing to ask them.
        "gone": reader(
            supporters, "gone@example.net", sends, status=Subscription.Status.UNSUBSCRIBED
        ),
        "suppressed": reader(supporters, "blocked@example.net", sends),
    }


@pytest.fixture(autouse=True)
def suppress_one(db):
    Suppression.objects.create(email="blocked@example.net", reason="complaint")


def flagged() -> set[str]:
    return set(Subscriber.objects.filter(sunset_at__isnull=False).values_list("email", flat=True))


def keep_path(message) -> str:
    url = KEEP_LINK.search(message.body).group(0)
    return "/" + url.split("/", 3)[3]


def test_flagging_picks_exactly_the_inactive_readers(readers):
    assert sunset.flag_inactive() == 2
    assert flagged() == {"silent@example.net", "lapsed@example.net"}
    assert sunset.flag_inactive() == 0  # the flag keeps its first date
    assert not mail.outbox  # flagging emails nobody


def test_new_readers_are_never_flagged_even_after_many_sends(supporters, sends):
    new = reader(supporters, "new@example.net", sends[-4:])
    assert not sunset.inactive_subscribers(sends=3, months=6).filter(pk=new.pk).exists()
    assert sunset.inactive_subscribers(sends=3, months=2).filter(pk=new.pk).exists()


def test_dry_run_changes_and_sends_nothing(readers):
    out = StringIO()
    call_command("newsletter_sunset", "--flag", "--send-repermission", "--dry-run", stdout=out)
    assert "Would flag 2 inactive readers." in out.getvalue()
    assert "Would send 2 re-permission emails." in out.getvalue()
    assert flagged() == set() and not mail.outbox
    out = StringIO()
    call_command("newsletter_sunset", stdout=out)  # counts only
    assert "Inactive, to flag: 2" in out.getvalue() and flagged() == set()


def test_the_command_flags_then_asks_once(readers):
    out = StringIO()
    call_command("newsletter_sunset", "--flag", "--send-repermission", stdout=out)
    assert "Flagged 2 inactive readers." in out.getvalue()
    assert "Sent 2 re-permission emails." in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == ["lapsed@example.net", "silent@example.net"]
    call_command("newsletter_sunset", "--flag", "--send-repermission", stdout=StringIO())
    assert len(mail.outbox) == 2  # nobody is asked twice


def test_the_repermission_email_and_its_link_keep_a_reader(readers, client):
    silent = readers["silent"]
    sunset.flag_inactive()
    assert sunset.send_repermission().sent == 2
    message = next(m for m in mail.outbox if m.to == [silent.email])
    assert message.subject == "Do you still want our newsletter?"
    html = message.alternatives[0][0]
    assert "Keep me subscribed" in html and "1 Example Street" in message.body
    unsubscribe = f"/newsletter/unsubscribe/{subscriber_token(silent)}/"
    assert unsubscribe in message.body and unsubscribe in html
    assert unsubscribe in message.extra_headers["List-Unsubscribe"]
    silent.refresh_from_db()
    assert silent.repermission_sent_at is not None

    path = keep_path(message)
    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Keep me subscribed" in page.content.decode()
    silent.refresh_from_db()
    assert silent.sunset_at is not None

    done = client.post(path)
    assert done.status_code == 200 and "You're still subscribed" in done.content.decode()
    silent.refresh_from_db()
    assert silent.sunset_at is None  # back in sends
    assert flagged() == {"lapsed@example.net"}
    # The clock starts again at the email: the next flagging leaves them alone.
    assert sunset.flag_inactive() == 0
    assert sunset.send_repermission().sent == 0 and len(mail.outbox) == 2


def test_a_french_reader_gets_the_email_in_french(supporters, sends):
    reader(supporters, "lea@example.net", sends, language="fr")
    sunset.flag_inactive()
    sunset.send_repermission()
    (message,) = mail.outbox
    assert message.subject == "Voulez-vous toujours recevoir notre infolettre?"
    assert "Bonjour" in message.body and "vous désabonner" in message.body
    assert "Je reste abonné·e" in message.alternatives[0][0]
    assert '<html lang="fr">' in message.alternatives[0][0]
    assert KEEP_LINK.search(message.body)


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, reader: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token, reader: subscriber_token(reader),  # an unsubscribe token: another salt
        lambda token, reader: token.replace(reader.public_id, "x" * len(reader.public_id)),
        lambda token, reader: "nonsense",
    ],
    ids=["tampered", "other-kind", "other-id", "garbage"],
)
def test_a_forged_link_gets_the_invalid_link_page_and_changes_nothing(readers, client, forge):
    silent = readers["silent"]
    sunset.flag_inactive()
    sunset.send_repermission()
    genuine = keep_path(next(m for m in mail.outbox if m.to == [silent.email]))
    token = genuine.rstrip("/").rsplit("/", 1)[1]
    path = f"/newsletter/still-subscribed/{forge(token, silent)}/"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
        assert silent.email not in response.content.decode()
    assert flagged() == {"silent@example.net", "lapsed@example.net"}


def test_an_expired_link_changes_nothing(readers, client, settings, monkeypatch):
    settings.NEWSLETTER_REPERMISSION_MAX_AGE = 60
    sunset.flag_inactive()
    issued = time.time() - 3600
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(issued))
    )
    sunset.send_repermission()
    monkeypatch.undo()
    response = client.post(keep_path(mail.outbox[0]))
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert len(flagged()) == 2


def test_a_reader_who_unsubscribed_meanwhile_is_not_put_back(readers, client):
    silent = readers["silent"]
    sunset.flag_inactive()
    sunset.send_repermission()
    path = keep_path(next(m for m in mail.outbox if m.to == [silent.email]))
    Subscription.objects.filter(subscriber=silent).update(status=Subscription.Status.UNSUBSCRIBED)
    assert client.post(path).status_code == 400
    silent.refresh_from_db()
    assert silent.sunset_at is not None


def test_a_failed_email_is_left_for_the_next_run(readers, monkeypatch):
    sunset.flag_inactive()
    real_send = sunset.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.to == ["silent@example.net"]:
            raise OSError("connection refused")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(sunset.EmailMultiAlternatives, "send", send)
    result = sunset.send_repermission()
    assert (result.sent, result.failed) == (1, 1)
    assert Subscriber.objects.get(email="silent@example.net").repermission_sent_at is None
    monkeypatch.undo()
    assert sunset.send_repermission().sent == 1
    assert [m.to[0] for m in mail.outbox] == ["lapsed@example.net", "silent@example.net"]


def test_unflag_by_hand_puts_a_reader_back_for_good(readers):
    sunset.flag_inactive()
    out = StringIO()
    call_command("newsletter_sunset", "--unflag", "Silent@Example.net", stdout=out)
    assert "silent@example.net is back in sends." in out.getvalue()
    assert flagged() == {"lapsed@example.net"}
    call_command("newsletter_sunset", "--flag", stdout=StringIO())
    assert flagged() == {"lapsed@example.net"}  # not taken out again at once
    out = StringIO()
    call_command("newsletter_sunset", "--unflag", "lapsed@example.net", "--dry-run", stdout=out)
    assert "Would put lapsed@example.net back" in out.getvalue()
    assert flagged() == {"lapsed@example.net"}
    with pytest.raises(CommandError, match="No subscriber"):
        call_command("newsletter_sunset", "--unflag", "nobody@example.net")
