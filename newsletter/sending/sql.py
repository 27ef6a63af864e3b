"""The sending engine's raw SQL: the statements the ORM cannot write as one round trip.

Each function runs ONE statement on the default database (PostgreSQL or SQLite 3.35+) and
returns what it tells; the engine modules call these and read as state transitions.
"""

from __future__ import annotations

import datetime

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
) -> bool:
    """PostgreSQL: the batch sent under ``call_id`` and its undecided deliveries sent, in ONE
    statement (a data-modifying ``WITH``), only if the batch is still held with its claim token
    in one of ``held``. Returns whether it was."""
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    sql = (
        f"WITH held AS (UPDATE {batches} SET status = %s, last_error = '', sent_at = %s, "
        f"provider_message_id = %s WHERE id = %s AND claim_token = %s AND status IN (%s, %s) "
        f"RETURNING id) "
        f"UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = %s "
        f"WHERE batch_id IN (SELECT id FROM held) AND status IN (%s, %s)"
    )
    params = [
        Batch.Status.SENT, now, call_id, batch.pk, batch.claim_token, *held,
        Delivery.Status.SENT, now, batch.attempts, *undecided,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0  # deliveries updated: only if the batch was still held


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
) -> bool:
    """PostgreSQL: the batch sent, each accepted delivery sent under its own message id
    (``(delivery id, message id)`` pairs) and each rejected one failed, in ONE statement (data-
    modifying ``WITH``s), only if the batch is still held with its claim token in one of
    ``held``. Returns whether it was. (The same as :func:`newsletter.sending.batches.finish_batch`
    plus :func:`mark_sent_with_ids` in a transaction, in one round trip instead of four.)"""
    deliveries, batches = Delivery._meta.db_table, Batch._meta.db_table
    params: list = [
        Batch.Status.SENT, now, batch.pk, batch.claim_token, *held,
    ]  # fmt: skip
    parts = [
        f"WITH held AS (UPDATE {batches} SET status = %s, last_error = '', sent_at = %s "
        f"WHERE id = %s AND claim_token = %s AND status IN (%s, %s) RETURNING id)"
    ]
    if pairs:
        values = ", ".join(["(%s::bigint, %s)"] * len(pairs))
        parts.append(
            f"sent AS (UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = %s, "
            f"provider_message_id = v.column2 FROM (VALUES {values}) AS v "
            f"WHERE {deliveries}.id = v.column1 AND {deliveries}.batch_id IN (SELECT id FROM held) "
            f"RETURNING 1)"
        )
        params += [Delivery.Status.SENT, now, batch.attempts]
        for pk, message_id in pairs:
            params += [pk, message_id]
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
    with connection.cursor() as cursor:
        cursor.execute(", ".join(parts) + " SELECT count(*) FROM held", params)
        return cursor.fetchone()[0] > 0
