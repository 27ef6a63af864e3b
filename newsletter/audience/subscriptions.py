"""The audience rules: subscribe, confirm, unsubscribe, suppress, preferences, and who a send
reaches.

Views, the JSON API, the admin, the importer, management commands and tasks call these
functions. Two other places end subscriptions: provider events (bounces, complaints,
unsubscribes: :mod:`newsletter.sending.tracking`) and the lapse of implied consent
(:func:`newsletter.audience.consent.lapse_implied_consent`). The rules:

* Nobody is active before confirming: public sign-ups and preference-page additions start
  *pending* and become *active* only through the signed confirmation link. Signing up again
  while pending re-sends the email but keeps the first consent record (when, how, where, the
  wording shown); the confirming click's time, IP address and browser are recorded beside it.
* One address gets at most ``NEWSLETTER_CONFIRM_EMAILS_PER_DAY`` confirmation emails a day,
  whatever the lists (counted on the subscriber, in the database): beyond that nothing is
  sent or recorded, and the public answer is the same.
* Re-subscribing after unsubscribing starts a new pending record and a new confirmation; the old
  record stays as history. Confirming lifts an "unsubscribed from everything" suppression, never
  a bounce, complaint or manual one (for those nothing is sent and nothing is recorded).
* Suppression is absolute: :func:`audience` never includes a suppressed address, on any list.
* Implied consent counts for two years from ``consented_at``; after that it is not in the
  audience, and :func:`newsletter.audience.consent.lapse_implied_consent` records the end.
"""

from __future__ import annotations

import datetime
import enum
import logging
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from newsletter import conf
from newsletter.audience.consent import implied_consent_cutoff
from newsletter.audience.tasks import send_confirmation_email
from newsletter.models import (
    ConsentText,
    MailingList,
    Subscriber,
    Subscription,
    Suppression,
    normalise_email,
)
from newsletter.outage import enqueue_or_call

__all__ = [
    "ConsentRecord",
    "Outcome",
    "add_manually",
    "audience",
    "audience_count",
    "confirm",
    "normalise_email",
    "subscribe",
    "subscribe_confirmed",
    "suppress",
    "suppression_for",
    "unsubscribe",
    "update_preferences",
]

logger = logging.getLogger(__name__)

Status = Subscription.Status
ConsentType = Subscription.ConsentType
Source = Subscription.Source
EndedHow = Subscription.EndedHow
Reason = Suppression.Reason


class Outcome(enum.StrEnum):
    """What a call did (for logs, tests and the admin; never shown to the public)."""

    PENDING = "pending"  # a new pending subscription; confirmation email sent
    RESENT = "resent"  # still pending; confirmation email sent again
    THROTTLED = "throttled"  # still pending; an email was sent moments ago, none sent now
    LIMITED = "limited"  # the address had its confirmation emails for the day: nothing done
    ALREADY_ACTIVE = "already_active"
    SUPPRESSED = "suppressed"  # bounce, complaint or manual suppression: nothing done
    ACTIVE = "active"  # now active (confirmed, or added by import/admin without confirmation)
    ENDED = "ended"  # the record had ended; nothing done
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class ConsentRecord:
    """How consent was given: stored on the subscription it creates."""

    consent_type: str = ConsentType.EXPRESS
    source: str = Source.FORM
    source_detail: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    consent_text: ConsentText | None = None
    imported_by: str = ""
    note: str = ""
    consented_at: datetime.datetime | None = None

    def fields(self, now: datetime.datetime) -> dict:
        return {
            "consent_type": self.consent_type,
            "source": self.source,
            "source_detail": self.source_detail[:255],
            "ip_address": self.ip_address or None,
            "user_agent": self.user_agent[:400],
            "consent_text": self.consent_text,
            "imported_by": self.imported_by[:150],
            "note": self.note,
            "consented_at": self.consented_at or now,
        }


def suppression_for(email: str) -> Suppression | None:
    return Suppression.objects.filter(email=normalise_email(email)).first()


def _send_confirmation(subscription: Subscription) -> None:
    """Queue the confirmation email; with the queue down (Redis, ``rq``), send it now."""
    enqueue_or_call(
        send_confirmation_email, subscription.pk, what="a confirmation email", log=logger
    )


def _take_confirmation_email(subscriber: Subscriber, now: datetime.datetime) -> bool:
    """Count one confirmation email to ``subscriber`` if today's allowance has room.

    The caller holds the subscriber's row lock. A window opens with the first email and lasts
    a day; at most ``NEWSLETTER_CONFIRM_EMAILS_PER_DAY`` emails go out in it.
    """
    started = subscriber.confirmation_window_started_at
    if started is None or now - started >= datetime.timedelta(days=1):
        subscriber.confirmation_window_started_at = now
        subscriber.confirmation_emails_in_window = 0
    if subscriber.confirmation_emails_in_window >= conf.get("NEWSLETTER_CONFIRM_EMAILS_PER_DAY"):
        return False
    subscriber.confirmation_emails_in_window += 1
    subscriber.save(
        update_fields=["confirmation_window_started_at", "confirmation_emails_in_window"]
    )
    return True


def _activate_at_once(
    subscriber: Subscriber,
    mailing_list: MailingList,
    current: Subscription | None,
    fields: dict,
) -> Outcome:
    """Record an active subscription without a confirmation email (the admin, or an address
    confirmed by another signed link: :func:`subscribe_confirmed`)."""
    if current is not None:
        for key, value in fields.items():
            setattr(current, key, value)
        current.save()
    else:
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, **fields)
    return Outcome.ACTIVE


def _open_locked(
    email: str, mailing_list: MailingList, *, name: str, language: str
) -> Outcome | tuple[Suppression | None, Subscriber, Subscription | None]:
    """The opening shared by :func:`subscribe` and :func:`subscribe_confirmed`, inside their
    transaction: the address's suppression, its subscriber (created if new, row-locked) and
    its open subscription to ``mailing_list`` (row-locked, or ``None``).

    Returns ``SUPPRESSED`` for a bounce, complaint or manual suppression (checked before any
    subscriber is created, so nothing is recorded) and ``ALREADY_ACTIVE`` for an active one.
    """
    address = normalise_email(email)
    suppression = Suppression.objects.filter(email=address).first()
    if suppression and suppression.reason != Reason.UNSUBSCRIBED_ALL:
        return Outcome.SUPPRESSED
    Subscriber.objects.get_or_create(
        email=address, defaults={"name": name[:200], "language": language}
    )
    # Locked: concurrent sign-ups for one address count their emails one at a time.
    subscriber = Subscriber.objects.select_for_update().get(email=address)
    current = (
        Subscription.objects.select_for_update()
        .filter(subscriber=subscriber, mailing_list=mailing_list, status__in=Subscription.OPEN)
        .first()
    )
    if current is not None and current.status == Status.ACTIVE:
        return Outcome.ALREADY_ACTIVE
    return suppression, subscriber, current


def subscribe(
    email: str,
    mailing_list: MailingList,
    consent: ConsentRecord,
    *,
    name: str = "",
    language: str = "en",
    require_confirmation: bool = True,
) -> Outcome:
    """Ask ``email`` to join ``mailing_list``: a pending record and a confirmation email.

    Callers facing the public must answer the same whatever the outcome. An existing
    subscriber's name and language are never changed from here (the form is not signed in).
    ``require_confirmation=False`` (admin only) records an active subscription at once.
    """
    now = timezone.now()
    with transaction.atomic():
        opening = _open_locked(email, mailing_list, name=name, language=language)
        if isinstance(opening, Outcome):
            return opening
        suppression, subscriber, current = opening
        if not require_confirmation:
            if suppression is not None:
                return Outcome.SUPPRESSED  # lifting "unsubscribed from everything" needs them
            fields = consent.fields(now) | {"status": Status.ACTIVE, "confirmed_at": None}
            return _activate_at_once(subscriber, mailing_list, current, fields)
        interval = datetime.timedelta(seconds=conf.get("NEWSLETTER_CONFIRM_RESEND_INTERVAL"))
        sent_at = current.confirmation_sent_at if current is not None else None
        if sent_at is not None and now - sent_at < interval:
            return Outcome.THROTTLED
        if not _take_confirmation_email(subscriber, now):
            return Outcome.LIMITED
        if current is not None:
            # The first sign-up's consent record stays as it was: only the email is sent again.
            current.confirmation_sent_at = now
            current.save(update_fields=["confirmation_sent_at"])
            outcome = Outcome.RESENT
        else:
            try:
                with transaction.atomic():
                    current = Subscription.objects.create(
                        subscriber=subscriber,
                        mailing_list=mailing_list,
                        status=Status.PENDING,
                        confirmation_sent_at=now,
                        **consent.fields(now),
                    )
            except IntegrityError:  # a concurrent request created it first
                return Outcome.THROTTLED
            outcome = Outcome.PENDING
    _send_confirmation(current)
    return outcome


def confirm(
    subscription: Subscription, *, ip_address: str | None = None, user_agent: str = ""
) -> Outcome:
    """Activate a pending subscription (the owner clicked the signed link).

    ``ip_address`` and ``user_agent`` are the confirming click's, kept beside the sign-up's.
    """
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == Status.ACTIVE:
            return Outcome.ALREADY_ACTIVE
        if subscription.status != Status.PENDING:
            return Outcome.ENDED
        subscription.status = Status.ACTIVE
        subscription.confirmed_at = timezone.now()
        subscription.confirmed_ip_address = ip_address or None
        subscription.confirmed_user_agent = user_agent[:400]
        subscription.save(
            update_fields=["status", "confirmed_at", "confirmed_ip_address", "confirmed_user_agent"]
        )
        Suppression.objects.filter(
            email=subscription.subscriber.email, reason=Reason.UNSUBSCRIBED_ALL
        ).delete()
    return Outcome.ACTIVE


def subscribe_confirmed(
    email: str,
    mailing_list: MailingList,
    consent: ConsentRecord,
    *,
    ip_address: str | None = None,
    user_agent: str = "",
    name: str = "",
    language: str = "en",
) -> Outcome:
    """Record an active subscription for an address its owner has just proven by a signed
    link of ours that said so (a supporter action's or a sign-on's confirmation email, whose
    text tells them confirming also subscribes them).

    ``consent`` is the form's (when, where, the wording shown); ``ip_address`` and
    ``user_agent`` are the confirming click's. A bounce, complaint or manual suppression
    stops it (nothing is recorded); "unsubscribed from everything" is lifted, as
    :func:`confirm` does, since the owner asked again.
    """
    with transaction.atomic():
        opening = _open_locked(email, mailing_list, name=name, language=language)
        if isinstance(opening, Outcome):
            return opening
        suppression, subscriber, current = opening
        now = timezone.now()
        fields = consent.fields(now) | {
            "status": Status.ACTIVE,
            "confirmed_at": now,
            "confirmed_ip_address": ip_address or None,
            "confirmed_user_agent": user_agent[:400],
        }
        _activate_at_once(subscriber, mailing_list, current, fields)
        if suppression is not None:
            suppression.delete()
    return Outcome.ACTIVE


def _end(subscriptions: QuerySet[Subscription], how: str) -> int:
    return subscriptions.filter(status__in=Subscription.OPEN).update(
        status=Status.UNSUBSCRIBED, ended_at=timezone.now(), ended_how=how
    )


def unsubscribe(
    subscriber: Subscriber, mailing_list: MailingList | None = None, *, how: str
) -> int:
    """End the subscription to ``mailing_list``, or to everything (with a suppression).

    Takes effect at once and is idempotent. Returns how many subscriptions ended.
    """
    with transaction.atomic():
        if mailing_list is not None:
            return _end(subscriber.subscriptions.filter(mailing_list=mailing_list), how)
        ended = _end(subscriber.subscriptions.all(), how)
        Suppression.objects.get_or_create(
            email=subscriber.email, defaults={"reason": Reason.UNSUBSCRIBED_ALL}
        )
        return ended


def suppress(email: str, reason: str, note: str = "") -> Suppression:
    """Stop all bulk email to ``email`` (bounce, complaint, by hand). An existing reason stays."""
    suppression, _ = Suppression.objects.get_or_create(
        email=normalise_email(email), defaults={"reason": reason, "note": note}
    )
    return suppression


def preference_lists(subscriber: Subscriber) -> list[MailingList]:
    """Lists shown on the preference page: public ones, and internal ones they are on."""
    open_lists = subscriber.subscriptions.filter(status__in=Subscription.OPEN).values(
        "mailing_list"
    )
    return list(MailingList.objects.filter(Q(is_public=True) | Q(pk__in=open_lists)))


def update_preferences(
    subscriber: Subscriber,
    wanted: set[MailingList],
    language: str,
    consent: ConsentRecord,
) -> list[MailingList]:
    """Apply the preference form: language, lists left, lists asked for.

    Lists left end at once; lists asked for start pending with a confirmation email, like any
    sign-up. Returns the lists that now await confirmation.
    """
    if language != subscriber.language:
        subscriber.language = language
        subscriber.save(update_fields=["language"])
    shown = preference_lists(subscriber)
    open_by_list = {
        s.mailing_list_id: s for s in subscriber.subscriptions.filter(status__in=Subscription.OPEN)
    }
    wanted_ids = {ml.pk for ml in wanted}
    awaiting: list[MailingList] = []
    for mailing_list in shown:
        is_open = mailing_list.pk in open_by_list
        if is_open and mailing_list.pk not in wanted_ids:
            unsubscribe(subscriber, mailing_list, how=EndedHow.PREFERENCES)
        elif not is_open and mailing_list.pk in wanted_ids and mailing_list.is_public:
            outcome = subscribe(subscriber.email, mailing_list, consent)
            if outcome in (Outcome.PENDING, Outcome.RESENT, Outcome.THROTTLED):
                awaiting.append(mailing_list)
    return awaiting


def add_manually(
    email: str,
    mailing_list: MailingList,
    consent: ConsentRecord,
    *,
    name: str = "",
    language: str = "en",
    require_confirmation: bool = True,
) -> tuple[Subscriber | None, Outcome]:
    """An admin adds someone with a consent note (pending + email, or active at once)."""
    outcome = subscribe(
        email,
        mailing_list,
        replace(consent, source=Source.ADMIN),
        name=name,
        language=language,
        require_confirmation=require_confirmation,
    )
    return Subscriber.objects.filter(email=normalise_email(email)).first(), outcome


def audience(mailing_list: MailingList, now: datetime.datetime | None = None):
    """Subscribers a send to ``mailing_list`` reaches now: active, consent valid, not suppressed.

    A lazy queryset: iterate it with ``.iterator()`` or in keyset chunks, never as a list.
    """
    valid = Subscription.objects.filter(mailing_list=mailing_list, status=Status.ACTIVE).filter(
        Q(consent_type=ConsentType.EXPRESS) | Q(consented_at__gte=implied_consent_cutoff(now))
    )
    # IN / NOT IN subqueries: evaluated once (hashed), not once per subscriber.
    return (
        Subscriber.objects.filter(pk__in=valid.values("subscriber_id"))
        .exclude(email__in=Suppression.objects.values("email"))
        .order_by("pk")
    )


def audience_count(mailing_list: MailingList) -> int:
    return audience(mailing_list).count()
