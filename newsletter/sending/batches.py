"""Batches: claiming one, reading its recipients, and holding it until its outcome is written.

A batch goes ``queued`` -> ``claimed`` (a worker took it; nobody has been sent anything) ->
``in flight`` (committed just before its provider call) -> ``sent`` / ``failed`` /
``unknown``, or back to ``queued`` for a retry. A worker changes a batch only while it still
holds it: the batch's claim token and an expected status (:func:`held`).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from newsletter import conf
from newsletter.audience.tokens import (
    preferences_url,
    subscriber_token,
    subscriber_token_maker,
    unsubscribe_url,
)
from newsletter.models import Batch, Delivery, Dispatch, Subscription, Suppression
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
    pk, number, size, attempts = row
    return Batch(
        pk=pk,
        dispatch_id=send_id,
        number=number,
        size=size,
        attempts=attempts,
        status=Batch.Status.CLAIMED,
        claim_token=token,
        claimed_at=now,
    )


class LinkMaker:
    """Builds each recipient's signed links without calling reverse() per recipient."""

    def __init__(self) -> None:
        probe = SimpleNamespace(public_id="PUBLICID")
        token = subscriber_token(probe)
        self.unsubscribe = unsubscribe_url(probe).replace(token, "{}")
        self.preferences = preferences_url(probe).replace(token, "{}")
        self.token = subscriber_token_maker()

    def values(self, public_id: str, name: str) -> dict[str, str]:
        """One recipient's merge values: name and signed unsubscribe/preferences links."""
        token = self.token(public_id)
        return {
            "name": name or "",
            "unsubscribe_url": self.unsubscribe.format(token),
            "preferences_url": self.preferences.format(token),
        }


@dataclass
class PreparedBatch:
    """A claimed batch read and ready to post: who gets it, with their merge values."""

    batch: Batch
    recipients: dict[str, dict] = field(default_factory=dict)  # address -> merge values
    delivery_ids: dict[str, int] = field(default_factory=dict)  # address -> Delivery id
    skipped: int = 0  # left the lists or were suppressed since the freeze


def _recipients(batch: Batch) -> list[tuple]:
    """(delivery id, email, public id, name, still wanted) for the batch, in one query."""
    send_lists = Dispatch.mailing_lists.through.objects.filter(
        dispatch_id=batch.dispatch_id
    ).values("mailinglist_id")
    wanted = Exists(
        Subscription.objects.filter(
            subscriber_id=OuterRef("subscriber_id"),
            mailing_list_id__in=send_lists,
            status=Subscription.Status.ACTIVE,
        )
    ) & ~Exists(Suppression.objects.filter(email=OuterRef("email")))
    return list(
        Delivery.objects.filter(batch_id=batch.pk, status=STATUS.QUEUED)
        .annotate(wanted=wanted)
        .values_list("pk", "email", "subscriber__public_id", "subscriber__name", "wanted")
    )


def prepare_batch(batch: Batch, links: LinkMaker) -> PreparedBatch:
    """Read a claimed batch's recipients; mark those who left since the freeze skipped."""
    rows = _recipients(batch)
    skipped = [pk for pk, _email, _pid, _name, wanted in rows if not wanted]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(status=STATUS.SKIPPED)
    prepared = PreparedBatch(batch, skipped=len(skipped))
    for pk, address, public_id, name, wanted in rows:
        if wanted:
            prepared.recipients[address] = links.values(public_id, name)
            prepared.delivery_ids[address] = pk
    return prepared


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
