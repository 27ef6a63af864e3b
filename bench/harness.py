"""Shared benchmark plumbing: throwaway databases, Django, child processes, results with targets.

Every benchmark module (``bench/send.py``, ``bench/pages.py``, ...) has a ``run()`` returning a
list of :class:`Result` and ends with ``harness.main(run)``, so it runs on its own
(``python -m bench.send``) or under ``python -m bench.run``, which starts each module in its own
process (a fresh Django, a fresh database) and gathers the figures.

Databases: when ``DATABASE_URL`` points at a reachable PostgreSQL server, each benchmark creates
its own database on that server (``bench_<pid>_<n>``) and drops it afterwards; the database named
in ``DATABASE_URL`` itself is only used to connect and is never touched. Otherwise each benchmark
uses a SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
PYTHON = sys.executable
SERVER_URL_ENV = "BENCH_SERVER_DATABASE_URL"  # the PostgreSQL server run.py found reachable
# A shared cache (Redis) is left alone: benchmark processes use local memory, and only the
# page benchmark's gunicorn gets REDIS_URL back, with a key prefix of its own (bench/pages.py).
SHARED_CACHE_URL = os.environ.pop("REDIS_URL", "")


# --- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    value: float | None
    unit: str
    target: str  # e.g. "<= 50"
    ok: bool | None  # None: skipped
    note: str = field(default="")

    def as_json(self) -> dict:
        data = asdict(self)
        if not data["note"]:
            del data["note"]
        return data


def check(name: str, value: float, unit: str, op: str, target: float, note: str = "") -> Result:
    """A figure beside its target; ``op`` is "<=" or ">="."""
    ok = value <= target if op == "<=" else value >= target
    return Result(name, round(value, 3), unit, f"{op} {target:g}", ok, note)


def information(name: str, value: float, unit: str, note: str) -> Result:
    """A figure shown for context, with no target of its own (ok is None, target "-")."""
    return Result(name, round(value, 3), unit, "-", None, note)


def skipped(name: str, unit: str, op: str, target: float, reason: str) -> Result:
    """A figure that could not be measured here (e.g. it needs PostgreSQL)."""
    return Result(name, None, unit, f"{op} {target:g}", None, f"skipped: {reason}")


def skipped_without_postgres(figures: list[tuple]) -> list[Result] | None:
    """Every figure of ``figures`` skipped when no PostgreSQL server answers, else None."""
    if postgres_server() is not None:
        return None
    reason = "needs PostgreSQL (DATABASE_URL)"
    return [skipped(name, unit, op, target, reason) for name, unit, op, target in figures]


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, "
        f"{memory:.0f} GB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def table(results: list[Result]) -> str:
    width = max([len(r.name) for r in results] + [4])
    lines = [f"{'name':<{width}}  {'value':>12}  {'unit':<6}  {'target':<10}  ok   note"]
    for r in results:
        value = "-" if r.value is None else f"{r.value:,.3f}"
        verdict = (
            ("info" if r.target == "-" else "skip") if r.ok is None else ("yes" if r.ok else "NO")
        )
        lines.append(
            f"{r.name:<{width}}  {value:>12}  {r.unit:<6}  {r.target:<10}  {verdict:<4} {r.note}"
        )
    return "\n".join(lines)


def write_results(results: list[Result], *, merge: bool) -> None:
    """Write the figures to bench/results/latest.json (merging with what is there if asked)."""
    existing = json.loads(RESULTS.read_text()) if merge and RESULTS.exists() else []
    new = {r.name: r.as_json() for r in results}
    merged = [new.pop(item["name"], item) for item in existing] + list(new.values())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")


def report(results: list[Result]) -> None:
    """Print a table and merge the figures into bench/results/latest.json."""
    print(table(results))
    write_results(results, merge=True)
    print(f"machine: {machine()}")


def main(run: Callable[[], list[Result]]) -> None:
    """Entry point of a benchmark module: ``--json FILE`` writes the figures there for run.py;
    without it the table is printed and merged into latest.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="write the results to this file (used by bench.run)")
    args = parser.parse_args()
    results = run()
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_json() for r in results]))
        print(table(results), flush=True)
    else:
        report(results)


def log(message: str) -> None:
    """Progress on stderr, timestamped (the table goes to stdout)."""
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- databases --------------------------------------------------------------------------------


def postgres_server() -> str | None:
    """The PostgreSQL server URL to create benchmark databases on, or None (use SQLite)."""
    url = os.environ.get(SERVER_URL_ENV) or os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        return None
    return url if postgres_reachable(url) else None


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(_libpq(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _libpq(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


_counter = itertools.count(1)


@contextlib.contextmanager
def database(require_postgres: bool = False) -> Iterator[str]:
    """A fresh, empty database for one benchmark (its URL), dropped afterwards."""
    server = postgres_server()
    if server is None:
        if require_postgres:
            raise RuntimeError("PostgreSQL is not available")
        directory = tempfile.mkdtemp(prefix="bench-")
        try:
            yield f"sqlite:///{directory}/bench.sqlite3"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    import psycopg

    name = f"bench_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(_libpq(server), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server, name)
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql")


def setup_django(database_url: str, settings: str = "hostsite.settings") -> None:
    """Configure Django in this process on ``database_url`` and migrate it."""
    sys.path[:0] = [str(ROOT), str(ROOT / "site")]
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def load_demo_content() -> None:
    from django.core.management import call_command

    with open(os.devnull, "w") as devnull:
        call_command("load_demo_content", stdout=devnull)


# --- child processes --------------------------------------------------------------------------


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a ``manage.py`` (or gunicorn) child on the benchmark database."""
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "ERROR"}
    env.pop("REDIS_URL", None)
    # A deployed site keeps its .pyc files; a shell with this set would recompile the project's
    # modules in every child (0.1 to 0.2 s of each start-up).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["DJANGO_SETTINGS_MODULE"] = "hostsite.settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "site")])
    env.update(extra)
    return env


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_child(args: list[str], env: dict[str, str], timeout: float = 600) -> ChildRun:
    """Run a child to completion: its wall time and peak RSS.

    The peak is the kernel's high-water mark (``VmHWM`` in /proc/PID/status, which starts
    afresh at exec), read every 10 ms while the child runs. ``ru_maxrss`` from wait4 is no
    good here: it counts the parent's pages the child had between fork and exec.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err)
        status_file = f"/proc/{process.pid}/status"
        peak_kb = 0
        deadline = started + timeout
        while True:
            with contextlib.suppress(OSError, ValueError), open(status_file) as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
                        break
            pid, wait_status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, wait_status = os.waitpid(process.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds,
            peak_kb / 1024,
            process.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def manage(*args: str) -> list[str]:
    return [PYTHON, str(ROOT / "manage.py"), *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int = 2, settings: str = "bench.bench_settings"
) -> Iterator[str]:
    """gunicorn serving the site (sync workers) on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**env, "DJANGO_SETTINGS_MODULE": settings}
    log_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", "--pythonpath", f"{ROOT},{ROOT / 'site'}",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--backlog", "2048", "--log-level", "warning",
            "hostsite.wsgi",
        ],
        cwd=ROOT, env=env, stdout=log_file, stderr=log_file, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/bench-hello/", process, log_file)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log_file.close()


def wait_for_http(url: str, process: subprocess.Popen, log_file, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log_file.seek(0)
            raise RuntimeError(f"server exited: {log_file.read().decode()[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def rss_mb() -> float:
    """Peak RSS of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- CPU accounting (to tell "waiting" from "out of CPU") -------------------------------------


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Machine utilisation and this process's CPU over a stretch of time."""

    def __enter__(self) -> CpuMeter:
        self.machine_start = machine_cpu()
        self.own_start = time.process_time()
        self.wall_start = time.perf_counter()
        return self

    def __exit__(self, *exc_info) -> None:
        busy, total = machine_cpu()
        self.busy = busy - self.machine_start[0]
        self.utilisation = self.busy / max(total - self.machine_start[1], 1e-9)
        self.own = time.process_time() - self.own_start
        self.wall = time.perf_counter() - self.wall_start


def database_kind(url: str) -> str:
    return "PostgreSQL" if is_postgres(url) else "SQLite"
