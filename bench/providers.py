"""Template batching benchmarks: 100,000 recipients through Postmark, Amazon SES and Brevo.

Builds a fresh database with the demo content (its published demo issue) and the 100,000
subscribers of ``bench.send`` (:func:`bench.send.build_audience`), then for each provider, with
its loopback server (``tests/support/fake_*.py``, lean: no bodies kept) in this process and the
earlier providers' sends removed first (each send is the issue's first):

* ``providers_<name>_calls_100k``: the API calls ``manage.py newsletter_send ISSUE --list
  bench-100k --wait`` made, as the server counted them: send calls (one per 500 readers at
  Postmark, 50 at Amazon SES, 1,000 at Brevo) plus template calls (store the send's template
  once, remove it at the end). The send must reach every recipient exactly once (the server's
  delivery counts, every Delivery sent), with every template variable present and the template
  gone afterwards;
* ``providers_<name>_floor_ratio``: that command's whole wall time over the time Anymail alone
  (``bench/anymail_floor.py --template``, its own process, no database) takes to post the same
  batches with ``template_id``, ``merge_data`` and per-recipient ``merge_headers`` to a fresh
  server, the template stored there beforehand (not timed). When it misses, the send runs again
  with its steps timed (``python -m bench.providers --phases``: ``bench/send_phases.py`` plus
  the template provider's steps) and the note says where the time goes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import resource
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.harness import Result, check, log
from bench.send import (
    ISSUE,
    LISTS,
    build_audience,
    latest_dispatch,
    prepare_floor,
    settle_database,
    verify_sent,
)

LIST = "bench-100k"
RATIO_TARGET = 1.5
# (figure name, Anymail provider name, API calls target: send calls + template calls)
PROVIDERS = [("postmark", "postmark", 205), ("ses", "amazon_ses", 2010), ("brevo", "brevo", 105)]
FIGURES = [
    figure
    for short, _provider, calls in PROVIDERS
    for figure in (
        (f"providers_{short}_calls_100k", "calls", "<=", calls),
        (f"providers_{short}_floor_ratio", "x", "<=", RATIO_TARGET),
    )
]


def fake_server(provider: str):
    """A lean loopback server for ``provider`` (no message bodies kept: 100,000 of them would
    take gigabytes)."""
    if provider == "postmark":
        from tests.support.fake_postmark import FakePostmark

        return FakePostmark(keep_bodies=False)
    if provider == "amazon_ses":
        from tests.support.fake_ses import FakeSES

        return FakeSES(keep_bodies=False)
    from tests.support.fake_brevo import FakeBrevo

    return FakeBrevo(keep_bodies=False)


def template_calls(server) -> list[str]:
    """The template API calls the server answered, as "METHOD status"."""
    calls = []
    for call in server.template_calls:
        method, status = (call["method"], call["status"]) if isinstance(call, dict) else call[::2]
        calls.append(f"{method} {status}")
    return calls


def check_server(server, expected: int) -> None:
    """Every recipient once (:func:`bench.send.verify_sent`), no template variable missing,
    no error in the fake."""
    verify_sent(server, expected)
    if server.missing or server.errors:
        raise RuntimeError(
            f"{type(server).__name__}: {len(server.missing)} variables missing "
            f"(first: {server.missing[:3]}), errors: {server.errors[:3]}"
        )


def clear_sends() -> None:
    """Remove every earlier send (deliveries, batches, tracking events), then settle the
    database: each provider's send starts from the same state, a first send of the issue
    (with earlier ones, the command counts who already got it, and the freeze leaves them
    out, over every earlier delivery). Plain DELETEs: Django's cascade would read each
    delivery first."""
    from django.db import connection

    from newsletter.models import Batch, Delivery, Dispatch, DispatchVersion, TrackingEvent

    tables = [
        TrackingEvent, Delivery, Batch, DispatchVersion, Dispatch.mailing_lists.through, Dispatch,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    settle_database()


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_child(args: list[str], env: dict, what: str) -> tuple[harness.ChildRun, float]:
    """Run a child to completion: its run and the CPU seconds it used."""
    before = children_cpu()
    result = harness.run_child(args, env, timeout=1800)
    if result.returncode:
        raise RuntimeError(f"{what} failed: {result.stderr[-3000:]}")
    return result, children_cpu() - before


def send_command(env: dict) -> tuple[harness.ChildRun, float]:
    """``newsletter_send --wait`` to the 100,000 (previous recipients included: each provider
    sends the same issue to the same list); the run and its CPU seconds."""
    args = ["newsletter_send", ISSUE, "--list", LIST, "--wait", "--include-previous-recipients"]
    return timed_child(harness.manage(*args), env, "newsletter_send")


# --- the floor: Anymail alone ------------------------------------------------------------------


def prepare_template_floor(dispatch, provider: str, path: str) -> int:
    """The batches the engine posted for ``dispatch`` as the engine sends them to a template
    provider (each reader's template variables), the send's template, sender, bulk headers and
    Anymail extras: a pickle for ``bench.anymail_floor --template``."""
    from newsletter.issues.messages import Content, bulk_headers
    from newsletter.sending.providers import TemplateBatchProvider
    from newsletter.sending.stored_templates import SYNTAX, merge_values, template_content

    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        prepare_floor(dispatch, file.name)  # the batches and each reader's values
        batches = pickle.loads(Path(file.name).read_bytes())["batches"]
    syntax = SYNTAX[provider]
    content = Content.of_send(dispatch)
    template = template_content(provider, dispatch.pk, content.subject, content.html, content.text)
    prepared = {
        "provider": provider,
        "template": dataclasses.asdict(template),
        "from_email": content.from_email,
        "reply_to": content.reply_to,
        "headers": bulk_headers(content),
        "extras": TemplateBatchProvider(provider).extras(content),
        "batches": [
            {address: merge_values(syntax, values) for address, values in batch.items()}
            for batch in batches
        ],
    }
    Path(path).write_bytes(pickle.dumps(prepared))
    return len(batches)


@dataclass
class Floor:
    seconds: float  # the timed posting loop
    calls: int
    cpu: float  # the whole floor process (start-up and template upload included)


def floor_run(dispatch, provider: str, url: str) -> Floor:
    """Anymail alone posting the send's batches to a fresh server."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as file, fake_server(provider) as server:
        batches = prepare_template_floor(dispatch, provider, file.name)
        env = harness.child_env(url, **server.environment(), DATABASE_URL="sqlite:///:memory:")
        args = [harness.PYTHON, "-m", "bench.anymail_floor", "--template", file.name]
        result, cpu = timed_child(args, env, "anymail_floor")
        delivered = server.delivery_counts()
        if len(delivered) != dispatch.total or set(delivered.values()) != {1}:
            raise RuntimeError(f"floor delivered to {len(delivered)} of {dispatch.total}")
        if server.send_call_count != batches or server.missing or server.errors:
            raise RuntimeError(
                f"floor: {server.send_call_count} calls for {batches} batches, "
                f"missing {server.missing[:3]}, errors {server.errors[:3]}"
            )
        calls = server.send_call_count
    return Floor(json.loads(result.stdout.strip().splitlines()[-1])["seconds"], calls, cpu)


# --- where the time goes -----------------------------------------------------------------------


def phases_child() -> None:
    """``python -m bench.providers --phases ISSUE --list SLUG ...``: ``bench.send_phases``
    with the template provider's steps timed too: ``ready`` (storing the template, in the
    command's thread), ``payload`` (TemplateBatchProvider.send, beside the call), ``boto3``
    (Amazon SES: botocore serialising, signing and parsing) and ``http``."""
    import django

    sys.path.insert(0, str(harness.ROOT / "site"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
    django.setup()
    from anymail.backends import amazon_ses
    from botocore.endpoint import Endpoint

    from bench import send_phases
    from newsletter.sending import providers

    send_phases.timed(providers.TemplateBatchProvider, "ready", "ready")
    send_phases.timed(providers.TemplateBatchProvider, "send", "payload")
    send_phases.timed(amazon_ses.EmailBackend, "post_to_esp", "boto3")
    send_phases.timed(Endpoint, "_send", "http")
    sys.argv = [sys.argv[0], *sys.argv[2:]]
    send_phases.main()


MAIN_STEPS = ("start-up", "render", "freeze", "ready", "claim", "recipients", "links", "mark",
              "wait", "record", "progress", "finish")  # fmt: skip
OUTSIDE_LOOP = ("start-up", "render", "freeze", "ready", "finish")


def send_phases(provider: str, url: str, floor: float) -> str:
    """The send again with its steps timed, to a fresh server: a note on where time goes."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out, fake_server(provider) as server:
        env = harness.child_env(
            url, **server.environment(), TASKS_BACKEND="immediate", BENCH_PHASES_OUT=out.name
        )
        args = ["--phases", ISSUE, "--list", LIST, "--wait", "--include-previous-recipients"]
        result, _cpu = timed_child([harness.PYTHON, "-m", "bench.providers", *args], env, "phases")
        check_server(server, LISTS[LIST])
        steps = json.loads(Path(out.name).read_text())
    main, beside = steps.get("main", {}), steps.get("alongside", {})
    marks, cpu = steps.get("marks", {}), steps.get("cpu", {})
    main["start-up"] = result.seconds - sum(main.values())
    parts = ", ".join(f"{k} {main[k]:.1f}" for k in MAIN_STEPS if main.get(k, 0) >= 0.05)
    alongside = ", ".join(f"{k} {v:.1f}" for k, v in beside.items() if v >= 0.05)
    outside = sum(main.get(k, 0) for k in OUTSIDE_LOOP)
    loop = marks.get("loop_end", 0) - marks.get("loop_start", 0)
    loop = loop if loop > 0 else result.seconds - outside
    threads = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
    return (
        f"where a {result.seconds:.1f} s send goes (s): {parts}; in the poster thread: "
        f"{alongside}; CPU s in timed steps: {threads or '-'}; the sending loop took "
        f"{loop:.1f} s ({loop / floor:.2f}x the floor); start-up, render, freeze, template "
        f"upload and finish ({outside:.1f} s) alone bound the ratio at "
        f"{(outside + floor) / floor:.2f}"
    )


# --- the run -----------------------------------------------------------------------------------


def measure(short: str, provider: str, calls_target: int, url: str) -> list[Result]:
    """The send through ``provider`` (calls, whole-process time), then its floor."""
    clear_sends()
    with fake_server(provider) as server:
        env = harness.child_env(url, **server.environment(), TASKS_BACKEND="immediate")
        log(f"providers: {provider}: newsletter_send --wait to 100,000")
        sent, sent_cpu = send_command(env)
        check_server(server, LISTS[LIST])
        sends, templates = server.send_call_count, template_calls(server)
        left = len(server.templates)
    dispatch = latest_dispatch()
    calls = check(
        f"providers_{short}_calls_100k", sends + len(templates), "calls", "<=", calls_target,
        f"{sends} send calls ({dispatch.batch_size} readers each) + {len(templates)} template "
        f"calls ({', '.join(templates)}); {sent.seconds:.1f} s, peak RSS "
        f"{sent.peak_rss_mb:.0f} MB; every recipient once",
    )  # fmt: skip
    if left:
        calls.ok = False
        calls.note += f"; {left} template(s) left at the provider"
    log(f"providers: {provider}: {sent.seconds:.1f} s, {calls.value:g} calls; the floor")
    floor = floor_run(dispatch, provider, url)
    ratio = check(
        f"providers_{short}_floor_ratio", sent.seconds / floor.seconds, "x", "<=", RATIO_TARGET,
        f"send {sent.seconds:.1f} s (whole process, {sent_cpu:.0f} CPU s); Anymail alone "
        f"{floor.seconds:.1f} s for the same {floor.calls} calls (one connection, template "
        f"stored beforehand; its process {floor.cpu:.0f} CPU s with start-up)",
    )  # fmt: skip
    if not ratio.ok:
        log(f"providers: {provider}: the floor ratio misses its target: timing the send's steps")
        clear_sends()
        ratio.note += "; " + send_phases(provider, url, floor.seconds)
    return [calls, ratio]


def run() -> list[Result]:
    results: list[Result] = []
    with harness.database() as url:
        harness.setup_django(url)
        from django.db import connection

        log(f"providers: building the demo content and {max(LISTS.values()):,} subscribers")
        harness.load_demo_content()
        build_audience()
        db_note = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        for short, provider, calls_target in PROVIDERS:
            measured = measure(short, provider, calls_target, url)
            for result in measured:
                result.note = f"{db_note}, 1 worker; {result.note}"
            results += measured
        connection.close()
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--phases"]:
        phases_child()
    else:
        harness.main(run)
