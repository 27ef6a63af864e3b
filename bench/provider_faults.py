"""Sending through a provider that fails 10% of its calls (loopback Postmark, in this process).

* ``faults_per_message_time_ratio``: 3,000 readers one message each (template batching off,
  the path of SMTP and of providers without batching), the provider failing 10% of calls
  with HTTP 500: the send's time over the same send without faults (target: close to it, <= 1.5),
  with the default retry settings. Before per-message retries a send like this delivered 331 of
  3,000 in 254 s and was still going.
* ``faults_per_message_reached``: the share of readers who got exactly one message (target 1).
* ``faults_template_send_calls``: the same 3,000 readers through Postmark's stored template (500
  a call), 10% of calls failing: send API calls made (target <= ceil(3000/500) x 2 + 5 = 17).
"""

from __future__ import annotations

import math
import time

from bench import harness
from bench.harness import Result, check

READERS = 3_000
FAULT_RATIO = 0.1
FIGURES = [
    ("faults_per_message_time_ratio", "x", "<=", 1.5),
    ("faults_per_message_reached", "share", ">=", 1.0),
    ("faults_template_send_calls", "calls", "<=", math.ceil(READERS / 500) * 2 + 5),
]


def build() -> tuple:
    from django.core.management import call_command

    from newsletter.models import MailingList, NewsletterIssuePage
    from tests.newsletter.sending.conftest import add_subscribers

    call_command("load_demo_content", stdout=open("/dev/null", "w"))  # noqa: SIM115
    issue = NewsletterIssuePage.objects.live().get(slug="spring-2024-wins-and-the-open-letter")
    readers = MailingList.objects.create(name="Bench faults", slug="bench-faults")
    add_subscribers(readers, READERS, prefix="faults")
    return issue, readers


def timed_send(issue, readers, server, *, batching: bool, faults: bool) -> tuple[float, int]:
    """Seconds for one whole send of the issue to the readers, and send calls made."""
    from django.conf import settings

    from newsletter.sending.freeze import create_send, freeze
    from newsletter.sending.worker import run_send

    settings.NEWSLETTER_TEMPLATE_BATCHING = batching
    server.fail_ratio(FAULT_RATIO if faults else 0.0, statuses=(500,), seed=13)
    calls_before = server.send_call_count
    dispatch = create_send(issue, [readers])
    started = time.perf_counter()
    freeze(dispatch, include_previous_recipients=True)
    run_send(dispatch.pk)
    seconds = time.perf_counter() - started
    return seconds, server.send_call_count - calls_before


def run() -> list[Result]:
    with harness.database() as url:
        harness.setup_django(url)
        from collections import Counter

        from django.conf import settings
        from django.db import connection

        from tests.support.fake_postmark import FakePostmark

        issue, readers = build()
        with FakePostmark() as server:
            settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
            settings.ANYMAIL = server.anymail_settings()
            clean, _ = timed_send(issue, readers, server, batching=False, faults=False)
            server.sent.clear()
            faulty, _ = timed_send(issue, readers, server, batching=False, faults=True)
            counts = Counter(message.to for message in server.sent)
            once = sum(1 for n in counts.values() if n == 1) / READERS
            server.sent.clear()
            _, template_calls = timed_send(issue, readers, server, batching=True, faults=True)
            template_counts = Counter(message.to for message in server.sent)
        connection.close()
    kind = harness.database_kind(url)
    bound = math.ceil(READERS / 500) * 2 + 5
    template_once = len(template_counts) == READERS and set(template_counts.values()) == {1}
    return [
        check(
            "faults_per_message_time_ratio", faulty / clean, "x", "<=", 1.5,
            f"{READERS:,} readers one message each, {FAULT_RATIO:.0%} of calls HTTP 500: "
            f"{faulty:.1f} s against {clean:.1f} s without faults ({kind})",
        ),
        check(
            "faults_per_message_reached", once, "share", ">=", 1.0,
            f"{sum(counts.values()):,} messages to {len(counts):,} readers",
        ),
        check(
            "faults_template_send_calls", template_calls, "calls", "<=", bound,
            f"Postmark stored template, {READERS:,} readers, {FAULT_RATIO:.0%} of calls failing; "
            f"everyone exactly once: {'yes' if template_once else 'NO'}",
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    harness.main(run)
