"""Freezing on PostgreSQL sees one snapshot of the audience, whatever commits meanwhile."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connections

from newsletter.models import Delivery, Subscription
from newsletter.sending import sql
from newsletter.sending.freeze import create_send, freeze
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
        reason="needs a second connection committing during the freeze (run on PostgreSQL)",
    ),
]


def test_someone_confirming_during_the_freeze_pushes_nobody_out(
    issue, supporters, settings, monkeypatch
):
    settings.NEWSLETTER_BATCH_SIZES = {"django": 10}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ids = add_subscribers(supporters, 20)
    Subscription.objects.filter(subscriber_id=ids[0]).update(status=Subscription.Status.PENDING)
    dispatch = create_send(issue, [supporters])
    copy = sql.copy_audience

    def confirm_meanwhile(*args, **kwargs):
        """Between counting (19) and copying, the first subscriber confirms, elsewhere."""

        def confirm() -> None:
            Subscription.objects.filter(subscriber_id=ids[0]).update(
                status=Subscription.Status.ACTIVE
            )
            connections.close_all()

        other = threading.Thread(target=confirm)
        other.start()
        other.join()
        return copy(*args, **kwargs)

    monkeypatch.setattr(sql, "copy_audience", confirm_meanwhile)
    assert freeze(dispatch) == 19

    frozen = set(Delivery.objects.filter(dispatch=dispatch).values_list("subscriber_id", flat=True))
    assert frozen == set(ids[1:])  # as counted; the last one is not pushed out


def test_two_freezes_of_one_send_at_once_write_it_once(issue, supporters, settings):
    settings.NEWSLETTER_BATCH_SIZES = {"django": 10}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    add_subscribers(supporters, 30)
    dispatch = create_send(issue, [supporters])
    totals, errors, ready = [], [], threading.Barrier(2)

    def freeze_in_a_thread() -> None:
        try:
            ready.wait()
            totals.append(freeze(dispatch))
        except Exception as error:  # pragma: no cover - reported by the assert below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=freeze_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and totals == [30, 30]
    assert Delivery.objects.filter(dispatch=dispatch).count() == 30
