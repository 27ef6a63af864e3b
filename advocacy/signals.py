"""Signals the advocacy app sends, for hosts that cache pages.

* :data:`signatories_changed` (``page``): an approved sign-on added an organisation to a
  letter, outside publishing. A host's page cache should drop the letter, as on a publish.
* :data:`action_counts_changed` (``page``): a supporter action's counts changed (a confirmed
  participation). Action pages are never cached (their form carries a CSRF token), but
  pages showing the counts elsewhere (a win linked to the action) may be.
"""

from django.dispatch import Signal

signatories_changed = Signal()
action_counts_changed = Signal()
