"""What a worker costs beyond the provider's calls: on PostgreSQL the statement that records a
batch's outcome also commits the next batch in flight, so the provider's next call waits for one
statement instead of two; and a send leaves the process's frozen start-up objects frozen."""

from __future__ import annotations

import gc

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from newsletter.models import Batch, Delivery
from newsletter.sending.freeze import create_send, freeze
from newsletter.sending.worker import run_send
from tests.newsletter.sending.conftest import add_subscribers

pytestmark = pytest.mark.django_db


def statements_to_send(issue, supporters, batches: int) -> int:
    """Statements a worker makes to send a frozen send of ``batches`` batches of 10."""
    add_subscribers(supporters, 10 * batches, prefix=f"b{batches}-")
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)  # the new readers only: the earlier ones had the issue
    with CaptureQueriesContext(connection) as queries:
        run_send(dispatch.pk)
    dispatch.refresh_from_db()
    assert dispatch.total == 10 * batches
    assert Delivery.objects.filter(dispatch=dispatch, status="sent").count() == dispatch.total
    assert not Batch.objects.filter(dispatch=dispatch).exclude(status="sent").exists()
    return sum("SAVEPOINT" not in q["sql"] for q in queries.captured_queries)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement per outcome: PostgreSQL only"
)
def test_each_batch_after_the_first_costs_three_statements(issue, supporters, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.NEWSLETTER_BATCH_SIZES = {"test": 10}
    three = statements_to_send(issue, supporters, 3)
    mail.outbox.clear()
    six = statements_to_send(issue, supporters, 6)

    # Claim, read its readers, record its outcome with the next batch going in flight.
    assert six - three == 3 * 3
    reached = [address for message in mail.outbox for address in message.to]
    assert len(reached) == len(set(reached)) == 60  # each new reader once


def test_a_process_that_froze_its_start_up_objects_keeps_them_frozen_after_a_send(
    issue, supporters, settings
):
    """``manage.py`` freezes what start-up built; a send must not thaw it (the command's exit
    would walk them all again)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    add_subscribers(supporters, 5)
    dispatch = create_send(issue, [supporters])
    freeze(dispatch)
    gc.collect()  # only live objects frozen, as after start-up
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        run_send(dispatch.pk)
        # Frozen again after the send, less what died on the way (without this, nothing would
        # be frozen).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
