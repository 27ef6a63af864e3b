"""Task paths stored by version 0.1 for sends queued or scheduled before an upgrade.

A database task backend keeps each task's import path until it runs (a send scheduled next
week keeps ``newsletter.dispatch_tasks.start_scheduled``), so these names stay importable for
one release. New tasks use :mod:`newsletter.sending.tasks`.
"""

from newsletter.sending.tasks import send_batches as send_dispatch
from newsletter.sending.tasks import start_scheduled

__all__ = ["send_dispatch", "start_scheduled"]
