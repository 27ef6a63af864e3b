"""Shared benchmark plumbing: a throwaway database, Django set up, results with targets."""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: str  # e.g. "<= 50"
    ok: bool


def check(name: str, value: float, unit: str, op: str, target: float) -> Result:
    """A figure beside its target; ``op`` is "<=" or ">="."""
    ok = value <= target if op == "<=" else value >= target
    return Result(name, round(value, 3), unit, f"{op} {target:g}", ok)


def setup_django(database_url: str | None = None) -> str:
    """Configure Django on a fresh database (SQLite in a temp dir unless DATABASE_URL is set)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "site")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
    if database_url is None and not os.environ.get("DATABASE_URL"):
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite3"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def report(results: list[Result]) -> None:
    """Print a table and merge the figures into bench/results/latest.json."""
    width = max(len(r.name) for r in results)
    print(f"{'name':<{width}}  {'value':>12}  unit     target      ok")
    for r in results:
        verdict = "yes" if r.ok else "NO"
        print(f"{r.name:<{width}}  {r.value:>12,.3f}  {r.unit:<7}  {r.target:<10}  {verdict}")
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    names = {r.name for r in results}
    merged = [item for item in existing if item["name"] not in names] + [asdict(r) for r in results]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
