"""Taking an action and confirming it: what the HTML form and the JSON endpoint share.

* :func:`take` queues :func:`record_participation` with the validated values, so the answer
  takes the same time whether the address is new, pending or already confirmed for the action
  (like the newsletter's sign-up, :mod:`newsletter.audience.sign_up`); with the queue down
  the work is done in the request instead.
* A new address gets a *pending* participation and a confirmation email. Pending again: the
  participation takes the new values and the email goes again, at most once per
  ``NEWSLETTER_CONFIRM_RESEND_INTERVAL`` and within the address's daily allowance
  (:func:`advocacy.confirmations.take_confirmation_email`). Confirmed already: nothing changes.
* :func:`confirm` (the owner clicked the emailed link) confirms, writes one
  :class:`ActionMessage` per target, records the newsletter subscription they ticked, queues
  the delivery and, once committed, announces the new counts
  (:func:`advocacy.signals.announce_action_counts`).
"""

from __future__ import annotations

import datetime
import enum
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from advocacy.actions.delivery import queue_delivery
from advocacy.actions.emails import send_confirmation
from advocacy.confirmations import take_confirmation_email
from advocacy.models import ActionPage, Participation, Representative
from advocacy.models.actions import ActionMessage
from advocacy.signals import announce_action_counts
from newsletter import conf
from newsletter.audience.subscriptions import ConsentRecord, subscribe_confirmed
from newsletter.models import Subscription
from newsletter.models.audience import new_public_id
from newsletter.outage import enqueue_or_call

logger = logging.getLogger(__name__)

RECORDED_FIELDS = (
    "name",
    "postal_code",
    "subject",
    "body",
    "personal_message",
    "wants_newsletter",
    "consent_text_id",
    "language",
    "ip_address",
    "user_agent",
)


class Outcome(enum.StrEnum):
    """What recording a participation did (for logs and tests; never shown to the public)."""

    PENDING = "pending"  # new, confirmation email sent
    RESENT = "resent"  # still pending: new values, the email again
    THROTTLED = "throttled"  # still pending: an email went moments ago, none now
    LIMITED = "limited"  # the address had its confirmation emails for the day: nothing done
    ALREADY_CONFIRMED = "already_confirmed"  # nothing done
    CLOSED = "closed"  # the action closed or went away meanwhile: nothing done


def take(page: ActionPage, values: dict, *, ip_address: str | None, user_agent: str) -> None:
    """Queue a participation from a validated form's ``participation_values()``."""
    payload = {**values, "page_id": page.pk, "ip_address": ip_address, "user_agent": user_agent}
    enqueue_or_call(record_participation, what="an action", log=logger, **payload)


@task()
def record_participation(*, page_id: int, email: str, target_ids: list[int], **values) -> str:
    """Record a queued participation (see the module docstring); returns the outcome."""
    page = ActionPage.objects.live().filter(pk=page_id).first()
    if page is None or not page.is_open:
        return str(Outcome.CLOSED)
    outcome, participation = _record(page, email, target_ids, values)
    if participation is not None:
        send_confirmation(participation)
    return str(outcome)


def _record(
    page: ActionPage, email: str, target_ids: list[int], values: dict
) -> tuple[Outcome, Participation | None]:
    now = timezone.now()
    fields = {key: values.get(key) for key in RECORDED_FIELDS if key in values}
    fields["user_agent"] = (fields.get("user_agent") or "")[:400]
    with transaction.atomic():
        existing = Participation.objects.select_for_update().filter(page=page, email=email).first()
        if existing is not None and existing.status == Participation.Status.CONFIRMED:
            return Outcome.ALREADY_CONFIRMED, None
        interval = datetime.timedelta(seconds=conf.get("NEWSLETTER_CONFIRM_RESEND_INTERVAL"))
        sent_at = existing.confirmation_sent_at if existing is not None else None
        if sent_at is not None and now - sent_at < interval:
            return Outcome.THROTTLED, None
        if not take_confirmation_email(email):
            return Outcome.LIMITED, None
        if existing is None:
            try:
                with transaction.atomic():
                    existing = Participation.objects.create(
                        page=page, email=email, confirmation_sent_at=now, **fields
                    )
            except IntegrityError:  # a concurrent request created it first
                return Outcome.THROTTLED, None
            outcome = Outcome.PENDING
        else:
            for key, value in fields.items():
                setattr(existing, key, value)
            existing.created_at = now
            existing.confirmation_sent_at = now
            # New values, new link: a link emailed before (perhaps for someone else's values)
            # no longer confirms anything, and the new one confirms what its page shows.
            existing.public_id = new_public_id()
            existing.save()
            outcome = Outcome.RESENT
        existing.targets.set(Representative.objects.filter(pk__in=target_ids))
    return outcome, existing


def confirm(
    participation: Participation, *, ip_address: str | None = None, user_agent: str = ""
) -> bool:
    """Confirm a pending participation; ``False`` if it already was (nothing changes then)."""
    page = participation.page
    with transaction.atomic():
        participation = Participation.objects.select_for_update().get(pk=participation.pk)
        if participation.status == Participation.Status.CONFIRMED:
            return False
        participation.status = Participation.Status.CONFIRMED
        participation.confirmed_at = timezone.now()
        participation.confirmed_ip_address = ip_address or None
        participation.save(update_fields=["status", "confirmed_at", "confirmed_ip_address"])
        if page.kind == ActionPage.Kind.LETTER:
            ActionMessage.objects.bulk_create(
                [
                    ActionMessage(
                        participation=participation,
                        representative=target,
                        recipient_name=target.name,
                        recipient_email=target.email,
                    )
                    for target in participation.targets.order_by("name")
                ],
                ignore_conflicts=True,
            )
            pk = participation.pk
            transaction.on_commit(lambda: queue_delivery(pk))
        transaction.on_commit(lambda: announce_action_counts(page))
        # In the same transaction: a subscription that cannot be stored undoes the
        # confirmation, so the supporter's next click tries both again (none is lost).
        if participation.wants_newsletter and page.mailing_list_id:
            _subscribe(participation, page, ip_address=ip_address, user_agent=user_agent)
    return True


def _subscribe(
    participation: Participation, page: ActionPage, *, ip_address: str | None, user_agent: str
) -> None:
    """The newsletter subscription the supporter ticked, with the form's consent record."""
    consent = ConsentRecord(
        source=Subscription.Source.ACTION,
        source_detail=page.full_url or page.title,
        ip_address=participation.ip_address,
        user_agent=participation.user_agent,
        consent_text=participation.consent_text,
        consented_at=participation.created_at,
    )
    subscribe_confirmed(
        participation.email,
        page.mailing_list,
        consent,
        ip_address=ip_address,
        user_agent=user_agent,
        name=participation.name,
        language=participation.language,
    )
