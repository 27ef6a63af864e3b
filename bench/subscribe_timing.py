"""Does the time the subscribe endpoints take reveal whether an address is known?

    python -m bench.subscribe_timing [--rounds 400] [--threshold 5]

Builds a fresh database with one public list and addresses in each state, serves the site with
gunicorn (1 sync worker, ``TASKS_BACKEND=database`` as in production, so a confirmation email
is a queued task, not sent inside the request) and signs up, over HTTP:

* ``new``: an address never seen;
* ``pending``: an address that signed up moments ago and has not confirmed;
* ``pending, due``: one that signed up two days ago (its confirmation email is sent again);
* ``active``: a confirmed subscriber;
* ``suppressed``: a subscriber whose address bounced.

each through the form (``POST /newsletter/subscribe/``, with its CSRF token) and the JSON API
(``POST /api/newsletter/subscribe/``). Every address is used once. Each round sends one request
per case and endpoint, in a shuffled order, so that drift in the machine's load falls on every
case alike. It prints the medians (and quartiles) per case, checks that every case got the same
answer, and says whether the medians of one endpoint differ by more than ``--threshold`` percent.

Under ``python -m bench.run`` the figures are the largest spread of the medians per endpoint, in
percent of the smallest (target: at most 5).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench import harness
from bench.harness import Result, check, log

LIST_SLUG = "bench-news"
CASES = ["new", "pending", "pending, due", "active", "suppressed"]
ENDPOINTS = ["form", "api"]
ROUNDS = 400
WARM_UP = 30
THRESHOLD_PCT = 5.0
FIGURES = [
    ("subscribe_form_timing_spread_pct", "%", "<=", THRESHOLD_PCT),
    ("subscribe_api_timing_spread_pct", "%", "<=", THRESHOLD_PCT),
]
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION_INPUT = re.compile(r'name="consent_version" value="([^"]*)"')


@dataclass
class Samples:
    """The timings (ms) of one case on one endpoint, and the answers it got."""

    ms: list[float] = field(default_factory=list)
    answers: set[tuple[int, str]] = field(default_factory=set)

    def quartiles(self) -> tuple[float, float, float]:
        q1, median, q3 = statistics.quantiles(self.ms, n=4, method="inclusive")
        return q1, median, q3


def address(case: str, n: int) -> str:
    return f"{case.replace(', ', '-')}-{n}@timing.example.org"


def build_audience(count: int) -> None:
    """``count`` addresses in each known state (``new`` ones are simply not created)."""
    from django.utils import timezone

    from newsletter.models import MailingList, Subscriber, Subscription, Suppression
    from newsletter.models.audience import new_public_id

    mailing_list = MailingList.objects.create(name="Bench news", slug=LIST_SLUG, is_public=True)
    now = timezone.now()
    states = {
        "pending": (Subscription.Status.PENDING, now),
        "pending, due": (Subscription.Status.PENDING, now - datetime.timedelta(days=2)),
        "active": (Subscription.Status.ACTIVE, None),
        "suppressed": (Subscription.Status.ACTIVE, None),
    }
    for case, (status, sent_at) in states.items():
        subscribers = Subscriber.objects.bulk_create(
            Subscriber(email=address(case, n), public_id=new_public_id()) for n in range(count)
        )
        Subscription.objects.bulk_create(
            Subscription(
                subscriber=subscriber,
                mailing_list=mailing_list,
                status=status,
                consent_type=Subscription.ConsentType.EXPRESS,
                source=Subscription.Source.FORM,
                confirmation_sent_at=sent_at,
                public_id=new_public_id(),
            )
            for subscriber in subscribers
        )
    Suppression.objects.bulk_create(
        Suppression(email=address("suppressed", n), reason=Suppression.Reason.HARD_BOUNCE)
        for n in range(count)
    )


class Client:
    """Timed sign-ups against one server (a new connection per request, as gunicorn's sync
    workers close each one)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        _status, headers, body = self.request("GET", f"/newsletter/subscribe/?list={LIST_SLUG}")
        cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
        self.cookie = cookie.split(";", 1)[0]
        self.csrf = _CSRF_INPUT.search(body).group(1)  # type: ignore[union-attr]
        version = _VERSION_INPUT.search(body)
        self.consent_version = version.group(1) if version else ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, list[tuple[str, str]], str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read().decode()
        finally:
            connection.close()

    def form(self, email: str) -> tuple[int, str]:
        fields = {
            "csrfmiddlewaretoken": self.csrf,
            "email": email,
            "name": "",
            "language": "en",
            "consent": "on",
            "list": LIST_SLUG,
            "consent_version": self.consent_version,
        }
        status, headers, _body = self.request(
            "POST",
            "/newsletter/subscribe/",
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie},
        )
        return status, dict(headers).get("Location", "")

    def api(self, email: str) -> tuple[int, str]:
        payload = {"email": email, "list": LIST_SLUG, "consent": True, "language": "en"}
        status, _headers, body = self.request(
            "POST",
            "/api/newsletter/subscribe/",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        return status, body


def measure(client: Client, rounds: int, warm_up: int) -> dict[tuple[str, str], Samples]:
    """Interleaved, shuffled rounds; the first ``warm_up`` rounds are not kept."""
    calls: dict[str, Callable[[str], tuple[int, str]]] = {"form": client.form, "api": client.api}
    samples = {(case, endpoint): Samples() for case in CASES for endpoint in ENDPOINTS}
    order = list(samples)
    shuffler = random.Random(2026)
    for n in range(warm_up + rounds):
        shuffler.shuffle(order)
        for case, endpoint in order:
            email = address(case, 2 * n + ENDPOINTS.index(endpoint))
            started = time.perf_counter()
            answer = calls[endpoint](email)
            elapsed = (time.perf_counter() - started) * 1000
            if n >= warm_up:
                samples[case, endpoint].ms.append(elapsed)
                samples[case, endpoint].answers.add(answer)
        if n and n % 100 == 0:
            log(f"subscribe timing: {n}/{warm_up + rounds} rounds")
    return samples


def spread_pct(samples: dict[tuple[str, str], Samples], endpoint: str) -> float:
    """How far apart an endpoint's case medians are, in percent of the smallest."""
    medians = [samples[case, endpoint].quartiles()[1] for case in CASES]
    return (max(medians) - min(medians)) / min(medians) * 100


def print_table(samples: dict[tuple[str, str], Samples], threshold: float) -> None:
    for endpoint in ENDPOINTS:
        medians = {case: samples[case, endpoint].quartiles()[1] for case in CASES}
        base = min(medians.values())
        print(f"\n{endpoint}: {len(samples[CASES[0], endpoint].ms)} requests per case")
        print(f"  {'case':<14} {'median ms':>10} {'q1':>8} {'q3':>8} {'vs fastest':>11}  answer")
        for case in CASES:
            q1, median, q3 = samples[case, endpoint].quartiles()
            answers = samples[case, endpoint].answers
            answer = "; ".join(f"{s} {a[:40]}" for s, a in sorted(answers))
            print(
                f"  {case:<14} {median:>10.2f} {q1:>8.2f} {q3:>8.2f} "
                f"{(median / base - 1) * 100:>+10.1f}%  {answer}"
            )
        spread = spread_pct(samples, endpoint)
        same = len({frozenset(samples[case, endpoint].answers) for case in CASES}) == 1
        verdict = "MORE" if spread > threshold else "not more"
        print(
            f"  medians differ by {spread:.1f}%: {verdict} than {threshold:g}%; "
            f"answers {'identical' if same else 'DIFFER'} across cases"
        )


def collect(rounds: int, warm_up: int) -> tuple[dict[tuple[str, str], Samples], str]:
    """Build the database, serve it, measure; the samples and a note on how."""
    with harness.database() as url:
        harness.setup_django(url)
        log("subscribe timing: building the audience")
        build_audience(2 * (warm_up + rounds))
        from django.db import connection

        connection.close()
        env = harness.child_env(
            url,
            TASKS_BACKEND="database",
            EMAIL_ESP="locmem",
            NEWSLETTER_SUBSCRIBE_RATE="100000000/h",  # the rate limit is not what is measured
        )
        with harness.gunicorn(env, workers=1) as base:
            log(f"subscribe timing: {rounds} rounds of {len(CASES) * len(ENDPOINTS)} requests")
            samples = measure(Client(base), rounds, warm_up)
    note = (
        f"{rounds} requests per case (new, pending, pending due, active, suppressed), "
        f"interleaved; gunicorn 1 sync worker, {harness.database_kind(url)}"
    )
    return samples, note


def run() -> list[Result]:
    samples, note = collect(ROUNDS, WARM_UP)
    print_table(samples, THRESHOLD_PCT)
    return [
        check(
            f"subscribe_{endpoint}_timing_spread_pct",
            spread_pct(samples, endpoint),
            "%",
            "<=",
            THRESHOLD_PCT,
            f"largest gap between case medians; {note}",
        )
        for endpoint in ENDPOINTS
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="requests per case")
    parser.add_argument("--warm-up", type=int, default=WARM_UP, help="rounds not kept")
    parser.add_argument("--threshold", type=float, default=THRESHOLD_PCT, help="percent")
    parser.add_argument("--json", help="write the figures there (used by bench.run)")
    args = parser.parse_args()
    if args.json:  # under bench.run: the defaults, the figures to the file
        results = run()
        Path(args.json).write_text(json.dumps([r.as_json() for r in results]))
        return
    samples, note = collect(args.rounds, args.warm_up)
    print_table(samples, args.threshold)
    print(f"\n{note}\nmachine: {harness.machine()}")


if __name__ == "__main__":
    main()
