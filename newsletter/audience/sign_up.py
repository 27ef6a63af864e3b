"""Public sign-ups do the same work whoever they name: validate, then queue the rest.

Whether an address is new, pending, active or suppressed decides what :func:`subscriptions.
subscribe` does and how long it takes. The subscribe form and the JSON API must not reveal
that, so the request only queues :func:`record_sign_up` with what the visitor gave and where
from; the task (on a worker with the ``database`` or ``rq`` task backend) looks the address up,
stores the consent record and sends the confirmation email. With the ``immediate`` backend
(development) the task runs inside the request.
"""

from __future__ import annotations

import datetime
import logging

from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task

from newsletter.audience import subscriptions
from newsletter.audience.client_address import client_details, header
from newsletter.models import ConsentText, MailingList
from newsletter.outage import enqueue_or_call

logger = logging.getLogger(__name__)


def request_sign_up(
    email: str,
    mailing_list: MailingList,
    consent: subscriptions.ConsentRecord,
    *,
    name: str = "",
    language: str = "en",
) -> None:
    """Queue a public sign-up; consent is stamped now, when the visitor gave it.

    If the task queue cannot take it (Redis down with the ``rq`` backend), the sign-up is
    applied here instead, with a warning: a sign-up is not lost to an outage (its timing then
    is not uniform, for as long as the outage lasts).
    """
    values = dict(
        email=email,
        mailing_list_id=mailing_list.pk,
        source=consent.source,
        source_detail=consent.source_detail,
        ip_address=consent.ip_address,
        user_agent=consent.user_agent,
        consent_text_id=consent.consent_text.pk if consent.consent_text else None,
        consented_at=(consent.consented_at or timezone.now()).isoformat(),
        name=name,
        language=language,
    )
    enqueue_or_call(record_sign_up, what="a sign-up", log=logger, **values)


def sign_up_from_request(
    request: HttpRequest, data: dict, *, source: str, source_header: str
) -> None:
    """Queue the sign-up a validated form or JSON body (``email``, ``list``,
    ``consent_version``, ``name``, ``language``) asks for, with where it came from:
    ``source_header`` (the referring page or origin), the client's address and browser."""
    consent = subscriptions.ConsentRecord(
        source=source,
        source_detail=header(request, source_header, 255),
        consent_text=data["consent_version"],
        **client_details(request),
    )
    request_sign_up(
        data["email"], data["list"], consent, name=data["name"], language=data["language"]
    )


@task()
def record_sign_up(
    *,
    email: str,
    mailing_list_id: int,
    source: str,
    source_detail: str,
    ip_address: str | None,
    user_agent: str,
    consent_text_id: int | None,
    consented_at: str,
    name: str,
    language: str,
) -> str:
    """Apply a queued sign-up (see :func:`subscriptions.subscribe`); returns the outcome."""
    consent = subscriptions.ConsentRecord(
        source=source,
        source_detail=source_detail,
        ip_address=ip_address,
        user_agent=user_agent,
        consent_text=ConsentText.objects.filter(pk=consent_text_id).first(),
        consented_at=datetime.datetime.fromisoformat(consented_at),
    )
    mailing_list = MailingList.objects.get(pk=mailing_list_id)
    outcome = subscriptions.subscribe(email, mailing_list, consent, name=name, language=language)
    return str(outcome)
