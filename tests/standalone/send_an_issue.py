"""Run in its own process with ``tests.standalone.settings``: migrate a fresh database, write an
issue of text, an image, a button and a featured page, render it, send it, print a JSON report.
"""

from __future__ import annotations

import io
import json
import os
import sys

import django

EXPECTED_IN_HTML = (
    "Hello from a site",
    "Our annual report",
    "Read the report",
    "rich text",
    "People at a rally",
    "https://example.org/give",
)


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.standalone.settings"
    django.setup()
    from django.apps import apps
    from django.core import mail
    from django.core.management import call_command

    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("check", stdout=out)
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out)
        migrations_pending = False
    except SystemExit:
        migrations_pending = True
    report = send(mail)
    report.update(
        advocacy_installed=apps.is_installed("advocacy"),
        advocacy_imported="advocacy" in sys.modules,
        migrations_pending=migrations_pending,
    )
    print(json.dumps(report))


def send(mail) -> dict:
    """Build the site and an issue, render it and send it to three subscribers."""
    from django.test import Client
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Page, Site

    from newsletter.audience import subscriptions
    from newsletter.issues.rendering import render_revision
    from newsletter.models import MailingList, NewsletterArchivePage, NewsletterIssuePage
    from newsletter.sending.control import start
    from newsletter.sending.freeze import create_send
    from newsletter.sending.progress import progress

    root = Page.get_first_root_node()
    home = root.add_child(instance=Page(title="Home", slug="standalone-home"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "standalone.example.org", "root_page": home, "port": 80},
    )
    story = home.add_child(instance=Page(title="Our annual report", slug="report"))
    archive = home.add_child(instance=NewsletterArchivePage(title="Newsletter", slug="news"))
    image = Image.objects.create(title="Rally", file=get_test_image_file())
    body = [
        ("intro", "<p>Hello from a site without the advocacy app.</p>"),
        ("featured_page", {"page": story, "button_label": "Read the report"}),
        ("heading", "What we did"),
        ("text", "<p>Plain <b>rich text</b> works.</p>"),
        ("image", {"image": image, "alt_text": "People at a rally", "link": ""}),
        ("button", {"label": "Donate", "page": None, "url": "https://example.org/give"}),
        ("divider", None),
    ]
    issue = archive.add_child(
        instance=NewsletterIssuePage(title="June", subject="June news", body=body)
    )
    issue.save_revision().publish()
    issue = NewsletterIssuePage.objects.get(pk=issue.pk)  # as saved: the published revision
    block_types = [name for name in NewsletterIssuePage.body.field.stream_block.child_blocks]
    rendered = render_revision(issue, latest=False)
    supporters = MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)
    for n in range(3):
        subscriptions.add_manually(
            f"reader{n}@example.org", supporters, subscriptions.ConsentRecord(),
            require_confirmation=False,
        )  # fmt: skip
    mail.outbox = []
    send = create_send(issue, [supporters])
    start(send)
    web = Client().get("/news/june/", HTTP_HOST="standalone.example.org")
    return {
        "block_types": block_types,
        "html_has_blocks": all(text in rendered.html for text in EXPECTED_IN_HTML),
        "text_has_blocks": "WHAT WE DID" in rendered.text
        and "Donate: https://example.org/give" in rendered.text,
        "recipients": sorted(m.to[0] for m in mail.outbox),
        "unsubscribe_headers": sum("List-Unsubscribe" in m.extra_headers for m in mail.outbox),
        "merge_tags_left": sum("[[" in m.body for m in mail.outbox),
        "sent": progress(send)["sent"],
        "web_status": web.status_code,
    }


if __name__ == "__main__":
    main()
