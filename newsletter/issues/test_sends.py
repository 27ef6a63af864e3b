"""Test sends ("proofs"): the issue's latest revision to a few addresses, "[TEST]" in front."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from wagtail.log_actions import log

from newsletter.issues.messages import Content, personal_message, sample_merge_values
from newsletter.issues.rendering import render_revision
from newsletter.models import NewsletterIssuePage
from newsletter.models.settings import parse_addresses
from newsletter.sender import sender_identity

TEST_PREFIX = "[TEST] "
MAX_TEST_RECIPIENTS = 20


class TestSendForm(forms.Form):
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {MAX_TEST_RECIPIENTS} addresses, one per line or separated by commas.",
    )

    def clean_recipients(self) -> list[str]:
        addresses = parse_addresses(self.cleaned_data["recipients"])
        if not addresses:
            raise ValidationError("Enter at least one address.")
        if len(addresses) > MAX_TEST_RECIPIENTS:
            raise ValidationError(f"A test goes to at most {MAX_TEST_RECIPIENTS} addresses.")
        return addresses


def send_test(issue: NewsletterIssuePage, recipients: list[str], user=None) -> int:
    """Send the issue's latest revision to ``recipients`` with "[TEST]" in the subject; log it."""
    rendered = render_revision(issue, latest=True)
    content = Content.of_rendered(rendered, sender_identity(issue.get_site()), TEST_PREFIX)
    connection = get_connection()
    messages = [
        personal_message(content, address, sample_merge_values(address), connection)
        for address in recipients
    ]
    sent = connection.send_messages(messages) or 0
    log(
        instance=issue,
        action="newsletter.test_send",
        user=user,
        data={
            "recipients": recipients,
            "revision_id": issue.latest_revision_id,
            "subject": content.subject,
        },
    )
    return sent
