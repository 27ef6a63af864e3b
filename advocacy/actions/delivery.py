"""Delivering a confirmed participation's letters: one email per target, then the supporter's
copy.

:func:`deliver_participation` (a django_tasks task) is idempotent: it sends only the messages
not yet *sent*, each claimed first (its ``attempts`` raised in one conditional update, so two
runs at once never both send it). A message that fails is marked *failed* with the error, and
the task raises :class:`DeliveryFailed` so the queue records the failure; running it again (or
:func:`retry_failed`) sends only what failed. The supporter's copy goes in the run that sends
the last outstanding letter, so it goes once.
"""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from advocacy.actions.emails import copy_message, letter_message
from advocacy.models import ActionPage, Participation
from advocacy.models.actions import ActionMessage
from advocacy.signals import announce_action_counts

logger = logging.getLogger(__name__)

UNSENT = (ActionMessage.Status.QUEUED, ActionMessage.Status.FAILED)
MAX_ERROR_LENGTH = 2000
# A letter is tried this many times at most; after that it stays failed (the action's results
# screen lists it), rather than reach a refusing address again every hour for ever.
MAX_ATTEMPTS = 5


class DeliveryFailed(Exception):
    """Some letters of a participation could not be sent (each records its error)."""


def queue_delivery(participation_id: int) -> None:
    """Queue the delivery; with the queue down, deliver now (a failure is logged, not raised:
    the messages record it and :func:`retry_failed` sends them later)."""
    try:
        deliver_participation.enqueue(participation_id)
    except Exception:  # the queue is down
        logger.warning("Could not queue letters; sending them in the request", exc_info=True)
        try:
            deliver_participation.call(participation_id)
        except Exception:
            logger.exception("Letters of participation %s failed", participation_id)


def _claim(message: ActionMessage) -> bool:
    """Take ``message`` for this run: one conditional update, so only one run sends it."""
    claimed = ActionMessage.objects.filter(
        pk=message.pk, status__in=UNSENT, attempts=message.attempts
    ).update(attempts=F("attempts") + 1)
    message.attempts += 1
    return claimed == 1


def _send(message: ActionMessage) -> bool:
    """Send one letter and record the outcome; whether it went."""
    try:
        email = letter_message(message)
        email.send()
    except Exception as error:  # any provider or network error: record it, go on
        message.status = ActionMessage.Status.FAILED
        message.error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        message.save(update_fields=["status", "error"])
        return False
    status = getattr(email, "anymail_status", None)
    message.message_id = (getattr(status, "message_id", None) or "")[:255]
    message.status = ActionMessage.Status.SENT
    message.error = ""
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "error", "message_id", "sent_at"])
    return True


def _send_copy(participation: Participation) -> None:
    recipients = list(
        participation.messages.filter(status=ActionMessage.Status.SENT).values_list(
            "recipient_name", flat=True
        )
    )
    try:
        copy_message(participation, recipients).send()
    except Exception:  # the letters went; a lost copy is not worth sending them again
        logger.exception("The copy for participation %s could not be sent", participation.pk)


@task()
def deliver_participation(participation_id: int) -> int:
    """Send a confirmed participation's unsent letters; return how many went now."""
    participation = (
        Participation.objects.select_related("page")
        .filter(pk=participation_id, status=Participation.Status.CONFIRMED)
        .first()
    )
    if participation is None:
        return 0
    outstanding = list(participation.messages.filter(status__in=UNSENT, attempts__lt=MAX_ATTEMPTS))
    if not outstanding:
        return 0
    sent = failed = 0
    for message in outstanding:
        if not _claim(message):
            continue
        message.participation = participation
        if _send(message):
            sent += 1
        else:
            failed += 1
    if sent:
        announce_action_counts(participation.page)
    # The copy goes in the run after which no letter is left to try, if any letter went (also
    # when the last one has just failed for good).
    left = participation.messages.filter(status__in=UNSENT, attempts__lt=MAX_ATTEMPTS)
    went = participation.messages.filter(status=ActionMessage.Status.SENT)
    if (sent or failed) and not left.exists() and went.exists():
        _send_copy(participation)
    if failed:
        raise DeliveryFailed(f"{failed} letter(s) of participation {participation_id} failed")
    return sent


def retry_failed(page: ActionPage | None = None) -> int:
    """Queue delivery again for every confirmed participation (of ``page``, or of every
    action) with unsent letters that have attempts left (``manage.py advocacy_retry_letters``,
    e.g. hourly from cron; the action's results screen for one action). Returns how many."""
    participations = Participation.objects.all() if page is None else page.participations.all()
    ids = list(
        participations.filter(
            status=Participation.Status.CONFIRMED,
            messages__status__in=UNSENT,
            messages__attempts__lt=MAX_ATTEMPTS,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for participation_id in ids:
        queue_delivery(participation_id)
    return len(ids)
