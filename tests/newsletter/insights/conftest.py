"""Fixtures of the insight tests: a published issue with its archive, content and appeal, and
the sending fixtures (a list, a sender, a send through Anymail's test backend)."""

from tests.newsletter.issues.conftest import (  # noqa: F401 (fixtures)
    appeal,
    archive,
    content,
    issue,
    newsletter_settings,
)
from tests.newsletter.sending.conftest import sender, sent  # noqa: F401 (fixtures)
