"""The sending engine: freeze an issue and its audience, then send it in batches, never twice.

How a send goes (see README, "Sending"):

1. :func:`create_dispatch` renders the issue's published revision once and stores the subject,
   HTML and text (with merge tags) on a :class:`Dispatch`.
2. :func:`freeze` writes one :class:`Batch` per provider call and one :class:`Delivery` per
   recipient (active, consent valid, not suppressed) in one transaction, before any API call.
   People who subscribe later are not included.
3. Workers run :func:`run_dispatch`: each claims one queued batch at a time (row locks with
   ``SKIP LOCKED`` on PostgreSQL, plus a conditional update everywhere) by marking the batch
   row in flight (its deliveries stay queued until the outcome is known), makes ONE provider
   call for the whole batch (inline merge) or one message per recipient over one connection
   (other backends), and records the outcome.
4. Outcomes: accepted -> sent (with the provider's message id); HTTP 429/5xx or a refused
   connection (the provider did not take it) -> queued again with backoff, honouring
   ``Retry-After``; anything where the provider may have taken the message (connection dropped
   after sending, a worker killed mid-call) -> **unknown**, never re-sent automatically;
   only :func:`resend_unknown` (an operator's explicit action) queues those again.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.mail import get_connection
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from newsletter import provider_calls
from newsletter.composition import from_address
from newsletter.models import MailingList, Subscriber, Subscription, Suppression
from newsletter.models.dispatch import Batch, Delivery, Dispatch
from newsletter.rendering import (
    RenderedIssue,
    render_revision,
)

logger = logging.getLogger(__name__)

# Recipients per provider API call (the providers' own limits).
PROVIDER_BATCH_LIMITS = {
    "mailgun": 1000,
    "postmark": 500,
    "amazon_ses": 50,
    "brevo": 1000,
    "resend": 100,
    "sparkpost": 2000,
    "sendgrid": 1000,
    "mailjet": 50,
    "mandrill": 1000,
}
DEFAULT_BATCH_SIZE = 100  # plain Django backends: messages per connection
MAX_ATTEMPTS = 8
STATUS = Delivery.Status


class SendError(Exception):
    """A dispatch cannot be created or started; the message says why."""


@dataclass
class BatchOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry: bool = False
    unknown: bool = False


# --- configuration ----------------------------------------------------------------------------


def provider_name() -> str:
    """'mailgun' for ``anymail.backends.mailgun.EmailBackend``; 'django' for other backends."""
    backend = settings.EMAIL_BACKEND
    if backend.startswith("anymail.backends."):
        return backend.split(".")[2]
    return "django"


def batch_size_for(provider: str) -> int:
    """Recipients per batch: ``NEWSLETTER_BATCH_SIZES[provider]`` or the provider's limit."""
    overrides = getattr(settings, "NEWSLETTER_BATCH_SIZES", {})
    return int(overrides.get(provider) or PROVIDER_BATCH_LIMITS.get(provider, DEFAULT_BATCH_SIZE))


def lease_seconds() -> int:
    """How long a batch may stay in flight before it is presumed lost (outcome unknown)."""
    return int(getattr(settings, "NEWSLETTER_BATCH_LEASE_SECONDS", 300))


# --- audience and freezing --------------------------------------------------------------------


def audience_of(mailing_lists: Iterable[MailingList]):
    """Subscribers a send to these lists reaches now (see :func:`newsletter.audience.audience`)."""
    from newsletter.audience import audience

    querysets = [audience(mailing_list) for mailing_list in mailing_lists]
    if not querysets:
        return Subscriber.objects.none()
    combined = querysets[0]
    for queryset in querysets[1:]:
        combined = combined | queryset
    return combined.distinct().order_by("pk")


def create_dispatch(
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
    rendered: RenderedIssue = render_revision(issue, latest=False)
    from newsletter.rendering import newsletter_settings

    provider = provider_name()
    sender = newsletter_settings(issue.get_site())
    dispatch = Dispatch.objects.create(
        issue=issue,
        revision_id=issue.live_revision_id,
        status=Dispatch.Status.SCHEDULED if scheduled_for else Dispatch.Status.DRAFT,
        subject=rendered.subject,
        from_email=from_address(rendered, sender.sender_email),
        reply_to=rendered.reply_to,
        html=rendered.html,
        text=rendered.text,
        provider=provider,
        batch_size=batch_size_for(provider),
        scheduled_for=scheduled_for,
        created_by=user,
    )
    dispatch.mailing_lists.set(mailing_lists)
    return dispatch


def freeze(dispatch: Dispatch) -> int:
    """Write the batches and one delivery per recipient, then mark the dispatch sending.

    The deliveries are copied inside the database by one ``INSERT ... SELECT`` from the
    audience query (numbered with ``ROW_NUMBER()``, the number giving the batch), so freezing
    100,000 recipients moves no rows through Python and memory stays flat. Runs in one
    transaction; returns the number of recipients. A dispatch already frozen is left alone.

    On PostgreSQL the transaction is REPEATABLE READ (when freeze starts it), so counting the
    audience and copying it see the same snapshot: under READ COMMITTED someone who became
    eligible in between would shift the numbering and push the last recipient out of the batches.
    (SQLite's transaction sees one snapshot anyway.) Two freezes of one dispatch at once: the
    second waits for the first, then returns its total.
    """
    one_snapshot = db_connection.vendor == "postgresql" and not db_connection.in_atomic_block
    try:
        return _freeze(dispatch.pk, one_snapshot)
    except OperationalError:  # REPEATABLE READ: the row changed while we waited for its lock
        current = Dispatch.objects.get(pk=dispatch.pk)
        if not one_snapshot or current.status in (Dispatch.Status.DRAFT, Dispatch.Status.SCHEDULED):
            raise
        return current.total


def _freeze(dispatch_id: int, one_snapshot: bool) -> int:
    with transaction.atomic():
        if one_snapshot:
            with db_connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch_id)
        if dispatch.status not in (Dispatch.Status.DRAFT, Dispatch.Status.SCHEDULED):
            return dispatch.total
        size = dispatch.batch_size
        audience = audience_of(dispatch.mailing_lists.all()).values(
            recipient_id=F("pk"), recipient_email=F("email")
        )
        expected = audience.count()
        batches = Batch.objects.bulk_create(
            [
                Batch(dispatch=dispatch, number=number, size=0)
                for number in range((expected + size - 1) // size)
            ]
        )
        total = _copy_audience(dispatch, audience, size, [batch.pk for batch in batches])
        _count_batch_sizes(dispatch)
        now = timezone.now()
        Dispatch.objects.filter(pk=dispatch.pk).update(
            status=Dispatch.Status.SENDING if total else Dispatch.Status.SENT,
            total=total,
            started_at=now,
            finished_at=None if total else now,
        )
    return total


def _copy_audience(dispatch: Dispatch, audience, size: int, batch_ids: list[int]) -> int:
    """INSERT one delivery per audience row, in audience order, ``size`` per batch.

    Row ``rn`` (from 0) goes to batch number ``rn / size``. When the batches' ids are
    consecutive (the usual case) that is arithmetic on the first id; otherwise (another freeze
    took ids in between) a join to the batch rows. Rows beyond the batches counted a moment
    before (people who joined in between) are left for the next send either way.
    """
    select_sql, select_params = audience.query.sql_with_params()
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    numbered = (
        f"(SELECT s.recipient_id, s.recipient_email, "
        f"ROW_NUMBER() OVER (ORDER BY s.recipient_id) - 1 AS rn FROM ({select_sql}) s) a"
    )
    insert = (
        f"INSERT INTO {deliveries} (dispatch_id, batch_id, subscriber_id, email, status, "
        f"provider_message_id, attempts, last_error) "
    )
    if batch_ids and batch_ids == list(range(batch_ids[0], batch_ids[0] + len(batch_ids))):
        sql = (
            f"{insert}SELECT %s, %s + a.rn / %s, a.recipient_id, a.recipient_email, %s, '', 0, '' "
            f"FROM {numbered} WHERE a.rn < %s"
        )
        params = [dispatch.pk, batch_ids[0], size, STATUS.QUEUED, *select_params]
        params.append(len(batch_ids) * size)
    else:
        sql = (
            f"{insert}SELECT %s, b.id, a.recipient_id, a.recipient_email, %s, '', 0, '' "
            f"FROM {numbered} JOIN {batches} b ON b.dispatch_id = %s AND b.number = a.rn / %s"
        )
        params = [dispatch.pk, STATUS.QUEUED, *select_params, dispatch.pk, size]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _count_batch_sizes(dispatch: Dispatch) -> None:
    """Record each batch's size (the audience may change between counting and copying)."""
    per_batch = (
        Delivery.objects.filter(batch_id=OuterRef("pk"))
        .values("batch_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    Batch.objects.filter(dispatch=dispatch).update(size=Coalesce(Subquery(per_batch), 0))
    Batch.objects.filter(dispatch=dispatch, size=0).delete()


def start(dispatch: Dispatch, workers: int = 1) -> int:
    """Freeze the dispatch and queue ``workers`` background tasks to send it."""
    total = freeze(dispatch)
    if total:
        from newsletter.dispatch_tasks import send_dispatch

        for _ in range(max(1, workers)):
            send_dispatch.enqueue(dispatch.pk)
    return total


# --- claiming ---------------------------------------------------------------------------------


def recover_stale_batches(dispatch_id: int, *, restart: bool = False) -> int:
    """Batches a stopped worker held past their lease; returns how many became unknown.

    Claimed but never posted: queued again (nobody got them), and with ``restart`` a worker is
    queued to send them. In flight (the worker died during the provider call, the lease
    counting from the call's start): outcome unknown, never re-sent automatically. The batch
    keeps its claim token, so if the call lands after all its worker still records the outcome.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=lease_seconds())
    requeued = Batch.objects.filter(
        dispatch_id=dispatch_id, status=Batch.Status.CLAIMED, claimed_at__lt=cutoff
    ).update(status=Batch.Status.QUEUED, claim_token="", attempts=F("attempts") - 1)
    in_flight = Batch.objects.filter(
        dispatch_id=dispatch_id, status=Batch.Status.IN_FLIGHT, claimed_at__lt=cutoff
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
    if requeued and restart:
        from newsletter.dispatch_tasks import send_dispatch

        if Dispatch.objects.filter(pk=dispatch_id, status=Dispatch.Status.SENDING).exists():
            send_dispatch.enqueue(dispatch_id)
    return len(ids)


def claim_batch(dispatch_id: int) -> Batch | None:
    """Atomically take the next queued batch of a sending dispatch (status claimed), or None.

    One ``UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING`` statement: on PostgreSQL the
    subquery locks the row with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take different
    batches without waiting; on SQLite the statement runs under the database write lock. The
    ``status = 'queued'`` guard on the outer UPDATE makes a double claim impossible either way.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    batches, dispatches = Batch._meta.db_table, Dispatch._meta.db_table
    lock = " FOR UPDATE OF b SKIP LOCKED" if db_connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {batches} SET status = %s, claim_token = %s, claimed_at = %s, "
        f"attempts = attempts + 1 WHERE status = %s AND id = ("
        f"SELECT b.id FROM {batches} b JOIN {dispatches} d ON d.id = b.dispatch_id "
        f"WHERE b.dispatch_id = %s AND d.status = %s AND b.status = %s "
        f"AND (b.not_before IS NULL OR b.not_before <= %s) ORDER BY b.number LIMIT 1{lock}) "
        f"RETURNING id, number, size, attempts"
    )
    adapt = db_connection.ops.adapt_datetimefield_value
    params = [
        Batch.Status.CLAIMED, token, adapt(now), Batch.Status.QUEUED,
        dispatch_id, Dispatch.Status.SENDING, Batch.Status.QUEUED, adapt(now),
    ]  # fmt: skip
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, number, size, attempts = row
    return Batch(
        pk=pk,
        dispatch_id=dispatch_id,
        number=number,
        size=size,
        attempts=attempts,
        status=Batch.Status.CLAIMED,
        claim_token=token,
        claimed_at=now,
    )


# --- sending one batch ------------------------------------------------------------------------


def _recipients(batch: Batch) -> list[tuple]:
    """(delivery id, email, public id, name, still wanted) for the batch, in one query."""
    dispatch_lists = Dispatch.mailing_lists.through.objects.filter(
        dispatch_id=batch.dispatch_id
    ).values("mailinglist_id")
    wanted = Exists(
        Subscription.objects.filter(
            subscriber_id=OuterRef("subscriber_id"),
            mailing_list_id__in=dispatch_lists,
            status=Subscription.Status.ACTIVE,
        )
    ) & ~Exists(Suppression.objects.filter(email=OuterRef("email")))
    return list(
        Delivery.objects.filter(batch_id=batch.pk, status=STATUS.QUEUED)
        .annotate(wanted=wanted)
        .values_list("pk", "email", "subscriber__public_id", "subscriber__name", "wanted")
    )


class _LinkMaker:
    """Builds each recipient's signed links without calling reverse() per recipient."""

    def __init__(self) -> None:
        from newsletter.tokens import (
            preferences_url,
            subscriber_token,
            subscriber_token_maker,
            unsubscribe_url,
        )

        probe = SimpleNamespace(public_id="PUBLICID")
        token = subscriber_token(probe)
        self.unsubscribe = unsubscribe_url(probe).replace(token, "{}")
        self.preferences = preferences_url(probe).replace(token, "{}")
        self.token = subscriber_token_maker()

    def values(self, public_id: str, name: str) -> dict[str, str]:
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
    recipients: dict[str, dict]  # address -> merge values (name, signed links)
    delivery_ids: dict[str, int]  # address -> Delivery id
    skipped: int = 0  # left the lists or were suppressed since the freeze


def prepare_batch(batch: Batch, links: _LinkMaker) -> PreparedBatch:
    """Read a claimed batch's recipients; mark those who left since the freeze skipped."""
    rows = _recipients(batch)
    skipped = [pk for pk, _email, _pid, _name, wanted in rows if not wanted]
    if skipped:
        Delivery.objects.filter(pk__in=skipped).update(status=STATUS.SKIPPED)
    prepared = PreparedBatch(batch, {}, {}, len(skipped))
    for pk, address, public_id, name, wanted in rows:
        if wanted:
            prepared.recipients[address] = links.values(public_id, name)
            prepared.delivery_ids[address] = pk
    return prepared


def start_posting(batch: Batch) -> bool:
    """Commit "in flight" for a claimed batch just before its provider call; False: don't post.

    From here on a worker that dies leaves the batch *unknown* (the call may have happened);
    before it, the batch goes back to the queue. Refused when the dispatch is no longer sending:
    a batch claimed just before a pause is queued again, one claimed before a cancel was failed
    by the cancel.
    """
    sending = Dispatch.objects.filter(pk=batch.dispatch_id, status=Dispatch.Status.SENDING)
    mine = _held(batch, [Batch.Status.CLAIMED])
    if mine.filter(Exists(sending)).update(
        status=Batch.Status.IN_FLIGHT,
        claimed_at=timezone.now(),  # the lease counts from here
    ):
        batch.status = Batch.Status.IN_FLIGHT
        return True
    mine.update(status=Batch.Status.QUEUED, claim_token="", attempts=F("attempts") - 1)
    return False


# A worker records a call's outcome on its batch while the batch is in flight, or after lease
# recovery marked it unknown (a late outcome corrects that), and only with its claim token.
RECORDABLE = (Batch.Status.IN_FLIGHT, Batch.Status.UNKNOWN)
# Deliveries an outcome may still change: waiting, or unknown through lease recovery.
UNDECIDED = (STATUS.QUEUED, STATUS.UNKNOWN)


def _finish_batch(batch: Batch, status: str, error: str = "", *, held=RECORDABLE, **fields) -> bool:
    """Record a batch's end if this worker still holds it; returns whether it did.

    Its deliveries are written only when this returned True, in the same transaction: a worker
    that lost its batch (lease recovery, an operator's re-send) changes nothing.
    """
    return bool(_held(batch, held).update(status=status, last_error=error[:2000], **fields))


def _held(batch: Batch, statuses=RECORDABLE):
    """The batch's row, if this worker still holds it (its claim token) in one of ``statuses``."""
    return Batch.objects.filter(pk=batch.pk, claim_token=batch.claim_token, status__in=statuses)


def finish_empty(prepared: PreparedBatch) -> BatchOutcome:
    """A batch whose recipients all left during the send: nothing to post."""
    now = timezone.now()
    _finish_batch(prepared.batch, Batch.Status.SENT, held=(Batch.Status.CLAIMED,), sent_at=now)
    return BatchOutcome(skipped=prepared.skipped)


def record_outcome(
    prepared: PreparedBatch,
    results: provider_calls.Results | None = None,
    error: Exception | None = None,
) -> BatchOutcome:
    """Write what the provider call did: each recipient's result, or the batch's error."""
    batch, outcome = prepared.batch, BatchOutcome(skipped=prepared.skipped)
    if isinstance(error, provider_calls.PartialSend):
        return _record_partial(prepared, error, outcome)
    if error is not None:
        return _record_error(batch, error, outcome)
    now = timezone.now()
    accepted, rejected = _split_results(results or {})
    message_ids = set(accepted.values())
    outcome.sent, outcome.failed = len(accepted), len(rejected)
    if len(message_ids) == 1 and not rejected:  # the usual case: one id for the whole call
        if not _mark_batch_sent(batch, message_ids.pop() or "", now):
            return BatchOutcome()  # no longer ours: whoever holds it records it
        return outcome
    with transaction.atomic():
        if not _finish_batch(batch, Batch.Status.SENT, sent_at=now):
            return BatchOutcome()  # no longer ours: whoever holds it records it
        _mark_each(batch, prepared.delivery_ids, accepted, rejected, now)
    return outcome


def _mark_each(
    batch: Batch,
    delivery_ids: dict[str, int],
    accepted: dict[str, str],
    rejected: list[str],
    now: datetime.datetime,
) -> None:
    """Mark each recipient's delivery: accepted ones sent with their message id, rejected ones
    failed. (The caller holds the batch, in a transaction.)"""
    if rejected:
        Delivery.objects.filter(
            pk__in=[delivery_ids[a] for a in rejected], status__in=UNDECIDED
        ).update(
            status=STATUS.FAILED, attempts=batch.attempts, last_error="Rejected by the provider"
        )
    if accepted:
        pairs = [(delivery_ids[a], mid or "") for a, mid in accepted.items()]
        _mark_sent_with_ids(pairs, now, batch.attempts)


def _split_results(results: provider_calls.Results) -> tuple[dict[str, str], list[str]]:
    """({accepted address: message id}, [rejected addresses]) from a call's results."""
    accepted = {
        a: provider_calls.normalise_message_id(mid)
        for a, (status, mid) in results.items()
        if status not in ("rejected", "invalid", "failed")
    }
    return accepted, [a for a in results if a not in accepted]


def _record_partial(
    prepared: PreparedBatch, partial: provider_calls.PartialSend, outcome: BatchOutcome
) -> BatchOutcome:
    """Messages went one by one and something stopped them part-way: record each message that
    went, then let the error decide for the rest alone (retry, fail or unknown)."""
    batch = prepared.batch
    accepted, rejected = _split_results(partial.results)
    with transaction.atomic():
        if not _held(batch).select_for_update().exists():
            return BatchOutcome()
        _mark_each(batch, prepared.delivery_ids, accepted, rejected, timezone.now())
        rest = _record_error(batch, partial.error, outcome)
    rest.sent += len(accepted)
    rest.failed += len(rejected)
    return rest


def _mark_batch_sent(batch: Batch, call_id: str, now: datetime.datetime) -> bool:
    """The provider took everyone in the batch under one message id (inline merge).

    The id goes on the batch; the batch's deliveries still undecided are exactly the accepted
    ones, so one UPDATE by batch that changes no indexed column (a HOT update on PostgreSQL),
    made only if the batch UPDATE found the batch still held by this worker (returns whether it
    did). On PostgreSQL both are ONE statement (a data-modifying ``WITH``; one statement is one
    transaction); elsewhere two in a transaction.
    """
    if db_connection.vendor != "postgresql":
        with transaction.atomic():
            if not _finish_batch(
                batch, Batch.Status.SENT, sent_at=now, provider_message_id=call_id
            ):
                return False
            Delivery.objects.filter(batch_id=batch.pk, status__in=UNDECIDED).update(
                status=STATUS.SENT, sent_at=now, attempts=batch.attempts
            )
        return True
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    sql = (
        f"WITH held AS (UPDATE {batches} SET status = %s, last_error = '', sent_at = %s, "
        f"provider_message_id = %s WHERE id = %s AND claim_token = %s AND status IN (%s, %s) "
        f"RETURNING id) "
        f"UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = %s "
        f"WHERE batch_id IN (SELECT id FROM held) AND status IN (%s, %s)"
    )
    params = [
        Batch.Status.SENT, now, call_id, batch.pk, batch.claim_token, *RECORDABLE,
        STATUS.SENT, now, batch.attempts, *UNDECIDED,
    ]  # fmt: skip
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0  # deliveries updated: only if the batch was still ours


def _record_error(batch: Batch, error: Exception, outcome: BatchOutcome) -> BatchOutcome:
    """What the error says decides: failed for good, retry later, or outcome unknown."""
    message = f"{type(error).__name__}: {error}"[:2000]
    status_code = getattr(error, "status_code", None)
    if status_code is not None and 400 <= status_code < 500 and status_code != 429:
        return _fail_batch(batch, message, outcome)  # refused for good (bad request, auth)
    # (A 2xx answer that could not be read: the provider took it, so unknown, below.)
    if provider_calls.provider_refused(error):
        return _retry_later(batch, error, message, outcome)
    logger.warning("Batch %s outcome unknown: %s", batch.pk, message)
    with transaction.atomic():
        if _finish_batch(batch, Batch.Status.UNKNOWN, message):
            Delivery.objects.filter(batch_id=batch.pk, status__in=UNDECIDED).update(
                status=STATUS.UNKNOWN, attempts=batch.attempts, last_error=message[:500]
            )
            outcome.unknown = True
    return outcome


def send_batch(
    batch: Batch, dispatch: Dispatch, links: _LinkMaker, connection=None
) -> BatchOutcome:
    """Send one claimed batch and record every recipient's outcome, one step after the other."""
    prepared = prepare_batch(batch, links)
    if not prepared.recipients:
        return finish_empty(prepared)
    if not start_posting(batch):
        return BatchOutcome(skipped=prepared.skipped)
    try:
        results = provider_calls.post(dispatch, prepared.recipients, connection or get_connection())
    except Exception as error:  # what happened decides between retry and unknown
        return record_outcome(prepared, error=error)
    return record_outcome(prepared, results)


def _mark_sent_with_ids(
    pairs: list[tuple[int, str]], now: datetime.datetime, attempts: int
) -> None:
    """Mark deliveries sent, each with its own message id, in ONE statement.

    (``bulk_update`` splits into several queries on SQLite as a batch grows.) ``UPDATE ...
    FROM (VALUES ...)`` works on PostgreSQL and SQLite 3.33+.
    """
    table = Delivery._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(pairs))
    params: list = [STATUS.SENT, db_connection.ops.adapt_datetimefield_value(now), attempts]
    for pk, message_id in pairs:
        params += [pk, message_id]
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, attempts = %s, "
            f"provider_message_id = v.column2 "
            f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
            params,
        )


def _fail_batch(batch: Batch, message: str, outcome: BatchOutcome) -> BatchOutcome:
    """The provider refused the batch for good (or the send was cancelled): its undecided
    deliveries failed."""
    with transaction.atomic():
        if _finish_batch(batch, Batch.Status.FAILED, message):
            outcome.failed = Delivery.objects.filter(
                batch_id=batch.pk, status__in=UNDECIDED
            ).update(status=STATUS.FAILED, attempts=batch.attempts, last_error=message[:500])
    return outcome


def _backoff_seconds(attempts: int) -> float:
    base = float(getattr(settings, "NEWSLETTER_RETRY_BASE_SECONDS", 2))
    return min(base * (2 ** max(0, attempts - 1)), 300.0)


def _retry_later(batch: Batch, error: Exception, message: str, outcome: BatchOutcome):
    """The provider did not take the batch: queue it again after a backoff, or give up (also
    when the send was cancelled meanwhile: nobody would claim it again)."""
    if batch.attempts >= MAX_ATTEMPTS:
        return _fail_batch(batch, message, outcome)
    status = Dispatch.objects.values_list("status", flat=True).get(pk=batch.dispatch_id)
    if status == Dispatch.Status.CANCELLED:
        return _fail_batch(batch, "Cancelled", outcome)
    wait = max(provider_calls.retry_after(error), _backoff_seconds(batch.attempts))
    with transaction.atomic():
        if _finish_batch(
            batch,
            Batch.Status.QUEUED,
            message,
            not_before=timezone.now() + datetime.timedelta(seconds=wait),
            claim_token="",
        ):
            # Nobody got it: deliveries lease recovery marked unknown meanwhile wait again.
            Delivery.objects.filter(batch_id=batch.pk, status=STATUS.UNKNOWN).update(
                status=STATUS.QUEUED
            )
            outcome.retry = True
    return outcome


# --- the worker loop --------------------------------------------------------------------------


def _waiting_for_backoff(dispatch_id: int) -> datetime.datetime | None:
    return (
        Batch.objects.filter(dispatch_id=dispatch_id, status=Batch.Status.QUEUED)
        .order_by("not_before")
        .values_list("not_before", flat=True)
        .first()
    )


def finish_if_done(dispatch_id: int) -> bool:
    """Mark the dispatch sent (or failed) once no batch is queued, claimed or in flight.

    The "none open" condition is part of the UPDATE itself, so a re-send queued at the same
    moment cannot be left behind a dispatch marked sent.
    """
    open_batches = Batch.objects.filter(dispatch_id=dispatch_id, status__in=Batch.OPEN)
    if open_batches.exists():
        return False
    counts = progress(Dispatch(pk=dispatch_id))
    status = (
        Dispatch.Status.FAILED if counts["sent"] == 0 and counts["failed"] else Dispatch.Status.SENT
    )
    still_sending = Dispatch.objects.filter(pk=dispatch_id, status=Dispatch.Status.SENDING)
    return bool(
        still_sending.exclude(Exists(open_batches)).update(
            status=status, finished_at=timezone.now()
        )
    )


@dataclass
class _InTheAir:
    """A provider call running in the poster thread."""

    prepared: PreparedBatch
    call: Future

    def land(self) -> BatchOutcome:
        """Wait for the call, then record its outcome (in the calling thread)."""
        try:
            results = self.call.result()
        except Exception as error:
            return record_outcome(self.prepared, error=error)
        return record_outcome(self.prepared, results)


def _land_before_leaving(in_the_air: _InTheAir | None) -> None:
    """The worker is stopping on an error: still record the call it made, if it can, rather
    than leave its batch to become unknown."""
    if in_the_air is not None:
        try:
            in_the_air.land()
        except Exception:
            logger.exception("Could not record batch %s", in_the_air.prepared.batch.pk)


def run_dispatch(
    dispatch_id: int,
    *,
    on_progress: Callable[[BatchOutcome], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send batches of the dispatch until none is left (a worker; run several at once).

    Pipelined: while one batch's provider call is in the air, in a second thread that does no
    database work, this thread claims and reads the next batch; when the call lands it records
    the outcome, then starts the next call. So a worker has at most one batch in flight (and one
    claimed, which goes back to the queue if the worker dies), every call starts after its
    batch is committed in flight (:func:`start_posting`), and a worker that dies leaves at most
    one batch's outcome unknown, as one that sends a batch at a time.
    """
    dispatch = Dispatch.objects.get(pk=dispatch_id)
    links = _LinkMaker()
    connection = get_connection()
    report = on_progress or (lambda outcome: None)
    recover_stale_batches(dispatch_id)
    in_the_air: _InTheAir | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsletter-post") as poster:
        try:
            while True:
                batch = claim_batch(dispatch_id)
                prepared = prepare_batch(batch, links) if batch else None
                if in_the_air is not None:
                    outcome = in_the_air.land()
                    in_the_air = None
                    report(outcome)
                if prepared is not None:
                    if not prepared.recipients:
                        report(finish_empty(prepared))
                    elif start_posting(prepared.batch):
                        call = poster.submit(
                            provider_calls.post, dispatch, prepared.recipients, connection
                        )
                        in_the_air = _InTheAir(prepared, call)
                    else:
                        report(BatchOutcome(skipped=prepared.skipped))
                if batch is None and in_the_air is None:
                    next_try = _waiting_for_backoff(dispatch_id)
                    status = Dispatch.objects.values_list("status", flat=True).get(pk=dispatch_id)
                    if next_try is None or status != Dispatch.Status.SENDING:
                        finish_if_done(dispatch_id)
                        return
                    sleep(max(0.05, min(5.0, (next_try - timezone.now()).total_seconds())))
        except BaseException:
            _land_before_leaving(in_the_air)
            raise


# --- operator actions and reporting -----------------------------------------------------------


def set_paused(dispatch: Dispatch, paused: bool) -> bool:
    """Pause a sending dispatch (batches in flight finish) or resume a paused one."""
    old, new = (
        (Dispatch.Status.SENDING, Dispatch.Status.PAUSED)
        if paused
        else (Dispatch.Status.PAUSED, Dispatch.Status.SENDING)
    )
    changed = bool(Dispatch.objects.filter(pk=dispatch.pk, status=old).update(status=new))
    if changed and not paused:
        from newsletter.dispatch_tasks import send_dispatch

        send_dispatch.enqueue(dispatch.pk)
    return changed


def cancel(dispatch: Dispatch) -> int:
    """Stop a dispatch: queued deliveries are never sent. Returns how many were dropped."""
    with transaction.atomic():
        Dispatch.objects.filter(pk=dispatch.pk).exclude(status__in=Dispatch.FINISHED).update(
            status=Dispatch.Status.CANCELLED, finished_at=timezone.now()
        )
        Batch.objects.filter(
            dispatch=dispatch, status__in=[Batch.Status.QUEUED, Batch.Status.CLAIMED]
        ).update(status=Batch.Status.FAILED, last_error="Cancelled")
        # Deliveries of a batch in flight stay queued: that call's outcome decides them.
        return (
            Delivery.objects.filter(dispatch=dispatch, status=STATUS.QUEUED)
            .exclude(batch__status=Batch.Status.IN_FLIGHT)
            .update(status=STATUS.FAILED, last_error="Cancelled")
        )


def resend_unknown(dispatch: Dispatch) -> int:
    """Queue the unknown batches again: an explicit decision that a duplicate is acceptable."""
    with transaction.atomic():
        batches = Batch.objects.filter(dispatch=dispatch, status=Batch.Status.UNKNOWN)
        ids = list(batches.select_for_update().values_list("pk", flat=True))
        resumable = (Dispatch.Status.SENDING, Dispatch.Status.SENT, Dispatch.Status.FAILED)
        if not ids or not Dispatch.objects.filter(pk=dispatch.pk, status__in=resumable).update(
            status=Dispatch.Status.SENDING, finished_at=None
        ):
            return 0  # nothing unknown, or cancelled or paused meanwhile: nothing is re-sent
        Batch.objects.filter(pk__in=ids).update(
            status=Batch.Status.QUEUED, not_before=None, claim_token=""
        )
        count = Delivery.objects.filter(batch_id__in=ids, status=STATUS.UNKNOWN).update(
            status=STATUS.QUEUED
        )
    if ids:
        from newsletter.dispatch_tasks import send_dispatch

        send_dispatch.enqueue(dispatch.pk)
    return count


def progress(dispatch: Dispatch) -> dict[str, int]:
    """Deliveries by status, plus ``remaining`` (not sent yet: queued), in one query."""
    counts = dict(
        Delivery.objects.filter(dispatch_id=dispatch.pk)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    result = {status: counts.get(status, 0) for status in STATUS.values}
    result["remaining"] = result[STATUS.QUEUED]
    result["total"] = sum(counts.values())
    return result


def funnel(dispatch: Dispatch) -> dict[str, int]:
    """The delivery funnel: sent, delivered, opened, clicked, bounced, complained, unsubscribed."""
    deliveries = Delivery.objects.filter(dispatch_id=dispatch.pk)
    return deliveries.aggregate(
        sent=Count("pk", filter=Q(status=STATUS.SENT)),
        delivered=Count("delivered_at"),
        opened=Count("opened_at"),
        clicked=Count("clicked_at"),
        bounced=Count("bounced_at"),
        complained=Count("complained_at"),
        unsubscribed=Count("unsubscribed_at"),
    )
