"""Signals the advocacy app sends, for hosts that cache pages.

* :data:`signatories_changed` (``page``): an approved sign-on added an organisation to a
  letter, outside publishing. A host's page cache should drop the letter, as on a publish.
* :data:`action_counts_changed` (``page``): a supporter action's counts changed (a confirmed
  participation, letters delivered) and a live win linked to the action shows them
  (:func:`announce_action_counts`). Action pages themselves are never cached.
"""

from django.dispatch import Signal

signatories_changed = Signal()
action_counts_changed = Signal()


def announce_action_counts(page) -> None:
    """Send :data:`action_counts_changed` for an action page, if a live page shows its count
    (a campaign win linked to it). The action page itself is never cached, and a host's page
    cache is emptied whole on each signal: sent for every confirmation, it would be off at a
    campaign's busiest moment."""
    if page.wins.filter(live=True).exists():
        action_counts_changed.send(sender=type(page), page=page)
