"""Freezing a send: snapshot the issue's published revision, then its audience, before any call.

:func:`create_send` renders the published revision once and stores the subject, sender, HTML
and text (with merge tags) on a send (a :class:`~newsletter.models.Dispatch`). :func:`freeze`
writes one batch per provider call and one delivery per recipient (active, consent valid, not
suppressed) in one transaction; people who subscribe later are not included.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.mail import get_connection
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from newsletter.audience.subscriptions import audience
from newsletter.issues.rendering import render_revision
from newsletter.models import Batch, Delivery, Dispatch, MailingList, Subscriber
from newsletter.sender import sender_identity
from newsletter.sending import sql
from newsletter.sending.providers import provider_for

NOT_STARTED = (Dispatch.Status.DRAFT, Dispatch.Status.SCHEDULED)


class SendError(Exception):
    """A send cannot be created or started; the message says why."""


def audience_of(mailing_lists: Iterable[MailingList]) -> QuerySet[Subscriber]:
    """Subscribers a send to these lists reaches now (see
    :func:`newsletter.audience.subscriptions.audience`), each once."""
    querysets = [audience(mailing_list) for mailing_list in mailing_lists]
    if not querysets:
        return Subscriber.objects.none()
    combined = querysets[0]
    for queryset in querysets[1:]:
        combined = combined | queryset
    return combined.distinct().order_by("pk")


def create_send(
    issue,
    mailing_lists: Iterable[MailingList],
    *,
    user=None,
    scheduled_for: datetime.datetime | None = None,
) -> Dispatch:
    """Snapshot the issue's published revision for sending to ``mailing_lists``."""
    mailing_lists = list(mailing_lists)
    if not mailing_lists:
        raise SendError("Choose at least one list.")
    if not issue.live or issue.live_revision_id is None:
        raise SendError("Publish the issue before sending it: the published version is sent.")
    rendered = render_revision(issue, latest=False)
    provider = provider_for(get_connection())
    send = Dispatch.objects.create(
        issue=issue,
        revision_id=issue.live_revision_id,
        status=Dispatch.Status.SCHEDULED if scheduled_for else Dispatch.Status.DRAFT,
        subject=rendered.subject,
        from_email=sender_identity(issue.get_site()).from_address(rendered.sender_name),
        reply_to=rendered.reply_to,
        html=rendered.html,
        text=rendered.text,
        provider=provider.name,
        batch_size=provider.max_batch,
        scheduled_for=scheduled_for,
        created_by=user,
    )
    send.mailing_lists.set(mailing_lists)
    return send


def freeze(send: Dispatch) -> int:
    """Write the batches and one delivery per recipient, then mark the send sending.

    The deliveries are copied inside the database by one ``INSERT ... SELECT`` from the
    audience query (:func:`newsletter.sending.sql.copy_audience`), so freezing 100,000
    recipients moves no rows through Python and memory stays flat. Runs in one transaction;
    returns the number of recipients. A send already frozen is left alone.

    On PostgreSQL the transaction is REPEATABLE READ (when freeze starts it), so counting the
    audience and copying it see the same snapshot: under READ COMMITTED someone who became
    eligible in between would shift the numbering and push the last recipient out of the batches.
    (SQLite's transaction sees one snapshot anyway.) Two freezes of one send at once: the
    second waits for the first, then returns its total.
    """
    one_snapshot = db_connection.vendor == "postgresql" and not db_connection.in_atomic_block
    try:
        return _freeze(send.pk, one_snapshot)
    except OperationalError:  # REPEATABLE READ: the row changed while we waited for its lock
        current = Dispatch.objects.get(pk=send.pk)
        if not one_snapshot or current.status in NOT_STARTED:
            raise
        return current.total


def _freeze(send_id: int, one_snapshot: bool) -> int:
    with transaction.atomic():
        if one_snapshot:
            with db_connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        send = Dispatch.objects.select_for_update().get(pk=send_id)
        if send.status not in NOT_STARTED:
            return send.total
        size = send.batch_size
        recipients = audience_of(send.mailing_lists.all()).values(
            recipient_id=F("pk"), recipient_email=F("email")
        )
        expected = recipients.count()
        batches = Batch.objects.bulk_create(
            [Batch(dispatch=send, number=n, size=0) for n in range((expected + size - 1) // size)]
        )
        total = sql.copy_audience(send.pk, recipients, size, [batch.pk for batch in batches])
        _count_batch_sizes(send)
        now = timezone.now()
        Dispatch.objects.filter(pk=send.pk).update(
            status=Dispatch.Status.SENDING if total else Dispatch.Status.SENT,
            total=total,
            started_at=now,
            finished_at=None if total else now,
        )
    return total


def _count_batch_sizes(send: Dispatch) -> None:
    """Record each batch's size (the audience may change between counting and copying)."""
    per_batch = (
        Delivery.objects.filter(batch_id=OuterRef("pk"))
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    Batch.objects.filter(dispatch=send).update(size=Coalesce(Subquery(per_batch), 0))
    Batch.objects.filter(dispatch=send, size=0).delete()
