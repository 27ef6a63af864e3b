"""Every kind of public page of the demo, checked with axe-core (WCAG 2.1 AA and best
practices) at 1280 px: one browser session, all violations collected, one assertion."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from advocacy.models import (
    CampaignWinPage,
    NewsroomPage,
    OpenLetterPage,
    StatementPage,
    TimelinePage,
)
from newsletter.audience import subscriptions
from newsletter.audience.tokens import confirmation_token, subscriber_token
from newsletter.models import (
    MailingList,
    NewsletterArchivePage,
    NewsletterIssuePage,
    SubscribePage,
    Subscriber,
    Subscription,
)
from tests.support.axe import violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def first_url(model) -> str:
    return model.objects.live().order_by("path").first().url


def public_pages() -> dict[str, str]:
    """What a reader can reach, by name: one page of each type, and the signed-link pages of a
    real demo subscriber (and of a pending sign-up, for the confirm page)."""
    subscriber = Subscriber.objects.filter(subscriptions__status="active").first()
    token = subscriber_token(subscriber)
    supporters = MailingList.objects.get(slug="supporters")
    subscriptions.subscribe("pending@example.org", supporters, subscriptions.ConsentRecord())
    pending = Subscription.objects.get(subscriber__email="pending@example.org")
    return {
        "home": "/",
        "newsroom": first_url(NewsroomPage),
        "statement": first_url(StatementPage),
        "open letter": first_url(OpenLetterPage),
        "campaign win": first_url(CampaignWinPage),
        "timeline": first_url(TimelinePage),
        "search": "/search/?q=letter",
        "newsletter archive": first_url(NewsletterArchivePage),
        "issue (web version)": first_url(NewsletterIssuePage),
        "subscribe": first_url(SubscribePage),
        "subscribe thanks": "/newsletter/subscribe/thanks/",
        "confirm": f"/newsletter/confirm/{confirmation_token(pending)}/",
        "preferences": f"/newsletter/preferences/{token}/",
        "unsubscribe": f"/newsletter/unsubscribe/{token}/",
        "404": "/no-such-page/",
    }


def report(found: dict[str, list[dict]]) -> str:
    return "\n".join(
        f"- {where}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for where, listed in found.items()
        for v in listed
    )


def test_every_public_page_type_has_no_axe_violations(live_server, page):
    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    found: dict[str, list[dict]] = {}
    for name, url in public_pages().items():
        page.goto(live_server.url + url)
        found[name] = violations(page)
        if name == "subscribe":  # and the same page after a failed submission
            page.get_by_role("button", name="Subscribe").click()
            page.wait_for_selector(".error-summary")
            found["subscribe with errors"] = violations(page)
    found = {name: listed for name, listed in found.items() if listed}
    assert not found, "axe violations:\n" + report(found)
