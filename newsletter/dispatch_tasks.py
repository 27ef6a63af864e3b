"""Background tasks of the sending engine (django_tasks, the API Wagtail 8 uses)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_dispatch(dispatch_id: int) -> None:
    """One worker's share of a dispatch: claim and send batches until none is left."""
    from newsletter.dispatch import run_dispatch

    run_dispatch(dispatch_id)
