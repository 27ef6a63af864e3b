"""Start-up benchmark: a whole ``manage.py newsletter_status`` process that has nothing to do.

``startup_newsletter_status_seconds`` is the median wall time, start to exit, of 7 runs of
``manage.py newsletter_status`` on a fresh migrated database with no sends ("No sends yet."),
DEBUG off: Python, ``django.setup()`` (``manage.py`` pauses the garbage collector meanwhile, then
freezes what it built), one query; the command runs no system checks (it only reads). One
untimed run first writes the .pyc files and warms the file cache.

The note gives the floor, measured the same way in the same rounds (the runs take turns, so a
busy machine slows them alike): ``django.setup()`` alone, started as ``manage.py`` starts it,
with the same settings; the same with INSTALLED_APPS without the project's own apps (hostsite,
home, advocacy, newsletter), which is what Wagtail and the other apps cost alone; and the
command's median CPU time (user + system), which other processes on a shared machine disturb
less than wall time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass

from bench import harness
from bench.harness import Result, check, log

RUNS = 7
TARGET = 0.8
FIGURES = [("startup_newsletter_status_seconds", "s", "<=", TARGET)]
# The Makefile's key for `make bench`: without DEBUG, the settings refuse to start without one.
BENCH_SECRET_KEY = "benchmarks-only-key-not-for-any-deployment-0123456789"
OWN_APPS = ("hostsite", "home", "advocacy", "newsletter")

# The floors start Django as manage.py does: the garbage collector paused, then frozen.
SETUP = "import gc, django; gc.disable(); django.setup(); gc.enable(); gc.freeze()"
SETUP_WITHOUT_OWN_APPS = (
    "import hostsite.settings as s; "
    f"s.INSTALLED_APPS = [a for a in s.INSTALLED_APPS if a not in {OWN_APPS!r}]; "
    f"{SETUP}"
)


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a child to completion: its wall time, its CPU time (user + system), its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=harness.ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise RuntimeError(f"{' '.join(args[1:])} failed: {err.read().decode()[-2000:]}")
        return seconds, usage.ru_utime + usage.ru_stime, out.read().decode()


def child_env(database_url: str) -> dict[str, str]:
    """The environment ``make bench`` gives a command: DEBUG off, a SECRET_KEY, the bench DB."""
    env = harness.child_env(database_url)
    env.pop("DEBUG", None)
    env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    return env


def measure(env: dict[str, str]) -> dict[str, Timing]:
    """Every variant RUNS times, taking turns; the command's output is checked each time."""
    python = harness.PYTHON
    variants = {
        "command": harness.manage("newsletter_status"),
        "setup": [python, "-c", SETUP],
        "setup_without_own_apps": [python, "-c", SETUP_WITHOUT_OWN_APPS],
    }
    for args in variants.values():  # untimed: .pyc files, file cache
        timed(args, env)
    timings = {name: Timing([], []) for name in variants}
    for _ in range(RUNS):
        for name, args in variants.items():
            wall, cpu, stdout = timed(args, env)
            if name == "command" and "No sends yet." not in stdout:
                raise RuntimeError(f"newsletter_status printed {stdout[:300]!r}")
            timings[name].wall.append(wall)
            timings[name].cpu.append(cpu)
    return timings


def run() -> list[Result]:
    with harness.database() as url:
        os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
        harness.setup_django(url)
        from django.db import connection

        connection.close()
        log(f"start-up: {RUNS} runs each of newsletter_status and of django.setup()")
        timings = measure(child_env(url))
    command, setup, alone = (
        timings[name] for name in ("command", "setup", "setup_without_own_apps")
    )
    note = (
        f"median of {RUNS} whole runs, {harness.database_kind(url)}, DEBUG off (min "
        f"{min(command.wall):.2f} s, CPU {command.cpu_median:.2f} s); floor, wall (CPU): "
        f"django.setup() alone as manage.py runs it, these settings {setup.median:.2f} s "
        f"({setup.cpu_median:.2f} s), without hostsite, home, advocacy and newsletter "
        f"{alone.median:.2f} s ({alone.cpu_median:.2f} s); the command adds one query"
    )
    return [check("startup_newsletter_status_seconds", command.median, "s", "<=", TARGET, note)]


if __name__ == "__main__":
    harness.main(run)
