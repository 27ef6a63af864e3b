"""Run every benchmark, print the figures beside their targets, write bench/results/latest.json.

    python -m bench.run                 # all figures (``make bench``)
    python -m bench.run --only send     # one area (render_issue, send, providers, freeze,
                                        # provider_faults, pages, webhooks, importing,
                                        # subscribe_timing, startup, report) or one
                                        # figure's name;
                                        # merges into latest.json

Each area runs in its own process on its own fresh database (see bench/harness.py). With
``DATABASE_URL`` pointing at a reachable PostgreSQL server the databases are created there
(``make bench`` uses postgres://postgres@127.0.0.1:5432/postgres); otherwise SQLite is used and
the PostgreSQL-only figures are skipped with the reason. A missed target prints NO and the exit
status stays 0; an area that crashes gets error rows and the exit status is 1.

``REDIS_URL`` (``make bench``: the local server) gives the page cache a shared Redis, as in
production; without it each gunicorn worker caches in its own memory.

The machine is often shared: a thread watches the CPU used by processes that are not ours
(PostgreSQL and Redis excepted) and the summary says how busy the machine was with other work.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import harness
from bench.harness import Result

AREAS = [
    "render_issue",
    "send",
    "providers",
    "freeze",
    "provider_faults",
    "pages",
    "webhooks",
    "importing",
    "subscribe_timing",
    "startup",
    "report",
]


class ForeignLoad(threading.Thread):
    """CPU used by processes outside this process tree (not PostgreSQL, not kernel threads)."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.seconds = 0.0  # foreign CPU seconds
        self.worst = 0.0  # worst share of the machine over one interval
        self.culprits: collections.Counter[str] = collections.Counter()
        self.running = True

    @staticmethod
    def snapshot() -> dict[int, tuple[int, str, float]]:
        found = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            comm = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            found[int(entry.name)] = (int(fields[1]), comm, int(fields[11]) + int(fields[12]))
        return found

    def foreign(self, snap: dict[int, tuple[int, str, float]]) -> set[int]:
        ours = {os.getpid()}
        children = collections.defaultdict(list)
        for pid, (ppid, _comm, _cpu) in snap.items():
            children[ppid].append(pid)
        stack = [os.getpid()]
        while stack:
            for child in children[stack.pop()]:
                ours.add(child)
                stack.append(child)
        return {
            pid
            for pid, (ppid, comm, _cpu) in snap.items()
            if pid not in ours
            and ppid != 2
            and pid != 2
            and not comm.startswith(("postgres", "redis-server"))
        }

    def run(self) -> None:
        before = self.snapshot()
        while self.running:
            time.sleep(self.interval)
            after = self.snapshot()
            used = 0.0
            for pid in self.foreign(after):
                if pid in before:
                    delta = (after[pid][2] - before[pid][2]) / self.ticks
                    if delta > 0:
                        used += delta
                        self.culprits[after[pid][1]] += delta
            self.seconds += used
            self.worst = max(self.worst, used / (self.interval * (os.cpu_count() or 1)))
            before = after

    def summary(self, wall: float) -> str:
        share = self.seconds / max(wall * (os.cpu_count() or 1), 1e-9)
        top = ", ".join(
            f"{name} {sec:.0f} s" for name, sec in self.culprits.most_common(3) if sec >= 1
        )
        text = (
            f"other processes used {share:.0%} of the machine's CPU during the run "
            f"(worst {self.interval:g} s: {self.worst:.0%}){f'; mostly {top}' if top else ''}"
        )
        if share > 0.05 or self.worst > 0.25:
            text += " -- the machine was shared: timings may be pessimistic"
        return text


def figures_of(area: str) -> list[tuple]:
    return importlib.import_module(f"bench.{area}").FIGURES


def choose_areas(only: str | None) -> list[str]:
    if not only:
        return AREAS
    chosen = []
    for name in only.split(","):
        name = name.strip()
        matches = [a for a in AREAS if a == name or any(f[0] == name for f in figures_of(a))]
        if not matches:
            sys.exit(f"--only: no area or figure named {name!r} (areas: {', '.join(AREAS)})")
        chosen += [a for a in matches if a not in chosen]
    return chosen


def database_env() -> tuple[dict[str, str], str]:
    """Environment for the areas, and a sentence saying which database they use."""
    env = dict(os.environ)
    if harness.SHARED_CACHE_URL:  # (harness took it out of this process's environment)
        env["REDIS_URL"] = harness.SHARED_CACHE_URL
    url = env.pop("DATABASE_URL", "")
    env.pop(harness.SERVER_URL_ENV, None)
    if urlsplit(url).scheme in ("postgres", "postgresql"):
        where = urlsplit(url)._replace(path="", query="").geturl()
        if harness.postgres_reachable(url):
            env[harness.SERVER_URL_ENV] = url
            return env, f"PostgreSQL at {where} (a fresh database per area, dropped afterwards)"
        return env, (
            f"SQLite: PostgreSQL at {where} is not reachable, so the PostgreSQL-only figures "
            "are skipped"
        )
    return env, "SQLite (set DATABASE_URL to a PostgreSQL server for every figure)"


def cache_sentence() -> str:
    url = harness.SHARED_CACHE_URL
    if url and harness.redis_reachable(url):
        where = urlsplit(url)._replace(query="").geturl()
        return f"Redis at {where} for the page cache (this run's keys deleted afterwards)"
    return "local memory per worker (set REDIS_URL to a Redis server for the shared cache)"


def run_area(area: str, env: dict[str, str]) -> tuple[list[Result], bool]:
    """Run one area in its own process; its results, and whether it completed."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", f"bench.{area}", "--json", out.name],
            cwd=harness.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        tail: collections.deque[str] = collections.deque(maxlen=40)
        for line in process.stderr:
            sys.stderr.write(line)
            tail.append(line.rstrip())
        process.wait()
        data = Path(out.name).read_text()
    if process.returncode == 0 and data:
        return [Result(**item) for item in json.loads(data)], True
    reason = next((line for line in reversed(tail) if line.strip()), "no output")
    return [
        Result(name, None, unit, f"{op} {target:g}", False, f"error: {reason[:300]}")
        for name, unit, op, target in figures_of(area)
    ], False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="an area or a figure name (comma-separated for several)")
    args = parser.parse_args()
    areas = choose_areas(args.only)
    env, database = database_env()
    print(f"bench: {', '.join(areas)}; {database}", file=sys.stderr, flush=True)

    monitor = ForeignLoad()
    monitor.start()
    started = time.perf_counter()
    results: list[Result] = []
    crashed = []
    for area in areas:
        area_started, foreign_before = time.perf_counter(), monitor.seconds
        print(f"== {area}", file=sys.stderr, flush=True)
        area_results, completed = run_area(area, env)
        area_wall = time.perf_counter() - area_started
        share = (monitor.seconds - foreign_before) / (area_wall * (os.cpu_count() or 1))
        if share > 0.05:  # say so beside the figures it may have slowed down
            for result in area_results:
                shared = f"machine shared: other processes used {share:.0%} of the CPU meanwhile"
                result.note = f"{result.note}; {shared}" if result.note else shared
        results += area_results
        if not completed:
            crashed.append(area)
        print(f"== {area}: {area_wall:.0f} s", file=sys.stderr)
    wall = time.perf_counter() - started
    monitor.running = False

    if args.only:  # keep only the figures asked for, merged into the last full run
        wanted = set(args.only.split(","))
        if not wanted & set(AREAS):
            results = [r for r in results if r.name in wanted]
    print()
    print(harness.table(results))
    print()
    missed = [r.name for r in results if r.ok is False]
    print(f"machine:  {harness.machine()}")
    print(f"database: {database}")
    print(f"cache:    {cache_sentence()}")
    print(f"runtime:  {wall / 60:.1f} min; {monitor.summary(wall)}")
    print(f"missed:   {', '.join(missed) if missed else 'none'}")
    harness.write_results(results, merge=bool(args.only))
    print(f"written:  {harness.RESULTS.relative_to(harness.ROOT)}")
    if crashed:
        print(f"crashed:  {', '.join(crashed)} (see the errors above)")
        sys.exit(1)


if __name__ == "__main__":
    main()
