"""A naive sender, for ``send_vs_naive_ratio``: what the older Django newsletter tools do.

For each recipient: render the issue's templates (the whole pipeline: Django templates, MJML,
premailer, text; nothing cached), personalise it, and make one provider call (Anymail's
Mailgun backend, over one reused HTTP connection, which is generous to it). No batching, no
delivery records. Run by ``bench.send`` in its own process::

    python -m bench.naive_sender ISSUE_SLUG LIST_SLUG
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    issue_slug, list_slug = sys.argv[1:3]
    import django

    django.setup()
    from django.core.mail import get_connection

    from newsletter.issues.messages import Content, merge_values_for, personal_message
    from newsletter.issues.rendering import render_issue
    from newsletter.models import NewsletterIssuePage, Subscriber
    from newsletter.sender import sender_identity

    started = time.perf_counter()
    issue = NewsletterIssuePage.objects.get(slug=issue_slug)
    subscribers = Subscriber.objects.filter(
        subscriptions__mailing_list__slug=list_slug, subscriptions__status="active"
    ).order_by("pk")
    connection = get_connection()
    sent = 0
    for subscriber in subscribers.iterator(chunk_size=1000):
        rendered = render_issue(issue)  # the per-recipient template render
        content = Content.of_rendered(rendered, sender_identity(issue.get_site()))
        message = personal_message(
            content, subscriber.email, merge_values_for(subscriber), connection
        )
        sent += message.send()
    print(json.dumps({"sent": sent, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
