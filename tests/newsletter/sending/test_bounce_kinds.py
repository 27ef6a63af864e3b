"""Hard and soft bounces, as each provider reports them to its Anymail tracking webhook.

Postmark, SparkPost, Brevo, Resend and Mailgun: a payload in the provider's documented shape is
posted to ``/anymail/<esp>/tracking/`` (basic auth; Mailgun also signed). Amazon SES: its
webhook needs boto3, which is not installed, so the SNS notification goes through Anymail's own
SES parsing code (``AmazonSESTrackingWebhookView.esp_to_anymail_events``) and the events it
builds are given to ``record_event``, as the webhook would.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
import uuid

import pytest
from anymail.signals import EventType
from anymail.webhooks.amazon_ses import AmazonSESTrackingWebhookView
from django.db import connection
from django.urls import reverse

from newsletter.models import Delivery, Subscription, Suppression, TrackingEvent
from newsletter.sending.bounces import HARD, SOFT, bounce_kind
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send
from newsletter.sending.progress import funnel
from newsletter.sending.tracking import record_event
from tests.newsletter.sending.conftest import SECRET
from tests.newsletter.sending.test_tracking import apply
from tests.newsletter.sending.test_tracking import payload as mailgun_payload

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count(1_000_000)  # distinct event ids and times


def postmark(delivery: Delivery, soft: bool) -> dict:
    """Postmark's bounce webhook (postmarkapp.com/developer/webhooks/bounce-webhook)."""
    kind, code, name = ("SoftBounce", 4096, "Soft bounce") if soft else ("HardBounce", 1, "Hard")
    return {
        "RecordType": "Bounce",
        "MessageStream": "broadcast",
        "ID": next(NUMBERS),
        "Type": kind,
        "TypeCode": code,
        "Name": name,
        "Tag": "",
        "MessageID": delivery.message_id,
        "ServerID": 23,
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": delivery.email,
        "From": "news@example.org",
        "BouncedAt": "2026-03-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": not soft,
        "CanActivate": True,
        "Subject": "March: wins and letters",
    }


def sparkpost(delivery: Delivery, soft: bool) -> list:
    """SparkPost's message events webhook: a batch of ``msys`` events."""
    return [
        {
            "msys": {
                "message_event": {
                    "type": "bounce",
                    "bounce_class": "22" if soft else "10",
                    "event_id": str(next(NUMBERS)),
                    "raw_rcpt_to": delivery.email,
                    "rcpt_to": delivery.email,
                    "transmission_id": delivery.message_id,
                    "timestamp": str(int(time.time())),
                    "raw_reason": "452 4.2.2 mailbox full" if soft else "550 5.1.1 User unknown",
                    "reason": "mailbox full" if soft else "User unknown",
                    "error_code": "452" if soft else "550",
                }
            }
        }
    ]


def brevo(delivery: Delivery, soft: bool) -> dict:
    """Brevo's transactional webhook (developers.brevo.com/docs/transactional-webhooks)."""
    return {
        "event": "soft_bounce" if soft else "hard_bounce",
        "email": delivery.email,
        "id": 1234,
        "date": "2026-03-05 12:00:00",
        "ts": int(time.time()),
        "message-id": f"<{delivery.message_id}>",
        "ts_event": int(time.time()),
        "subject": "March: wins and letters",
        "sending_ip": "185.41.28.109",
        "ts_epoch": int(time.time()) * 1000 + next(NUMBERS) % 1000,
        "reason": "mailbox full" if soft else "unknown user",
    }


def resend(delivery: Delivery, soft: bool) -> dict:
    """Resend's ``email.bounced`` webhook (resend.com/docs/webhooks/emails/bounced)."""
    return {
        "type": "email.bounced",
        "created_at": "2026-03-05T23:41:12.126Z",
        "data": {
            "created_at": "2026-03-05T23:41:11.894719+00:00",
            "email_id": delivery.message_id,
            "from": "Newsletter <news@example.org>",
            "to": [delivery.email],
            "subject": "March: wins and letters",
            "bounce": {
                "message": "The recipient's email provider sent a bounce message because the "
                "recipient's inbox was full."
                if soft
                else "The recipient's email provider sent a hard bounce message.",
                "subType": "MailboxFull" if soft else "General",
                "type": "Transient" if soft else "Permanent",
            },
        },
    }


def mailgun(delivery: Delivery, soft: bool) -> dict:
    """Mailgun's ``failed`` event: permanent, or its last temporary one (Mailgun gave up)."""
    if soft:
        return mailgun_payload("failed", delivery, severity="temporary", reason="old")
    return mailgun_payload("failed", delivery, severity="permanent", reason="bounce")


PROVIDERS = {
    "postmark": postmark,
    "sparkpost": sparkpost,
    "brevo": brevo,
    "resend": resend,
    "mailgun": mailgun,
}


def post_to(client, esp: str, body) -> int:
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = client.post(
        reverse(f"anymail:{esp}_tracking_webhook"),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_SVIX_ID=f"msg_{uuid.uuid4().hex}",  # Resend's event id (others ignore it)
    )
    return response.status_code


def suppressed(email: str) -> bool:
    return Suppression.objects.filter(email=email).exists()


def still_subscribed(email: str) -> bool:
    open_ones = Subscription.objects.filter(subscriber__email=email, status__in=Subscription.OPEN)
    return open_ones.exists()


@pytest.mark.parametrize("esp", PROVIDERS)
def test_a_hard_bounce_suppresses_and_a_soft_one_does_not(client, sent, esp):
    hard, soft = sent["reader0@example.org"], sent["reader1@example.org"]
    assert post_to(client, esp, PROVIDERS[esp](hard, soft=False)) == 200
    assert post_to(client, esp, PROVIDERS[esp](soft, soft=True)) == 200

    hard.refresh_from_db()
    soft.refresh_from_db()
    assert hard.bounced_at and not hard.soft_bounced_at
    assert soft.soft_bounced_at and not soft.bounced_at
    assert Suppression.objects.get(email=hard.email).reason == Suppression.Reason.HARD_BOUNCE
    assert not still_subscribed(hard.email)
    assert not suppressed(soft.email) and still_subscribed(soft.email)
    counts = funnel(hard.dispatch)
    assert (counts["bounced"], counts["soft_bounced"]) == (1, 1)
    stored = TrackingEvent.objects.filter(provider=esp)
    assert sorted(e.raw["bounce"] for e in stored) == [HARD, SOFT]


def ses_notification(delivery: Delivery, bounce_type: str, sub_type: str) -> tuple[dict, dict]:
    """An SNS notification of an SES bounce (docs.aws.amazon.com/ses/latest/dg/
    notification-contents.html): the SNS message and the SES event inside it."""
    ses_event = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [
                {
                    "emailAddress": delivery.email,
                    "action": "failed",
                    "status": "5.1.1" if bounce_type == "Permanent" else "4.2.2",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": "2026-03-05T01:52:20.000Z",
            "feedbackId": "0100015e-d7d6-4f8b-a1f5-12b36e2ef4e3-000000",
        },
        "mail": {
            "timestamp": "2026-03-05T01:52:19.000Z",
            "source": "news@example.org",
            "messageId": delivery.message_id,
            "destination": [delivery.email],
        },
    }
    sns = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
        "Message": json.dumps(ses_event),
        "Timestamp": "2026-03-05T01:52:20.123Z",
    }
    return sns, ses_event


@pytest.mark.parametrize(
    ("bounce_type", "sub_type", "hard"),
    [("Permanent", "General", True), ("Transient", "MailboxFull", False)],
)
def test_amazon_ses_bounces_through_anymail_s_own_parsing(sent, bounce_type, sub_type, hard):
    delivery = sent["reader2@example.org"]
    sns, ses_event = ses_notification(delivery, bounce_type, sub_type)
    view = AmazonSESTrackingWebhookView.__new__(AmazonSESTrackingWebhookView)  # no boto3 here
    for event in view.esp_to_anymail_events(ses_event, sns):
        record_event(sender=AmazonSESTrackingWebhookView, event=event, esp_name=view.esp_name)
    delivery.refresh_from_db()
    assert bool(delivery.bounced_at) is hard and bool(delivery.soft_bounced_at) is not hard
    assert suppressed(delivery.email) is hard
    assert TrackingEvent.objects.get().provider == "amazon ses"


@pytest.mark.parametrize(
    ("esp_name", "esp_event", "kind"),
    [
        # SparkPost's classes: Hard (10, 30, 90) and Admin (25, 26) are hard; Soft, Block and
        # Undetermined are "usually temporary" (SparkPost's own words).
        *[("SparkPost", {"msys": {"message_event": {"bounce_class": c}}}, HARD) for c in
          ("10", "25", "26", "30", "90")],
        *[("SparkPost", {"msys": {"message_event": {"bounce_class": c}}}, SOFT) for c in
          ("1", "20", "21", "22", "23", "24", "40", "50", "51", "52", "53", "54", "70")],
        ("Postmark", {"TypeCode": 1}, HARD),  # the code alone will do
        ("Postmark", {"TypeCode": 4096}, SOFT),
        ("Postmark", {"Type": "VirusNotification", "TypeCode": 8192}, SOFT),
        ("Brevo", {"event": "invalid_email"}, HARD),
        ("SendinBlue", {"event": "soft_bounce"}, SOFT),
        ("Resend", {"data": {"bounce": {"type": "Undetermined"}}}, SOFT),
        # SES's events arrive unwrapped, but an SNS envelope is read as well.
        ("Amazon SES", {"Type": "Notification", "Message": '{"bounce": {"bounceType": '
                        '"Transient"}}'}, SOFT),
        ("Amazon SES", {"bounce": {"bounceType": "Undetermined"}}, SOFT),
        # Unreadable or unknown: hard (Anymail's "bounced" is a permanent refusal).
        ("Postmark", {"Type": ["odd"], "TypeCode": "1"}, HARD),
        ("SparkPost", {"msys": {"message_event": {}}}, HARD),
        ("Amazon SES", {"Message": "not json"}, HARD),
        ("Mailgun", {"signature": {}}, HARD),
        ("SendGrid", {"type": "blocked"}, HARD),
        ("Resend", None, HARD),
    ],
)  # fmt: skip
def test_each_provider_s_bounce_classes(esp_name, esp_event, kind):
    assert bounce_kind(esp_name, EventType.BOUNCED, esp_event) == kind


def test_only_bounces_have_a_kind():
    """A delay is not a bounce (the provider still tries), except Mailgun's last one."""
    assert bounce_kind("Postmark", EventType.DEFERRED, {"Type": "Transient"}) is None
    assert bounce_kind("Mailgun", EventType.DEFERRED, {"event-data": {"reason": "generic"}}) is None
    assert bounce_kind("Mailgun", EventType.DEFERRED, {"event-data": {"reason": "old"}}) == SOFT
    assert bounce_kind("Postmark", EventType.DELIVERED, {}) is None
    assert bounce_kind("Postmark", EventType.REJECTED, {"Type": "HardBounce"}) is None


def test_the_send_page_shows_soft_bounces_beside_hard_ones(client, sent, django_user_model, roles):
    assert apply(sent["reader0@example.org"], "bounced")
    for email in ("reader1@example.org", "reader2@example.org"):
        assert apply(sent[email], "bounced", permanent_bounce=False)
    user = django_user_model.objects.create_user("sender", "s@example.org", "pw-sender-1")
    user.groups.add(roles["Newsletter senders"], roles["Comms editors"])
    client.force_login(user)
    send_id = sent["reader0@example.org"].dispatch_id

    state = client.get(reverse("newsletter_sending:progress", args=[send_id])).json()
    assert (state["funnel"]["bounced"], state["funnel"]["soft_bounced"]) == (1, 2)
    page = client.get(reverse("newsletter_sending:detail", args=[send_id])).content.decode()
    assert ">Hard bounced</th>" in page and ">Soft bounced</th>" in page
    assert '<td data-funnel="bounced">1</td><td data-funnel="soft_bounced">2</td>' in page


def send_again(issue, supporters) -> dict[str, Delivery]:
    """Send the issue once more to everyone on the list; its deliveries by address."""
    send = create_send(issue, [supporters])
    start(send, include_previous_recipients=True)
    return {d.email: d for d in Delivery.objects.filter(dispatch=send)}


def test_soft_bounces_suppress_after_the_limit_in_a_row_over_separate_sends(
    client, sent, issue, supporters
):
    first = sent["reader1@example.org"]
    for _ in range(2):  # several soft bounces of one send count once
        assert post_to(client, "postmark", postmark(first, soft=True)) == 200
    second = send_again(issue, supporters)["reader1@example.org"]
    assert post_to(client, "postmark", postmark(second, soft=True)) == 200
    assert not suppressed(first.email) and still_subscribed(first.email)

    third = send_again(issue, supporters)["reader1@example.org"]
    assert post_to(client, "postmark", postmark(third, soft=True)) == 200
    suppression = Suppression.objects.get(email=first.email)
    assert suppression.reason == Suppression.Reason.HARD_BOUNCE
    assert "3 soft bounces in a row" in suppression.note
    assert not still_subscribed(first.email)
    ended = Subscription.objects.get(subscriber__email=first.email)
    assert ended.ended_how == Subscription.EndedHow.BOUNCED
    assert still_subscribed("reader0@example.org")  # nobody else


def test_a_delivery_or_open_in_between_starts_the_count_again(
    client, sent, issue, supporters, settings
):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    email = "reader2@example.org"
    assert post_to(client, "brevo", brevo(sent[email], soft=True)) == 200
    delivered = send_again(issue, supporters)[email]
    assert post_to(client, "mailgun", mailgun_payload("opened", delivered)) == 200
    assert post_to(client, "brevo", brevo(send_again(issue, supporters)[email], soft=True)) == 200
    assert not suppressed(email)  # soft, opened, soft: not two in a row

    assert post_to(client, "brevo", brevo(send_again(issue, supporters)[email], soft=True)) == 200
    assert suppressed(email)


def test_a_soft_bounce_then_a_delivery_of_the_same_send_is_not_in_a_row(sent, settings):
    """A send whose message came through after all (a late "delivered") breaks the row."""
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 1
    delivery = sent["reader0@example.org"]
    assert apply(delivery, "delivered")
    assert apply(delivery, "bounced", permanent_bounce=False)
    delivery.refresh_from_db()
    assert delivery.delivered_at and delivery.soft_bounced_at
    assert not suppressed(delivery.email)


# Statements of a soft bounce, counting SAVEPOINT and RELEASE: the event and its moment (one
# statement on PostgreSQL, two elsewhere), then one SELECT of the address's recent sends; the
# two of the suppression when that soft bounce is the last one allowed.
SOFT_COST = {"postgresql": 4, "sqlite": 5}


def test_a_soft_bounce_costs_a_fixed_number_of_statements(
    sent, settings, django_assert_num_queries
):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    delivery = sent["reader0@example.org"]
    with django_assert_num_queries(SOFT_COST[connection.vendor]):
        assert apply(delivery, "bounced", event_id="soft-1", permanent_bounce=False)
    with django_assert_num_queries(SOFT_COST[connection.vendor]):
        assert apply(delivery, "bounced", event_id="soft-2", permanent_bounce=False)
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 1
    with django_assert_num_queries(SOFT_COST[connection.vendor] + 2):
        assert apply(delivery, "bounced", event_id="soft-3", permanent_bounce=False)
    assert suppressed(delivery.email)
