"""Complaint rates against the 0.3% line bulk senders must stay under (Gmail, Yahoo)."""

from __future__ import annotations


def check_send(dispatch_id: int) -> None:
    """After a new complaint on one of the send's deliveries: pause the send if it is still
    sending and its complaint rate passes NEWSLETTER_COMPLAINT_PAUSE_RATE."""


def complaint_warning(dispatch) -> str | None:
    """A warning for the send's page when its complaint rate is above 0.1%, else None."""
    return None
