"""The complaint watch: a running send pauses itself at NEWSLETTER_COMPLAINT_PAUSE_RATE (not
below it, not before NEWSLETTER_COMPLAINT_MIN_DELIVERED), and the 0.1% warning."""

from __future__ import annotations

import datetime

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from newsletter.insights.complaints import check_send, complaint_warning, window_rate
from newsletter.models import Delivery, Dispatch
from newsletter.sending.control import set_paused
from newsletter.sending.freeze import create_send, freeze
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


def running_send(send_issue, mailing_list, *, readers: int, delivered: int, complaints: int):
    """A frozen send still sending: every reader sent, the first ``delivered`` delivered, the
    first ``complaints`` of them reported as spam."""
    add_subscribers(mailing_list, readers)
    send = create_send(send_issue, [mailing_list])
    freeze(send)
    now = timezone.now()
    deliveries = Delivery.objects.filter(dispatch=send)
    deliveries.update(status=Delivery.Status.SENT, sent_at=now)
    ids = list(deliveries.order_by("pk").values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids[:delivered]).update(delivered_at=now)
    Delivery.objects.filter(pk__in=ids[:complaints]).update(complained_at=now)
    send.refresh_from_db()
    assert send.status == Dispatch.Status.SENDING
    return send


@pytest.fixture
def watch(settings):
    settings.NEWSLETTER_COMPLAINT_PAUSE_RATE = 0.003
    settings.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 1000
    return settings


def status_of(send: Dispatch) -> str:
    send.refresh_from_db()
    return send.status


def test_a_send_reaching_the_rate_pauses_itself_and_says_why(watch, issue, supporters):
    send = running_send(issue, supporters, readers=1000, delivered=1000, complaints=3)  # 0.3%

    check_send(send.pk)

    assert status_of(send) == Dispatch.Status.PAUSED
    assert "0.30 %" in send.last_error and "NEWSLETTER_COMPLAINT_PAUSE_RATE" in send.last_error
    assert "3 of 1,000" in send.last_error


def test_the_send_page_shows_why_it_paused(client, sender, watch, issue, supporters):
    send = running_send(issue, supporters, readers=1000, delivered=1000, complaints=4)
    check_send(send.pk)
    client.force_login(sender)
    html = client.get(reverse("newsletter_sending:detail", args=[send.pk])).content.decode()
    assert "reported as spam" in html and "NEWSLETTER_COMPLAINT_PAUSE_RATE" in html


def test_just_below_the_rate_the_send_goes_on(watch, issue, supporters):
    send = running_send(issue, supporters, readers=1001, delivered=1001, complaints=3)  # 0.2997%
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.SENDING and send.last_error == ""


def test_under_the_minimum_delivered_the_send_goes_on(watch, issue, supporters):
    send = running_send(issue, supporters, readers=1000, delivered=999, complaints=10)  # 1%
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.SENDING


def test_without_delivery_reports_sent_messages_count(watch, issue, supporters):
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 100
    send = running_send(issue, supporters, readers=200, delivered=0, complaints=1)  # 0.5% of sent
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.PAUSED


@pytest.mark.parametrize("off", [None, 0])
def test_the_pause_can_be_switched_off(watch, issue, supporters, off):
    watch.NEWSLETTER_COMPLAINT_PAUSE_RATE = off
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 10
    send = running_send(issue, supporters, readers=20, delivered=20, complaints=10)
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.SENDING


def test_a_finished_or_paused_send_is_left_as_it_is(watch, issue, supporters):
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 10
    send = running_send(issue, supporters, readers=20, delivered=20, complaints=10)
    Dispatch.objects.filter(pk=send.pk).update(status=Dispatch.Status.SENT)
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.SENT and send.last_error == ""

    Dispatch.objects.filter(pk=send.pk).update(status=Dispatch.Status.PAUSED)
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.PAUSED and send.last_error == ""  # operator's


def test_resuming_clears_the_reason(watch, issue, supporters):
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 10
    send = running_send(issue, supporters, readers=20, delivered=20, complaints=2)
    check_send(send.pk)
    assert status_of(send) == Dispatch.Status.PAUSED and send.last_error
    Dispatch.objects.filter(pk=send.pk).update(status=Dispatch.Status.PAUSED)
    set_paused(Dispatch(pk=send.pk), False)
    send.refresh_from_db()
    assert send.last_error == ""


def test_one_query_per_complaint_event(watch, issue, supporters, django_assert_num_queries):
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 10
    send = running_send(issue, supporters, readers=20, delivered=20, complaints=0)
    with django_assert_num_queries(1):
        check_send(send.pk)


def test_database_errors_reach_the_caller(watch, issue, supporters):
    watch.NEWSLETTER_COMPLAINT_MIN_DELIVERED = 10
    send = running_send(issue, supporters, readers=20, delivered=20, complaints=5)

    def refuse(execute, sql, params, many, context):
        raise OperationalError("database is down")

    with connection.execute_wrapper(refuse), pytest.raises(OperationalError):
        check_send(send.pk)
    assert status_of(send) == Dispatch.Status.SENDING


def test_the_send_warning_starts_above_a_tenth_of_a_percent(issue, supporters):
    at_line = running_send(issue, supporters, readers=1000, delivered=1000, complaints=1)
    assert complaint_warning(at_line) is None  # 0.1%: not above

    second = Delivery.objects.filter(dispatch=at_line, complained_at__isnull=True).first()
    Delivery.objects.filter(pk=second.pk).update(complained_at=timezone.now())
    warning = complaint_warning(at_line)
    assert "0.20 %" in warning and "2 complaints for 1,000 delivered" in warning
    assert "0.3%" in warning


def test_the_thirty_day_rate_counts_only_recent_sends(issue, supporters):
    recent = running_send(issue, supporters, readers=100, delivered=100, complaints=1)
    Dispatch.objects.filter(pk=recent.pk).update(status=Dispatch.Status.SENT)
    old = create_send(issue, [supporters])
    freeze(old, include_previous_recipients=True)
    Delivery.objects.filter(dispatch=old).update(
        status=Delivery.Status.SENT, delivered_at=timezone.now(), complained_at=timezone.now()
    )
    Dispatch.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=31)
    )

    rate = window_rate()

    assert (rate.complaints, rate.base) == (1, 100)
    assert rate.rate == pytest.approx(0.01)
