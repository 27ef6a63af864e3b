"""Background tasks of sending (django_tasks, the API Wagtail 8 uses)."""

from __future__ import annotations

from django_tasks import task

from newsletter.models import Dispatch
from newsletter.sending.freeze import freeze
from newsletter.sending.worker import run_send


@task()
def send_batches(send_id: int) -> None:
    """One worker's share of a send: claim and send batches until none is left."""
    run_send(send_id)


@task()
def start_scheduled(send_id: int, include_previous_recipients: bool = False) -> None:
    """At the scheduled time: freeze the audience (as it is then) and send. Whether people an
    earlier send of the issue reached get it again was chosen when it was scheduled."""
    if Dispatch.objects.filter(pk=send_id, status=Dispatch.Status.SCHEDULED).exists():
        freeze(Dispatch(pk=send_id), include_previous_recipients=include_previous_recipients)
        run_send(send_id)
