"""Background tasks of the sending engine (django_tasks, the API Wagtail 8 uses)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_dispatch(dispatch_id: int) -> None:
    """One worker's share of a dispatch: claim and send batches until none is left."""
    from newsletter.dispatch import run_dispatch

    run_dispatch(dispatch_id)


@task()
def start_scheduled(dispatch_id: int) -> None:
    """At the scheduled time: freeze the audience (as it is then) and send."""
    from newsletter.dispatch import freeze, run_dispatch
    from newsletter.models import Dispatch

    if Dispatch.objects.filter(pk=dispatch_id, status=Dispatch.Status.SCHEDULED).exists():
        freeze(Dispatch(pk=dispatch_id))
        run_dispatch(dispatch_id)
