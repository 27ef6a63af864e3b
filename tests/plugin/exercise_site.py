"""Run inside a fresh `wagtail start` site that installed the wheel (see ``fresh_site.py``).

``python exercise_site.py pages PORT``: create and publish one page of each plugin page type
under the site's home page, point the default site at 127.0.0.1:PORT, print their URLs as JSON.
``python exercise_site.py send``: write an issue featuring those pages, render it, send it to
three subscribers through Anymail's test backend, print what was sent as JSON.
"""

from __future__ import annotations

import datetime
import json
import os
import sys

import django


def make_pages(port: int) -> dict[str, str]:
    """One published page of each type; returns {type: path}."""
    from wagtail.models import Page, Site

    from advocacy.models import (
        CampaignWinPage,
        LetterSignatory,
        NewsroomPage,
        OpenLetterPage,
        Organisation,
        StatementPage,
        TimelinePage,
    )
    from newsletter.models import MailingList, NewsletterArchivePage, SubscribePage

    site = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=site.pk).update(hostname="127.0.0.1", port=port)
    home = site.root_page.specific
    day = datetime.date(2025, 3, 19)

    def publish(parent: Page, page: Page) -> Page:
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    newsroom = publish(home, NewsroomPage(title="Newsroom", slug="newsroom"))
    statement = publish(
        newsroom,
        StatementPage(
            title="Statement on the ceasefire",
            slug="statement",
            date=day,
            summary="We welcome the vote.",
            body=[("paragraph", "<p>A first step.</p>")],
        ),
    )
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Org {n}", name_key=f"org {n}", city="Ottawa") for n in range(12)]
    )
    letter = publish(
        newsroom,
        OpenLetterPage(
            title="Open letter to the Prime Minister",
            slug="letter",
            date=day,
            summary="Organisations ask for action.",
            addressee="Prime Minister",
            salutation="Dear Prime Minister,",
            demands=[("demand", "<p>Act now.</p>"), ("demand", "<p>Report back.</p>")],
            lead_signatory=orgs[0],
        ),
    )
    LetterSignatory.objects.bulk_create(
        [LetterSignatory(page=letter, organisation=org, sort_order=i) for i, org in enumerate(orgs)]
    )
    letter.save_revision().publish()
    win = publish(
        newsroom,
        CampaignWinPage(
            title="Permits halted",
            slug="win",
            date=day,
            summary="The minister stopped approving exports.",
            outcome="win",
            supporter_count=13000,
            supporter_action="emails",
        ),
    )
    timeline = publish(home, TimelinePage(title="Timeline", slug="timeline"))
    archive = publish(home, NewsletterArchivePage(title="Newsletter", slug="newsletter-archive"))
    supporters = MailingList.objects.create(name="Supporters", slug="supporters", is_public=True)
    subscribe = publish(
        home, SubscribePage(title="Stay informed", slug="stay-informed", mailing_list=supporters)
    )
    pages = {
        "newsroom": newsroom,
        "statement": statement,
        "letter": letter,
        "win": win,
        "timeline": timeline,
        "archive": archive,
        "subscribe_page": subscribe,
    }
    paths = {name: page.url for name, page in pages.items()}
    paths["subscribe_form"] = "/newsletter/subscribe/"
    paths["feed"] = "/feed/"
    paths["api"] = f"/api/v2/pages/{letter.pk}/"
    paths["api_v3"] = f"/api/v3/pages/{letter.pk}/"
    paths["signatories"] = f"/api/v3/advocacy/letters/{letter.pk}/signatories/"
    paths["openapi"] = "/api/v3/openapi.json"
    return paths


def send_issue() -> dict:
    """An issue featuring the letter and the win, sent to three subscribers."""
    from django.core import mail
    from django.core.management import call_command

    from advocacy.models import CampaignWinPage, OpenLetterPage
    from newsletter.audience import subscriptions
    from newsletter.models import MailingList, NewsletterArchivePage, NewsletterIssuePage

    archive = NewsletterArchivePage.objects.get()
    body = [
        ("intro", "<p>News from the campaign.</p>"),
        ("featured_page", {"page": OpenLetterPage.objects.get(), "button_label": "Read it"}),
        ("featured_page", {"page": CampaignWinPage.objects.get(), "button_label": "The win"}),
    ]
    issue = archive.add_child(
        instance=NewsletterIssuePage(title="March", subject="March news", body=body)
    )
    issue.save_revision().publish()
    supporters = MailingList.objects.get(slug="supporters")
    for n in range(3):
        subscriptions.add_manually(
            f"reader{n}@example.org",
            supporters,
            subscriptions.ConsentRecord(),
            require_confirmation=False,
        )
    mail.outbox = []
    call_command("newsletter_send", str(issue.pk), "--list", "supporters", "--wait")
    html = [m.alternatives[0][0] if m.alternatives else "" for m in mail.outbox]
    return {
        "recipients": sorted(m.to[0] for m in mail.outbox),
        "subjects": sorted({m.subject for m in mail.outbox}),
        "unsubscribe_headers": sum("List-Unsubscribe" in m.extra_headers for m in mail.outbox),
        "html_features_pages": all(
            "Open letter to the Prime Minister" in h and "Permits halted" in h for h in html
        ),
        "esp": getattr(mail.get_connection(), "esp_name", ""),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings.dev")
    sys.path.insert(0, os.getcwd())
    django.setup()
    if sys.argv[1] == "pages":
        print(json.dumps(make_pages(int(sys.argv[2]))))
    else:
        print(json.dumps(send_issue()))


if __name__ == "__main__":
    main()
