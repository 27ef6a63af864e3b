"""Batches: claiming one, reading its recipients, and holding it until its outcome is written.

A batch goes ``queued`` -> ``claimed`` (a worker took it; nobody has been sent anything) ->
``in flight`` (committed just before its provider call) -> ``sent`` / ``failed`` /
``unknown``, or back to ``queued`` for a retry. A worker changes a batch only while it still
holds it: the batch's claim token and an expected status (:func:`held`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from newsletter import conf
from newsletter.audience.tokens import (
    preferences_url,
    subscriber_token,
    subscriber_token_maker,
    unsubscribe_url,
)
from newsletter.models import (
    Batch,
    Delivery,
    Dispatch,
    Segment,
    Subscriber,
    Subscription,
    Suppression,
)
from newsletter.sending import sql

STATUS = Delivery.Status
# A worker records a call's outcome on its batch while the batch is in flight, or after lease
# recovery marked it unknown (a late outcome corrects that), and only with its claim token.
RECORDABLE = (Batch.Status.IN_FLIGHT, Batch.Status.UNKNOWN)


def lease_seconds() -> int:
    """How long a batch may stay in flight before it is presumed lost (outcome unknown)."""
    return int(conf.get("NEWSLETTER_BATCH_LEASE_SECONDS"))


def held(batch: Batch, statuses=RECORDABLE) -> QuerySet[Batch]:
    """The batch's row, if this worker still holds it (its claim token) in one of ``statuses``."""
    return Batch.objects.filter(pk=batch.pk, claim_token=batch.claim_token, status__in=statuses)


def finish_batch(
    batch: Batch, status: str, error: str = "", *, within=RECORDABLE, **fields
) -> bool:
    """Record a batch's end if this worker still holds it; returns whether it did.

    Its deliveries are written only when this returned True, in the same transaction: a worker
    that lost its batch (lease recovery, an operator's re-send) changes nothing.
    """
    return bool(held(batch, within).update(status=status, last_error=error[:2000], **fields))


def recover_stale_batches(send_id: int) -> tuple[int, int]:
    """Batches a stopped worker held past their lease: (queued again, now unknown).

    Claimed but never posted: queued again (nobody got them). In flight (the worker died during
    the provider call, the lease counting from the call's start): outcome unknown, never re-sent
    automatically. The batch keeps its claim token, so if the call lands after all its worker
    still records the outcome.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=lease_seconds())
    requeued = Batch.objects.filter(
        dispatch_id=send_id, status=Batch.Status.CLAIMED, claimed_at__lt=cutoff
    ).update(status=Batch.Status.QUEUED, claim_token="", attempts=F("attempts") - 1)
    in_flight = Batch.objects.filter(
        dispatch_id=send_id, status=Batch.Status.IN_FLIGHT, claimed_at__lt=cutoff
    )
    with transaction.atomic():
        # PostgreSQL: lock them, so a worker recording an outcome waits for this and then sees
        # "unknown" (which it may still correct). SQLite: the status filters below, and the
        # write lock from the first UPDATE on, keep a batch that changed meanwhile out.
        ids = list(in_flight.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if ids:
            Delivery.objects.filter(
                batch_id__in=ids, batch__status=Batch.Status.IN_FLIGHT, status=STATUS.QUEUED
            ).update(status=STATUS.UNKNOWN)
            Batch.objects.filter(pk__in=ids, status=Batch.Status.IN_FLIGHT).update(
                status=Batch.Status.UNKNOWN,
                last_error="The worker stopped during the provider call: outcome unknown.",
            )
    return requeued, len(ids)


def claim_batch(send_id: int) -> Batch | None:
    """Atomically take the next queued batch of a sending send (status claimed), or None."""
    now = timezone.now()
    token = uuid.uuid4().hex
    row = sql.claim_next_batch(send_id, token, now)
    if row is None:
        return None
    pk, number, size, attempts, language = row
    return Batch(
        pk=pk,
        dispatch_id=send_id,
        number=number,
        size=size,
        attempts=attempts,
        language=language,
        status=Batch.Status.CLAIMED,
        claim_token=token,
        claimed_at=now,
    )


class LinkMaker:
    """Builds each recipient's signed links without calling reverse() per recipient."""

    def __init__(self) -> None:
        probe = SimpleNamespace(public_id="PUBLICID")
        token = subscriber_token(probe)
        # Each link is the same URL around the token: (before it, after it).
        self.unsubscribe = _around(unsubscribe_url(probe), token)
        self.preferences = _around(preferences_url(probe), token)
        self.token = subscriber_token_maker()

    def values(self, public_id: str, name: str) -> dict[str, str]:
        """One recipient's merge values: name and signed unsubscribe/preferences links."""
        return self.values_of([(public_id, name)])[0]

    def values_of(self, people: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
        """:meth:`values` of many recipients, ``(public id, name)`` each, in order."""
        sign = self.token
        (unsubscribe, after_unsubscribe), (preferences, after_preferences) = (
            self.unsubscribe,
            self.preferences,
        )
        values = []
        for public_id, name in people:
            token = sign(public_id)
            values.append(
                {
                    "name": name or "",
                    "unsubscribe_url": f"{unsubscribe}{token}{after_unsubscribe}",
                    "preferences_url": f"{preferences}{token}{after_preferences}",
                }
            )
        return values


def _around(url: str, token: str) -> tuple[str, str]:
    before, found, after = url.partition(token)
    if not found:
        raise ValueError(f"no token in {url!r}")
    return before, after


@dataclass
class PreparedBatch:
    """A claimed batch read and ready to post: who gets it, with their merge values."""

    batch: Batch
    recipients: dict[str, dict] = field(default_factory=dict)  # address -> merge values
    delivery_ids: dict[str, int] = field(default_factory=dict)  # address -> Delivery id
    skipped: int = 0  # left the lists or were suppressed since the freeze


def _recipients_query(send_id: int, batch_id: int) -> QuerySet:
    """(delivery id, email, public id, name, still wanted) per queued delivery of a batch;
    still wanted: on one of the send's lists (actively) and not suppressed.

    Each lookup is a subquery per delivery, an index probe: PostgreSQL can't turn those into
    a hash of a whole table, as it does with a join or EXISTS once its statistics count the
    1,000 queued deliveries a batch has (then reading all 100,000 subscribers and the lists'
    subscriptions for every batch: several times slower, and CPU the sending needs).
    """
    send_lists = Dispatch.mailing_lists.through.objects.filter(dispatch_id=send_id).values(
        "mailinglist_id"
    )
    # A segment's members are on its list: that list counts for the send too.
    segment_lists = Segment.objects.filter(dispatches=send_id).values("mailing_list_id")
    subscriber = Subscriber.objects.filter(pk=OuterRef("subscriber_id")).order_by()
    subscribed = Subscription.objects.filter(
        Q(mailing_list_id__in=send_lists) | Q(mailing_list_id__in=segment_lists),
        subscriber_id=OuterRef("subscriber_id"),
        status=Subscription.Status.ACTIVE,
    ).order_by()
    suppressed = Suppression.objects.filter(email=OuterRef("email")).order_by()
    wanted = Q(subscribed__isnull=False, suppressed__isnull=True)
    return (
        Delivery.objects.filter(batch_id=batch_id, status=STATUS.QUEUED)
        .alias(
            subscribed=Subquery(subscribed.values("pk")[:1]),
            suppressed=Subquery(suppressed.values("pk")[:1]),
        )
        .annotate(
            reader_public_id=Subquery(subscriber.values("public_id")[:1]),
            reader_name=Subquery(subscriber.values("name")[:1]),
            wanted=ExpressionWrapper(wanted, output_field=BooleanField()),
        )
        .values_list("pk", "email", "reader_public_id", "reader_name", "wanted")
    )


class RecipientQuery:
    """Reads the batches of one send, each in one query that Django builds once.

    Building the query (the ORM's compiling) costs more CPU than running it, and a worker
    reads a batch while its poster thread needs the CPU: so the SQL and parameters Django
    makes for a placeholder batch id are kept, and each batch runs them with its own id in
    the placeholder's place.
    """

    PLACEHOLDER = -2_000_000_001  # no batch has this id (ids are positive)

    def __init__(self, send_id: int) -> None:
        self.send_id = send_id
        sql, params = _recipients_query(send_id, self.PLACEHOLDER).query.sql_with_params()
        at = [i for i, value in enumerate(params) if value == self.PLACEHOLDER]
        self.sql, self.params, self.at = sql, list(params), at[0] if len(at) == 1 else None

    def rows(self, batch: Batch) -> list[tuple]:
        """(delivery id, email, public id, name, still wanted) for the batch's queued
        deliveries; still wanted as the database gives a boolean (SQLite: 1 or 0)."""
        if self.at is None or batch.dispatch_id != self.send_id:  # not expected: the ORM
            return list(_recipients_query(batch.dispatch_id, batch.pk))
        params = self.params.copy()
        params[self.at] = batch.pk
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def prepare_batch(
    batch: Batch, links: LinkMaker, query: RecipientQuery | None = None
) -> PreparedBatch:
    """Read a claimed batch's recipients; mark those who left since the freeze skipped.
    ``query``: the worker's :class:`RecipientQuery` for the send (else one is made)."""
    rows = (query or RecipientQuery(batch.dispatch_id)).rows(batch)
    skipped = [row[0] for row in rows if not row[4]]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(status=STATUS.SKIPPED)
        rows = [row for row in rows if row[4]]
    values = links.values_of([(public_id, name) for _pk, _email, public_id, name, _ in rows])
    return PreparedBatch(
        batch,
        recipients={row[1]: merge for row, merge in zip(rows, values, strict=True)},
        delivery_ids={row[1]: row[0] for row in rows},
        skipped=len(skipped),
    )


def start_posting(batch: Batch) -> bool:
    """Commit "in flight" for a claimed batch just before its provider call; False: don't post.

    From here on a worker that dies leaves the batch *unknown* (the call may have happened);
    before it, the batch goes back to the queue. Refused when the send is no longer sending:
    a batch claimed just before a pause is queued again, one claimed before a cancel was failed
    by the cancel.
    """
    sending = Dispatch.objects.filter(pk=batch.dispatch_id, status=Dispatch.Status.SENDING)
    mine = held(batch, [Batch.Status.CLAIMED])
    if mine.filter(Exists(sending)).update(
        status=Batch.Status.IN_FLIGHT,
        claimed_at=timezone.now(),  # the lease counts from here
    ):
        batch.status = Batch.Status.IN_FLIGHT
        return True
    mine.update(status=Batch.Status.QUEUED, claim_token="", attempts=F("attempts") - 1)
    return False
