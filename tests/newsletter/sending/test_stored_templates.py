"""Writing a send in the provider's template language, and the limits of splitting and retrying."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsletter.models import Delivery
from newsletter.sending.control import start
from newsletter.sending.freeze import create_send, freeze
from newsletter.sending.providers import MAX_SPLIT_CALLS, MessagePerRecipientProvider
from newsletter.sending.stored_templates import (
    BREVO,
    HANDLEBARS,
    MUSTACHE,
    merge_values,
    template_content,
    to_template,
)
from newsletter.sending.worker import run_send
from tests.newsletter.sending.conftest import add_subscribers
from tests.support.fake_brevo import FakeBrevo
from tests.support.fake_postmark import FakePostmark


def test_merge_tags_become_the_providers_variables():
    body = "Hi [[name]]: <a href='[[unsubscribe_url]]'>leave</a>"
    assert to_template(body, MUSTACHE, MUSTACHE.html) == (
        "Hi {{name}}: <a href='{{unsubscribe_url}}'>leave</a>"
    )
    assert to_template(body, BREVO, BREVO.html).startswith("Hi {{ params.name }}:")
    assert to_template(body, HANDLEBARS, HANDLEBARS.html, "_html") == (
        "Hi {{{name_html}}}: <a href='{{{unsubscribe_url_html}}}'>leave</a>"
    )


def test_literal_tag_openings_become_variables_that_print_them():
    assert to_template("a {{ b }} c", MUSTACHE, MUSTACHE.raw) == "a {{{lit0}}} b }} c"
    assert to_template("{% x %}{# y #}", BREVO, BREVO.raw) == (
        "{{ params.lit1 }} x %}{{ params.lit2 }} y #}"
    )
    # Handlebars reads a backslash before "{{" as an escape: both go in one variable.
    assert to_template("\\{{x", HANDLEBARS, HANDLEBARS.raw) == "{{{lit0}}}x"
    assert merge_values(HANDLEBARS, {})["lit0"] == "\\{{"


@given(st.text(alphabet="{}%#\\ab[]", max_size=30))
def test_no_literal_tag_opening_survives_in_the_content(text):
    for syntax, opening in ((MUSTACHE, "{{"), (BREVO, "{%")):
        written = to_template(text, syntax, syntax.raw)
        # What is left of the content between our variables has no tag opening of its own.
        for variable in ("{{{lit0}}}", "{{ params.lit0 }}", "{{ params.lit1 }}"):
            written = written.replace(variable, "\0")
        assert opening not in written.replace("{{ params.lit2 }}", "\0")


def test_values_come_escaped_only_where_the_provider_does_not_escape():
    values = {"name": "Tom & <Jerry>", "unsubscribe_url": "u", "preferences_url": "p"}
    assert merge_values(HANDLEBARS, values)["name_html"] == "Tom &amp; &lt;Jerry&gt;"
    assert "name_html" not in merge_values(MUSTACHE, values)
    assert merge_values(BREVO, values)["name"] == "Tom & <Jerry>"


def test_the_template_name_changes_with_the_content():
    first = template_content("postmark", 7, "Subject", "<p>a</p>", "a")
    same = template_content("postmark", 7, "Subject", "<p>a</p>", "a")
    other = template_content("postmark", 7, "Subject", "<p>b</p>", "b")
    assert first.name == same.name != other.name
    assert first.name.startswith("newsletter-send-7-")


@pytest.mark.django_db
def test_a_call_refused_for_every_address_fails_the_batch_within_the_split_budget(
    issue, supporters, settings
):
    with FakeBrevo() as server:
        settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        add_subscribers(supporters, 30)
        server.refuse(*[f"reader{n}@example.org" for n in range(30)])  # as a bad sender would

        start(create_send(issue, [supporters]))

        assert server.send_call_count <= 1 + MAX_SPLIT_CALLS
        assert server.delivery_counts() == {}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_a_retry_after_longer_than_the_batch_budget_leaves_the_rest_to_the_queue(
    issue, supporters, settings, monkeypatch
):
    waits: list[float] = []
    monkeypatch.setattr(MessagePerRecipientProvider, "sleep", staticmethod(waits.append))
    settings.NEWSLETTER_TEMPLATE_BATCHING = False
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
    with FakePostmark() as server:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = server.anymail_settings()
        add_subscribers(supporters, 10)
        server.throttle_next(1, retry_after=600)  # longer than a batch may wait
        dispatch = create_send(issue, [supporters])
        freeze(dispatch)

        def sleep(seconds: float) -> None:
            dispatch.batches.update(not_before=None)  # the ten minutes pass

        run_send(dispatch.pk, sleep=sleep)

        counts = server.delivery_counts()
    assert len(counts) == 10 and set(counts.values()) == {1}
    assert waits == []  # the message did not wait in the poster thread
    assert dispatch.batches.get().attempts == 2  # the batch went back to the queue once
