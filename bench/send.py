"""Sending benchmarks: 100,000 recipients through the real engine, Anymail and loopback Mailgun.

Builds a fresh database with the demo content (its published demo issue) and 100,000 active
subscribers on four lists (the first 5,000, 10,000, 40,000 and all 100,000), starts the loopback
Mailgun server (``tests/support/fake_mailgun.py``) in this process, then measures:

* ``send_100k_seconds``: wall time of ``manage.py newsletter_send ISSUE --list bench-100k
  --wait`` (one worker, in-process, the provider answering at once), from starting the command
  to its exit with every Delivery sent (checked in the database and at the server);
* ``send_floor_ratio``: that time over the time Anymail alone (``bench/anymail_floor.py``, its own
  process, no database) takes to post the same batches, same content, to the same server (the
  best of three runs). When it misses, the note says where the time goes (from the runs below);
* ``send_loop_floor_ratio``: the sending loop alone over that floor: the send runs again
  through ``bench/send_phases.py`` (the same command with its engine steps timed), and the loop
  is the time from the worker's first claim to it finding no batch left, i.e. the batches
  without process start-up, render, freeze and finishing; the best of three runs, each run
  right after one of the floor's (so that a busy spell on a shared machine slows both);
* ``send_admin_worker_floor_ratio`` (PostgreSQL): a send started as the admin's Send button
  starts it (``control.start``, the ``database`` task backend) and sent by one ``manage.py
  db_worker`` already running (started before, connected, idle), from the start call (which
  freezes) until the dispatch is ``sent``, over the floor; the best of two runs;
* ``send_memory_growth``: peak RSS of the sending process at 100,000 over that at 10,000;
* ``send_queries_per_batch``: SQL queries per 1,000-recipient batch, counted in this process
  while ``newsletter_send --wait`` runs: (queries at 10 batches - queries at 5 batches) / 5,
  i.e. what each extra batch costs while sending (claim, read, record, progress line), without
  BEGIN/COMMIT, as the engine's own test counts; freezing and BEGIN/COMMIT are in the note;
* ``send_vs_naive_ratio``: ``bench/naive_sender.py`` (render + one provider call per recipient)
  over ``newsletter_send --wait``, both whole processes, the same 5,000 recipients;
* ``send_workers_speedup`` (PostgreSQL): with 150 ms added to every provider call, the time
  from queueing the tasks to the dispatch being sent (40 batches, audience frozen beforehand),
  with 1 then 4 ``manage.py db_worker`` processes already running; best of two runs each, and
  the CPU each run used, to tell waiting from running out of cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.harness import Result, check, log, skipped

ISSUE = "spring-2024-wins-and-the-open-letter"
LISTS = {"bench-5k": 5_000, "bench-10k": 10_000, "bench-40k": 40_000, "bench-100k": 100_000}
WORKERS_LIST = "bench-40k"
WORKERS_LATENCY = 0.150
WORKERS_REPEATS = 2
LOOP_REPEATS = 3  # best of: the floor and the timed loop, in turn
ADMIN_REPEATS = 2  # best of: the admin-started send
FIGURES = [
    ("send_100k_seconds", "s", "<=", 30),
    ("send_floor_ratio", "x", "<=", 1.5),
    ("send_loop_floor_ratio", "x", "<=", 1.15),
    ("send_admin_worker_floor_ratio", "x", "<=", 1.4),
    ("send_memory_growth", "x", "<=", 1.2),
    ("send_queries_per_batch", "queries", "<=", 5),
    ("send_vs_naive_ratio", "x", ">=", 20),
    ("send_workers_speedup", "x", ">=", 3.0),
]


def build_audience() -> None:
    """100,000 active, express-consent subscribers; each list holds the first N of them."""
    from django.utils import timezone

    from newsletter.audience.bulk_insert import insert_ignoring_conflicts
    from newsletter.models import MailingList, Subscriber, Subscription
    from newsletter.models.audience import new_public_id

    total = max(LISTS.values())
    for start in range(0, total, 10_000):
        insert_ignoring_conflicts(
            Subscriber,
            {"language": "en"},
            [
                {
                    "email": f"reader{n}@example.org",
                    "name": f"Reader {n}",
                    "public_id": new_public_id(),
                }
                for n in range(start, min(start + 10_000, total))
            ],
        )
    ids = list(
        Subscriber.objects.filter(email__startswith="reader")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    for slug, size in LISTS.items():
        mailing_list = MailingList.objects.create(name=slug, slug=slug)
        constants = {
            "mailing_list_id": mailing_list.pk,
            "status": Subscription.Status.ACTIVE,
            "consent_type": Subscription.ConsentType.EXPRESS,
            "source": Subscription.Source.IMPORT,
            "consented_at": now,
        }
        for start in range(0, size, 10_000):
            insert_ignoring_conflicts(
                Subscription,
                constants,
                [
                    {"public_id": new_public_id(), "subscriber_id": pk}
                    for pk in ids[start : min(start + 10_000, size)]
                ],
            )


def settle_database() -> None:
    """After building 100,000 rows: statistics for the planner and the build's dirty pages
    written out, as on a database that has been up a while, so the first timed send does not
    pay for autovacuum or a checkpoint the build set off."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(DatabaseError):  # CHECKPOINT needs a superuser (or PG 15's
            cursor.execute("CHECKPOINT")  # pg_checkpoint role); without it, just skip it


def latest_dispatch():
    from newsletter.models import Dispatch

    return Dispatch.objects.order_by("-pk").first()


def verify_sent(server, expected: int) -> None:
    """Every Delivery of the last dispatch sent, and the server got each recipient once."""
    from newsletter.sending.progress import progress

    counts = progress(latest_dispatch())
    delivered = server.delivery_counts()
    if counts["sent"] != expected or len(delivered) != expected or set(delivered.values()) != {1}:
        raise RuntimeError(
            f"send incomplete: {counts}, server has {len(delivered)} addresses "
            f"({set(delivered.values())} deliveries each), expected {expected}"
        )


def send_command(list_slug: str, env: dict, server) -> harness.ChildRun:
    server.reset()
    result = harness.run_child(
        harness.manage(
            "newsletter_send", ISSUE, "--list", list_slug, "--wait", "--include-previous-recipients"
        ),
        env,
    )
    if result.returncode:
        raise RuntimeError(f"newsletter_send failed: {result.stderr[-3000:]}")
    verify_sent(server, LISTS[list_slug])
    return result


# --- the floor: Anymail alone ------------------------------------------------------------------


def prepare_floor(dispatch, path: str) -> int:
    """The batches the engine posted for ``dispatch``: content and per-recipient merge values."""
    from django.core import signing

    from newsletter.audience.tokens import SEP, SUBSCRIBER_SALT, preferences_url, unsubscribe_url
    from newsletter.issues.merge_tags import MERGE_FIELDS, merge_tag
    from newsletter.models import Batch, Delivery

    def inline(text: str) -> str:
        for key in MERGE_FIELDS:
            text = text.replace(merge_tag(key), f"%recipient.{key}%")
        return text

    class Probe:
        public_id = "PUBLICID"

    signer = signing.Signer(salt=SUBSCRIBER_SALT, sep=SEP)
    token = signer.sign(Probe.public_id)
    unsubscribe = unsubscribe_url(Probe).replace(token, "{}")
    preferences = preferences_url(Probe).replace(token, "{}")
    batches = []
    for batch_id in (
        Batch.objects.filter(dispatch=dispatch).order_by("number").values_list("pk", flat=True)
    ):
        batch = {}
        rows = Delivery.objects.filter(batch_id=batch_id).order_by("pk")
        for address, public_id, name in rows.values_list(
            "email", "subscriber__public_id", "subscriber__name"
        ):
            signed = signer.sign(public_id)
            batch[address] = {
                "name": name,
                "unsubscribe_url": unsubscribe.format(signed),
                "preferences_url": preferences.format(signed),
            }
        batches.append(batch)
    prepared = {
        "subject": dispatch.subject,
        "from_email": dispatch.from_email,
        "reply_to": [dispatch.reply_to] if dispatch.reply_to else None,
        "html": inline(dispatch.html),
        "text": inline(dispatch.text),
        "batches": batches,
    }
    with open(path, "wb") as file:
        pickle.dump(prepared, file)
    return len(batches)


@contextlib.contextmanager
def floor_batches(dispatch) -> Iterator[str]:
    """A file with ``dispatch``'s batches as the floor posts them (see :func:`prepare_floor`)."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        prepare_floor(dispatch, file.name)
        yield file.name


def floor_seconds(batches: str, expected: int, env: dict, server) -> float:
    """Anymail alone posting the batches in the file ``batches`` (its own process)."""
    server.reset()
    floor_env = {**env, "DATABASE_URL": "sqlite:///:memory:"}  # no database
    result = harness.run_child([harness.PYTHON, "-m", "bench.anymail_floor", batches], floor_env)
    if result.returncode:
        raise RuntimeError(f"anymail_floor failed: {result.stderr[-3000:]}")
    if server.total_deliveries != expected:
        raise RuntimeError(f"floor delivered {server.total_deliveries} of {expected}")
    return json.loads(result.stdout.strip().splitlines()[-1])["seconds"]


STEPS = ("render", "freeze", "claim", "recipients", "links", "mark", "wait", "record", "progress",
         "finish")  # fmt: skip
ALONGSIDE = ("payload", "gate", "http")


@dataclass
class Phases:
    """One send through bench/send_phases.py: its wall time, the seconds per step of the
    command's thread ("main") and of the engine's poster thread ("alongside"), and the
    sending loop's own seconds (first claim to no batch left)."""

    seconds: float
    steps: dict[str, dict[str, float]]
    loop: float
    loop_cpu: float  # the command's thread's CPU seconds in the loop
    poster_cpu: float  # the poster thread's CPU seconds (its calls)


def send_phases(list_slug: str, env: dict, server) -> Phases:
    """The send again through bench/send_phases.py, its steps timed."""
    server.reset()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        result = harness.run_child(
            [
                harness.PYTHON,
                "-m",
                "bench.send_phases",
                ISSUE,
                "--list",
                list_slug,
                "--wait",
                "--include-previous-recipients",
            ],
            {**env, "BENCH_PHASES_OUT": out.name},
        )
        if result.returncode:
            raise RuntimeError(f"send_phases failed: {result.stderr[-3000:]}")
        verify_sent(server, LISTS[list_slug])
        steps = json.loads(Path(out.name).read_text())
    marks, cpu = steps.pop("marks", {}), steps.pop("cpu", {})
    main = steps.setdefault("main", {})
    main["start-up"] = result.seconds - sum(main.values())
    loop = marks.get("loop_end", 0.0) - marks.get("loop_start", 0.0)
    if loop <= 0:
        raise RuntimeError(f"send_phases: no sending loop found ({marks})")
    loop_cpu = marks["loop_end_cpu"] - marks["loop_start_cpu"]
    return Phases(result.seconds, steps, loop, loop_cpu, cpu.get("alongside", 0.0))


# Steps that come before the first provider call, or after the last: not the sending loop.
BEFORE_AND_AFTER = ("start-up", "render", "freeze", "finish")


def phases_note(phases: Phases, floor: float) -> str:
    """Where the time goes, and the bound the steps outside the sending loop put on the ratio:
    even a loop as fast as Anymail alone gives (outside + floor) / floor."""
    main, alongside = phases.steps.get("main", {}), phases.steps.get("alongside", {})
    parts = ", ".join(f"{k} {main[k]:.1f}" for k in ["start-up", *STEPS] if main.get(k, 0) >= 0.05)
    beside = ", ".join(f"{k} {alongside[k]:.1f}" for k in ALONGSIDE if k in alongside)
    outside = sum(main.get(k, 0) for k in BEFORE_AND_AFTER)
    return (
        f"where a {phases.seconds:.1f} s send goes (s): {parts}; in the poster thread: "
        f"{beside}; the sending loop took {phases.loop:.1f} s ({phases.loop / floor:.2f}x the "
        f"floor); start-up, render, freeze and finish ({outside:.1f} s) alone bound the ratio "
        f"at {(outside + floor) / floor:.2f} even with a loop as fast as the floor"
    )


def loop_ratio(runs: list[Phases], floor: float) -> Result:
    """``send_loop_floor_ratio``: the best sending loop over the floor, and where it goes."""
    best = min(runs, key=lambda p: p.loop)
    main, alongside = best.steps.get("main", {}), best.steps.get("alongside", {})
    inside = [k for k in STEPS if k not in BEFORE_AND_AFTER and main.get(k, 0) >= 0.05]
    parts = ", ".join(f"{k} {main[k]:.2f}" for k in inside)
    busy = alongside.get("payload", 0) + alongside.get("http", 0)
    beside = ", ".join(f"{k} {alongside[k]:.2f}" for k in ALONGSIDE if k in alongside)
    return check(
        "send_loop_floor_ratio", best.loop / floor, "x", "<=", 1.15,
        f"the 100 batches from the first claim to none left: {best.loop:.2f} s (best of "
        f"{', '.join(f'{p.loop:.2f}' for p in runs)} s), Anymail alone {floor:.2f} s; the "
        f"command's thread (s): {parts}, CPU {best.loop_cpu:.2f}; the poster thread: {beside}, "
        f"CPU {best.poster_cpu:.2f}, neither building nor posting a request "
        f"{best.loop - busy:.2f}",
    )  # fmt: skip


# --- queries per batch -----------------------------------------------------------------------


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _top_level_from(text: str) -> str:
    """The table after the first FROM outside parentheses (subqueries come first otherwise)."""
    depth, upper = 0, text.upper()
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(" FROM ", i):
            return text[i + 6 :].split(" ", 1)[0].strip('"')
    return ""


def query_kind(sql: str) -> str:
    """A short label for a query: statement and table, and the status an UPDATE sets."""
    text = " ".join(sql.split())
    verb = text.split(" ", 1)[0].upper()
    if verb in TRANSACTION_CONTROL:
        return verb
    if verb == "INSERT":
        return f"INSERT {text.split(' INTO ', 1)[1].split(' ', 1)[0].strip(chr(34))}"
    if verb == "WITH":  # a data-modifying WITH: label each statement in it, in order
        parts = re.findall(r"(?:UPDATE|INSERT INTO|DELETE FROM) .*?(?= WHERE |\)|$)", text)
        return " + ".join(query_kind(part) for part in parts) + " (one statement)"
    if verb == "UPDATE":
        table = text.split(" ", 2)[1].strip('"')
        assignment = text.split(" SET ", 1)[1].split(" WHERE ", 1)[0].split(",")[0]
        if "status" in assignment.split("=")[0]:
            return f"UPDATE {table} status={assignment.split('=', 1)[1].strip()}"
        return f"UPDATE {table}"
    label = f"{verb} {_top_level_from(text)}"
    if "FOR UPDATE" in text:
        label += " FOR UPDATE"
    elif "COUNT(" in text.upper():
        label += " COUNT"
    return label


def queries_for(list_slug: str, server) -> Counter:
    """Queries this process makes while ``newsletter_send --wait`` sends to the list."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    server.reset()
    with open(os.devnull, "w") as devnull, CaptureQueriesContext(connection) as captured:
        call_command(
            "newsletter_send", ISSUE, "--list", list_slug, "--wait",
            "--include-previous-recipients", stdout=devnull,
        )  # fmt: skip
    if list_slug in LISTS:
        verify_sent(server, LISTS[list_slug])
    return Counter(query_kind(q["sql"]) for q in captured.captured_queries)


FREEZE = ("INSERT newsletter_batch", "INSERT newsletter_delivery")


def queries_per_batch(server) -> tuple[float, str]:
    """Queries each extra 1,000-recipient batch costs while sending (claim, read recipients,
    record the outcome, the command's progress line), as the engine's own test counts them:
    without transaction control. Freezing and BEGIN/COMMIT are given beside it."""
    queries_for("supporters", server)  # warm up: the issue's render is cached from here on
    small, large = queries_for("bench-5k", server), queries_for("bench-10k", server)
    batches = (LISTS["bench-10k"] - LISTS["bench-5k"]) // 1000
    kinds = {k: (large[k] - small[k]) / batches for k in large | small}
    kinds = {k: v for k, v in kinds.items() if v}
    loop = {k: v for k, v in kinds.items() if k not in FREEZE and k not in TRANSACTION_CONTROL}
    freeze = sum(v for k, v in kinds.items() if k in FREEZE)
    control = sum(v for k, v in kinds.items() if k in TRANSACTION_CONTROL)
    detail = "; ".join(f"{k} {v:g}" for k, v in sorted(loop.items(), key=lambda i: -i[1]))
    return sum(loop.values()), (
        f"per batch: {detail}; plus {freeze:g} to freeze and {control:g} BEGIN/COMMIT"
    )


# --- workers ---------------------------------------------------------------------------------


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    args = harness.manage("db_worker", "--interval", "0.05", "--no-startup-delay", "-v", "0")
    return [
        subprocess.Popen(
            [*args, "--worker-id", f"bench-{n}"],
            cwd=harness.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def wait_until_connected(count: int, timeout: float = 60) -> None:
    """Until ``count`` other sessions are connected to our database (the workers polling)."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.1)
    raise RuntimeError("db_worker processes did not start")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class WorkersRun:
    count: int
    seconds: float
    utilisation: float  # of the whole machine
    workers_cpu: float
    mailgun_cpu: float  # this process: the loopback Mailgun server (and polling)
    other_cpu: float  # PostgreSQL and the rest

    @property
    def cpu(self) -> float:
        return self.workers_cpu + self.mailgun_cpu + self.other_cpu

    def __str__(self) -> str:
        return (
            f"{self.count} worker{'s' if self.count > 1 else ''} {self.seconds:.1f} s, machine "
            f"{self.utilisation:.0%} busy (CPU s: workers {self.workers_cpu:.1f}, loopback "
            f"Mailgun {self.mailgun_cpu:.1f}, PostgreSQL+rest {self.other_cpu:.1f})"
        )


def workers_run(count: int, env: dict, server) -> WorkersRun:
    """From queueing ``count`` tasks to the dispatch sent, and where the CPU went."""
    from newsletter.models import Dispatch, MailingList, NewsletterIssuePage
    from newsletter.sending.freeze import create_send, freeze
    from newsletter.sending.tasks import send_batches

    server.reset()
    server.latency = WORKERS_LATENCY
    issue = NewsletterIssuePage.objects.get(slug=ISSUE)
    dispatch = create_send(issue, [MailingList.objects.get(slug=WORKERS_LIST)])
    freeze(dispatch, include_previous_recipients=True)
    processes = start_workers(count, env)
    try:
        wait_until_connected(count)
        idle_cpu = sum(harness.process_cpu(p.pid) for p in processes)
        with harness.CpuMeter() as meter:
            for _ in range(count):
                send_batches.enqueue(dispatch.pk)
            deadline = time.perf_counter() + 300
            while time.perf_counter() < deadline:
                status = Dispatch.objects.values_list("status", flat=True).get(pk=dispatch.pk)
                if status in Dispatch.FINISHED:
                    break
                time.sleep(0.02)
            workers_cpu = sum(harness.process_cpu(p.pid) for p in processes) - idle_cpu
    finally:
        stop(processes)
        server.latency = 0
    verify_sent(server, LISTS[WORKERS_LIST])
    other = max(0.0, meter.busy - workers_cpu - meter.own)
    return WorkersRun(count, meter.wall, meter.utilisation, workers_cpu, meter.own, other)


def workers_speedup(env: dict, server) -> Result:
    """Best of two runs each (the machine is shared), and the CPU-bound ceiling."""
    runs: dict[int, list[WorkersRun]] = {1: [], 4: []}
    for _ in range(WORKERS_REPEATS):
        for count in runs:
            runs[count].append(workers_run(count, env, server))
    one = min(runs[1], key=lambda r: r.seconds)
    four = min(runs[4], key=lambda r: r.seconds)
    cores = os.cpu_count() or 1
    ceiling = one.seconds / max(four.cpu / cores, WORKERS_LATENCY)
    return check(
        "send_workers_speedup", one.seconds / four.seconds, "x", ">=", 3.0,
        f"{LISTS[WORKERS_LIST] // 1000} batches, best of {WORKERS_REPEATS}: {one}; {four}; "
        f"4 workers need {four.cpu:.1f} CPU s, so {cores} cores cap the speedup at "
        f"{ceiling:.1f}x",
    )  # fmt: skip


@dataclass
class AdminRun:
    seconds: float  # the start call until the dispatch is sent
    start_call: float  # control.start: freeze and queue the task
    picked_up: float  # then until the worker's first batch is in flight
    sending: float  # then until the dispatch is marked sent


def admin_worker_run(env: dict, server) -> AdminRun:
    """A send to 100,000 started as the admin's Send button starts it, sent by a warm worker."""
    from newsletter.models import Batch, Dispatch, MailingList, NewsletterIssuePage
    from newsletter.sending import control
    from newsletter.sending.freeze import create_send

    server.reset()
    issue = NewsletterIssuePage.objects.get(slug=ISSUE)
    dispatch = create_send(issue, [MailingList.objects.get(slug="bench-100k")])  # the render
    processes = start_workers(1, env)
    try:
        wait_until_connected(1)
        time.sleep(1.0)  # idle, polling its queue
        started, wall = time.perf_counter(), time.time()
        control.start(dispatch, include_previous_recipients=True)  # what the Send button calls
        queued = time.perf_counter()
        deadline = started + 300
        while time.perf_counter() < deadline:
            status = Dispatch.objects.values_list("status", flat=True).get(pk=dispatch.pk)
            if status in Dispatch.FINISHED:
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    finally:
        stop(processes)
    dispatch.refresh_from_db()
    if dispatch.status != Dispatch.Status.SENT:
        raise RuntimeError(f"admin-started send ended {dispatch.status}: {dispatch.last_error}")
    verify_sent(server, LISTS["bench-100k"])
    # The first batch's claimed_at is when it was committed in flight (the lease's start).
    first = Batch.objects.filter(dispatch=dispatch).order_by("number").first().claimed_at
    in_flight, finished = first.timestamp() - wall, dispatch.finished_at.timestamp() - wall
    start_call = queued - started
    return AdminRun(seconds, start_call, in_flight - start_call, finished - in_flight)


def admin_worker_ratio(env: dict, server, floor: float) -> Result:
    """``send_admin_worker_floor_ratio``: the best of :data:`ADMIN_REPEATS` such sends."""
    runs = [admin_worker_run(env, server) for _ in range(ADMIN_REPEATS)]
    best = min(runs, key=lambda r: r.seconds)
    return check(
        "send_admin_worker_floor_ratio", best.seconds / floor, "x", "<=", 1.4,
        f"100,000 recipients, control.start() then one warm db_worker: {best.seconds:.2f} s "
        f"(best of {', '.join(f'{r.seconds:.2f}' for r in runs)} s): the start call (freeze, "
        f"queue the task) {best.start_call:.2f}, then until the first batch was in flight "
        f"{best.picked_up:.2f}, then until the send was marked sent {best.sending:.2f}; "
        f"Anymail alone {floor:.2f} s",
    )  # fmt: skip


# --- the run ---------------------------------------------------------------------------------


def run() -> list[Result]:
    from tests.support.fake_mailgun import FakeMailgun

    results: list[Result] = []
    with FakeMailgun() as server, harness.database() as url:
        os.environ.update(server.environment(), TASKS_BACKEND="database")
        harness.setup_django(url)
        from django.db import connection

        postgres = connection.vendor == "postgresql"
        db_note = "PostgreSQL" if postgres else "SQLite"
        log(f"send: building the demo content and {max(LISTS.values()):,} subscribers")
        harness.load_demo_content()
        build_audience()
        settle_database()
        env = harness.child_env(url, **server.environment(), TASKS_BACKEND="immediate")

        log("send: newsletter_send --wait to 100,000")
        big = send_command("bench-100k", env, server)
        dispatch = latest_dispatch()
        results.append(
            check("send_100k_seconds", big.seconds, "s", "<=", 30, f"{db_note}, 1 worker")
        )
        log(f"send: 100k in {big.seconds:.1f} s, peak RSS {big.peak_rss_mb:.0f} MB")
        log("send: the floor, and the sending loop with its steps timed, in turn")
        floors, phases = [], []
        with floor_batches(dispatch) as batches:
            for _ in range(LOOP_REPEATS):  # in turn: a busy spell slows both alike
                floors.append(floor_seconds(batches, dispatch.total, env, server))
                phases.append(send_phases("bench-100k", env, server))
        floor = min(floors)
        ratio = check(
            "send_floor_ratio", big.seconds / floor, "x", "<=", 1.5,
            f"Anymail alone: {floor:.1f} s for the same {dispatch.batches.count()} calls (best "
            f"of {', '.join(f'{f:.1f}' for f in floors)} s)",
        )  # fmt: skip
        if not ratio.ok:
            ratio.note += "; " + phases_note(min(phases, key=lambda p: p.loop), floor)
        results += [ratio, loop_ratio(phases, floor)]
        if postgres:
            log("send: started as the admin starts it, sent by a warm db_worker")
            worker_env = harness.child_env(url, **server.environment(), TASKS_BACKEND="database")
            results.append(admin_worker_ratio(worker_env, server, floor))
        else:
            results.append(
                skipped("send_admin_worker_floor_ratio", "x", "<=", 1.4, "needs PostgreSQL")
            )

        log("send: newsletter_send --wait to 10,000")
        small = send_command("bench-10k", env, server)
        results.append(
            check(
                "send_memory_growth", big.peak_rss_mb / small.peak_rss_mb, "x", "<=", 1.2,
                f"peak RSS {big.peak_rss_mb:.0f} MB at 100k, {small.peak_rss_mb:.0f} MB at 10k",
            )
        )  # fmt: skip

        log("send: queries per batch")
        per_batch, detail = queries_per_batch(server)
        results.append(check("send_queries_per_batch", per_batch, "queries", "<=", 5, detail))

        log("send: naive sender vs ours, 5,000 recipients")
        ours = send_command("bench-5k", env, server)
        server.reset()
        naive = harness.run_child(
            [harness.PYTHON, "-m", "bench.naive_sender", ISSUE, "bench-5k"], env
        )
        if naive.returncode:
            raise RuntimeError(f"naive sender failed: {naive.stderr[-3000:]}")
        if server.total_deliveries != LISTS["bench-5k"]:
            raise RuntimeError(f"naive sender delivered {server.total_deliveries}")
        results.append(
            check(
                "send_vs_naive_ratio", naive.seconds / ours.seconds, "x", ">=", 20,
                f"naive {naive.seconds:.1f} s, ours {ours.seconds:.1f} s (whole processes)",
            )
        )  # fmt: skip

        if postgres:
            log("send: 1 worker vs 4, 150 ms per provider call")
            results.append(workers_speedup(worker_env, server))
        else:
            results.append(
                skipped("send_workers_speedup", "x", ">=", 3.0, "needs PostgreSQL (DATABASE_URL)")
            )
        connection.close()
    return results


if __name__ == "__main__":
    harness.main(run)
