"""What happens to a sign-on request, from the form to the letter: submitted (pending, with a
confirmation email), confirmed by its contact's click (and the newsletter, if they asked), then
approved, merged into an existing organisation, or rejected by a moderator.

The public view and the admin call these; each returns what it did so they can say so.

* A second request for the same letter, from the same address, for the same organisation
  (names compared with :func:`duplicate_key`) while the first is still pending sends the email
  again instead of adding a request; the first request's details stay as they were. At most
  one email per ``NEWSLETTER_CONFIRM_RESEND_INTERVAL``, and one address gets at most
  ``NEWSLETTER_CONFIRM_EMAILS_PER_DAY`` sign-on and action confirmation emails a day
  (:func:`advocacy.confirmations.take_confirmation_email`, counted in the database): beyond
  that nothing is recorded or sent. The public answer is the same.
* Decided requests stay decided: approving or rejecting one again raises
  :class:`AlreadyDecided`, approving one that is not confirmed :class:`NotConfirmed`.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from advocacy.confirmations import take_confirmation_email
from advocacy.models import OpenLetterPage, Organisation, SignOnRequest
from advocacy.signons.duplicates import duplicate_key
from advocacy.signons.emails import APPROVED, CONFIRM, REJECTED, queue_email
from advocacy.signons.forms import HONEYPOT_FIELD, SignOnForm
from newsletter import conf
from newsletter.audience import subscriptions
from newsletter.outage import enqueue_or_call

Status = SignOnRequest.Status
logger = logging.getLogger(__name__)


class Submitted(enum.StrEnum):
    """What a submission did (for tests and logs; never shown to the public)."""

    PENDING = "pending"  # a new request; confirmation email sent
    RESENT = "resent"  # the same request was pending: email sent again
    THROTTLED = "throttled"  # the same request had an email moments ago: none sent
    LIMITED = "limited"  # the address had its emails for the day: nothing done


class NotConfirmed(Exception):
    """Only a request its contact confirmed can be approved."""


class AlreadyDecided(Exception):
    """The request was approved or rejected already."""


# What a request is recorded from: the form's fields but the consent version (recorded as
# ``consent_text_id``) and the honeypot.
FORM_FIELDS = tuple(
    name for name in SignOnForm.base_fields if name not in ("consent_version", HONEYPOT_FIELD)
)


def request_sign_on(
    letter: OpenLetterPage, cleaned: dict, *, ip_address: str | None, user_agent: str
) -> None:
    """Queue :func:`record_sign_on` with a valid form's ``cleaned_data``: the answer then takes
    the same time whether the address or organisation is known. With the queue down the work
    is done here, with a warning (a signature is not lost to an outage)."""
    data = {key: cleaned.get(key) for key in FORM_FIELDS}
    wording = cleaned.get("consent_version")
    data["consent_text_id"] = wording.pk if wording is not None and data["newsletter"] else None
    payload = {
        "letter_id": letter.pk,
        "data": data,
        "ip_address": ip_address,
        "user_agent": user_agent,
    }
    enqueue_or_call(record_sign_on, what="a sign-on", log=logger, **payload)


@task()
def record_sign_on(*, letter_id: int, data: dict, ip_address: str | None, user_agent: str) -> str:
    """Record a queued sign-on (see :func:`submit`); returns what it did."""
    letter = OpenLetterPage.objects.live().filter(pk=letter_id).first()
    if letter is None or not letter.accepting_signatures:
        return "closed"
    return str(submit(letter, data, ip_address=ip_address, user_agent=user_agent))


def submit(letter: OpenLetterPage, data: dict, *, ip_address: str | None, user_agent: str):
    """Record a request from the form's values (:data:`FORM_FIELDS` and ``consent_text_id``)
    and send the confirmation email."""
    email = data["contact_email"]
    key = duplicate_key(data["organisation_name"])
    now = timezone.now()
    interval = datetime.timedelta(seconds=conf.get("NEWSLETTER_CONFIRM_RESEND_INTERVAL"))
    with transaction.atomic():
        pending = SignOnRequest.objects.select_for_update().filter(
            letter=letter, contact_email=email, status=Status.PENDING
        )
        same = next((r for r in pending if duplicate_key(r.organisation_name) == key), None)
        sent_at = same.confirmation_sent_at if same is not None else None
        if sent_at is not None and now - sent_at < interval:
            return Submitted.THROTTLED
        if not take_confirmation_email(email):
            return Submitted.LIMITED
        if same is not None:
            same.confirmation_sent_at = now
            same.save(update_fields=["confirmation_sent_at"])
            sign_on, outcome = same, Submitted.RESENT
        else:
            sign_on = SignOnRequest.objects.create(
                letter=letter,
                organisation_name=data["organisation_name"],
                city=data["city"],
                province=data["province"],
                website=data.get("website") or "",
                contact_name=data["contact_name"],
                contact_email=email,
                contact_role=data["contact_role"],
                authorised=data["authorised"],
                wants_newsletter=bool(data.get("newsletter")),
                consent_text_id=data.get("consent_text_id") if data.get("newsletter") else None,
                language=letter.locale.language_code,
                ip_address=ip_address,
                user_agent=user_agent[:400],
                confirmation_sent_at=now,
            )
            outcome = Submitted.PENDING
    queue_email(sign_on, CONFIRM)
    return outcome


def confirm(sign_on: SignOnRequest, *, ip_address: str | None, user_agent: str) -> bool:
    """The contact clicked the link: the request waits for moderation. If they asked for the
    newsletter (and the letter still offers a list), they are subscribed, with the form's
    consent record and the click's address and browser. ``False`` if it was not pending."""
    with transaction.atomic():
        locked = SignOnRequest.objects.select_for_update().get(pk=sign_on.pk)
        if locked.status != Status.PENDING:
            return False
        sign_on.status = Status.CONFIRMED
        sign_on.confirmed_at = timezone.now()
        sign_on.confirmed_ip_address = ip_address or None
        sign_on.save(update_fields=["status", "confirmed_at", "confirmed_ip_address"])
        # In the same transaction: a subscription that cannot be stored undoes the
        # confirmation, so the contact's next click tries both again (none is lost).
        _subscribe(sign_on, ip_address=ip_address, user_agent=user_agent)
    return True


def _subscribe(sign_on: SignOnRequest, *, ip_address: str | None, user_agent: str) -> None:
    """The newsletter subscription the contact ticked, with the form's consent record."""
    mailing_list = sign_on.letter.sign_on_mailing_list
    if sign_on.wants_newsletter and mailing_list is not None:
        consent = subscriptions.ConsentRecord(
            source=subscriptions.Source.SIGN_ON,
            source_detail=sign_on.letter.full_url or "",
            consent_text=sign_on.consent_text,
            ip_address=sign_on.ip_address,
            user_agent=sign_on.user_agent,
            consented_at=sign_on.created_at,
        )
        subscriptions.subscribe_confirmed(
            sign_on.contact_email,
            mailing_list,
            consent,
            ip_address=ip_address,
            user_agent=user_agent,
            name=sign_on.contact_name,
            language=sign_on.language,
        )


def _check_open(sign_on: SignOnRequest, *, approving: bool) -> None:
    sign_on.refresh_from_db(fields=["status"])
    if sign_on.is_decided:
        raise AlreadyDecided
    if approving and sign_on.status != Status.CONFIRMED:
        raise NotConfirmed


def approve(sign_on: SignOnRequest, user, organisation: Organisation | None = None):
    """Put the organisation on the letter (``organisation``: merge into that one) and email
    the contact. Returns the organisation that signed."""
    _check_open(sign_on, approving=True)
    try:
        signed = sign_on.approve(user, organisation=organisation)
    except ValueError as exc:  # decided in the meantime by someone else
        raise AlreadyDecided from exc
    queue_email(sign_on, APPROVED)
    return signed


def reject(sign_on: SignOnRequest, user, reason: str = "") -> None:
    """Reject the request; a contact who confirmed their address is emailed (with the reason)."""
    _check_open(sign_on, approving=False)
    try:
        sign_on.reject(user, reason)
    except ValueError as exc:
        raise AlreadyDecided from exc
    if sign_on.confirmed_at is not None:
        queue_email(sign_on, REJECTED)


def bulk_approve(sign_ons: Iterable[SignOnRequest], user) -> tuple[list[SignOnRequest], int]:
    """Approve each confirmed request, in the queue's order; returns (approved, skipped)."""
    approved: list[SignOnRequest] = []
    skipped = 0
    for sign_on in sign_ons:
        try:
            approve(sign_on, user)
        except (AlreadyDecided, NotConfirmed):
            skipped += 1
        else:
            approved.append(sign_on)
    return approved, skipped
