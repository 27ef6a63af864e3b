"""The sending engine's raw SQL: the statements the ORM cannot write as one round trip.

Each function runs ONE statement on the default database (PostgreSQL or SQLite 3.35+) and
returns what it tells; the engine modules call these and read as state transitions.
"""

from __future__ import annotations

import datetime
import json

from django.db import connection
from django.db.models import QuerySet

from newsletter.models import Batch, Delivery, Dispatch


def _adapt(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def copy_audience(
    send_id: int, audience: QuerySet, size: int, batch_ids: list[int], first_number: int = 0
) -> int:
    """INSERT one queued delivery per audience row, in audience order, ``size`` per batch.

    ``audience`` yields ``recipient_id`` and ``recipient_email``. Row ``rn`` (from 0) goes to
    batch number ``first_number + rn / size`` (the batches of ``batch_ids``). When the batches'
    ids are consecutive (the usual case) that is arithmetic on the first id; otherwise (another
    freeze took ids in between) a join to the batch rows. Rows beyond the batches counted a
    moment before (people who joined in between) are left for the next send either way.
    Returns the number of rows written.
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
    queued = Delivery.Status.QUEUED
    if batch_ids and batch_ids == list(range(batch_ids[0], batch_ids[0] + len(batch_ids))):
        sql = (
            f"{insert}SELECT %s, %s + a.rn / %s, a.recipient_id, a.recipient_email, %s, '', 0, '' "
            f"FROM {numbered} WHERE a.rn < %s"
        )
        params = [send_id, batch_ids[0], size, queued, *select_params, len(batch_ids) * size]
    else:
        sql = (
            f"{insert}SELECT %s, b.id, a.recipient_id, a.recipient_email, %s, '', 0, '' "
            f"FROM {numbered} JOIN {batches} b "
            f"ON b.dispatch_id = %s AND b.number = %s + a.rn / %s"
        )
        params = [send_id, queued, *select_params, send_id, first_number, size]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def claim_next_batch(
    send_id: int, token: str, now: datetime.datetime
) -> tuple[int, int, int, int, str] | None:
    """Mark the send's next queued batch claimed with ``token``: (id, number, size, attempts,
    language).

    ``UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING``: on PostgreSQL the subquery locks
    the row with ``FOR UPDATE SKIP LOCKED`` so concurrent workers take different batches without
    waiting; on SQLite the statement runs under the database write lock. The
    ``status = 'queued'`` guard on the outer UPDATE makes a double claim impossible either way.
    """
    batches, sends = Batch._meta.db_table, Dispatch._meta.db_table
    lock = " FOR UPDATE OF b SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {batches} SET status = %s, claim_token = %s, claimed_at = %s, "
        f"attempts = attempts + 1 WHERE status = %s AND id = ("
        f"SELECT b.id FROM {batches} b JOIN {sends} d ON d.id = b.dispatch_id "
        f"WHERE b.dispatch_id = %s AND d.status = %s AND b.status = %s "
        f"AND (b.not_before IS NULL OR b.not_before <= %s) ORDER BY b.number LIMIT 1{lock}) "
        f"RETURNING id, number, size, attempts, language"
    )
    params = [
        Batch.Status.CLAIMED, token, _adapt(now), Batch.Status.QUEUED,
        send_id, Dispatch.Status.SENDING, Batch.Status.QUEUED, _adapt(now),
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def mark_batch_and_deliveries_sent(
    batch: Batch,
    call_id: str,
    now: datetime.datetime,
    held: tuple[str, ...],
    undecided: tuple[str, ...],
    then_in_flight: Batch | None = None,
) -> tuple[bool, bool]:
    """PostgreSQL: the batch sent under ``call_id`` and its undecided deliveries sent, in ONE
    statement (data-modifying ``WITH``s), only if the batch is still held with its claim token
    in one of ``held``; and ``then_in_flight``, the worker's next batch, committed in flight in
    the same statement (:func:`in_flight_part`). Returns (whether the batch was still held,
    whether the next one went in flight)."""
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    parts = [
        f"WITH held AS (UPDATE {batches} SET status = %s, last_error = '', sent_at = %s, "
        f"provider_message_id = %s WHERE id = %s AND claim_token = %s AND status IN (%s, %s) "
        f"RETURNING id)",
        f"sent AS (UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = %s "
        f"WHERE batch_id IN (SELECT id FROM held) AND status IN (%s, %s) RETURNING 1)",
    ]
    params = [
        Batch.Status.SENT, now, call_id, batch.pk, batch.claim_token, *held,
        Delivery.Status.SENT, now, batch.attempts, *undecided,
    ]  # fmt: skip
    return _run_with_next(parts, params, then_in_flight, now)


def in_flight_part(batch: Batch, now: datetime.datetime) -> tuple[str, list]:
    """The ``WITH`` part that commits ``batch`` in flight, as
    :func:`newsletter.sending.batches.start_posting` does: only while this worker holds it
    claimed and its send is still sending; the lease counts from ``now``."""
    batches, sends = Batch._meta.db_table, Dispatch._meta.db_table
    part = (
        f"flight AS (UPDATE {batches} SET status = %s, claimed_at = %s WHERE id = %s "
        f"AND claim_token = %s AND status = %s AND EXISTS (SELECT 1 FROM {sends} "
        f"WHERE id = %s AND status = %s) RETURNING id)"
    )
    params = [
        Batch.Status.IN_FLIGHT, now, batch.pk, batch.claim_token, Batch.Status.CLAIMED,
        batch.dispatch_id, Dispatch.Status.SENDING,
    ]  # fmt: skip
    return part, params


def _run_with_next(
    parts: list[str], params: list, then_in_flight: Batch | None, now: datetime.datetime
) -> tuple[bool, bool]:
    """Run an outcome's ``WITH`` parts (the first named ``held``), plus the next batch's
    in-flight part when there is one, as ONE statement: (held, next in flight)."""
    counted = "(SELECT count(*) FROM held), "
    if then_in_flight is None:
        counted += "0"
    else:
        part, part_params = in_flight_part(then_in_flight, now)
        parts, params = [*parts, part], [*params, *part_params]
        counted += "(SELECT count(*) FROM flight)"
    with connection.cursor() as cursor:
        cursor.execute(", ".join(parts) + f" SELECT {counted}", params)
        held_rows, flying = cursor.fetchone()
    return held_rows > 0, flying > 0


def mark_sent_with_ids(pairs: list[tuple[int, str]], now: datetime.datetime, attempts: int) -> None:
    """Mark deliveries sent, each ``(delivery id, message id)`` with its own id, in ONE statement.

    (``bulk_update`` splits into several queries on SQLite as a batch grows.) ``UPDATE ...
    FROM (VALUES ...)`` works on PostgreSQL and SQLite 3.33+.
    """
    table = Delivery._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(pairs))
    params: list = [Delivery.Status.SENT, _adapt(now), attempts]
    for pk, message_id in pairs:
        params += [pk, message_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, attempts = %s, "
            f"provider_message_id = v.column2 "
            f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
            params,
        )


def mark_batch_and_each_delivery(
    batch: Batch,
    pairs: list[tuple[int, str]],
    rejected: list[int],
    now: datetime.datetime,
    held: tuple[str, ...],
    undecided: tuple[str, ...],
    then_in_flight: Batch | None = None,
) -> tuple[bool, bool]:
    """PostgreSQL: the batch sent, each accepted delivery sent under its own message id
    (``(delivery id, message id)`` pairs) and each rejected one failed, in ONE statement (data-
    modifying ``WITH``s), only if the batch is still held with its claim token in one of
    ``held``; ``then_in_flight`` as in :func:`mark_batch_and_deliveries_sent`. Returns (whether
    the batch was still held, whether the next one went in flight). (The same as
    :func:`newsletter.sending.batches.finish_batch` plus :func:`mark_sent_with_ids` in a
    transaction, in one round trip instead of four.)"""
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    params: list = [
        Batch.Status.SENT, now, batch.pk, batch.claim_token, *held,
    ]  # fmt: skip
    parts = [
        f"WITH held AS (UPDATE {batches} SET status = %s, last_error = '', sent_at = %s "
        f"WHERE id = %s AND claim_token = %s AND status IN (%s, %s) RETURNING id)"
    ]
    if pairs:
        # One JSON parameter, not two per recipient: the statement's text is the same for
        # every batch, so psycopg parses it once per send instead of once per batch, and
        # json.dumps quotes a batch's ids faster than psycopg's per-element array quoting (a
        # 2,000-call send spent 2 s of its main thread's CPU on the two).
        parts.append(
            f"sent AS (UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = %s, "
            f"provider_message_id = v.message_id "
            f"FROM json_to_recordset(%s::json) AS v(id bigint, message_id varchar) "
            f"WHERE {deliveries}.id = v.id AND {deliveries}.batch_id IN (SELECT id FROM held) "
            f"RETURNING 1)"
        )
        rows = json.dumps([{"id": pk, "message_id": message_id} for pk, message_id in pairs])
        params += [Delivery.Status.SENT, now, batch.attempts, rows]
    if rejected:
        parts.append(
            f"failed AS (UPDATE {deliveries} SET status = %s, attempts = %s, last_error = %s "
            f"WHERE id = ANY(%s) AND batch_id IN (SELECT id FROM held) AND status IN (%s, %s) "
            f"RETURNING 1)"
        )
        params += [
            Delivery.Status.FAILED, batch.attempts, "Rejected by the provider", rejected,
            *undecided,
        ]  # fmt: skip
    return _run_with_next(parts, params, then_in_flight, now)
