"""Loopback HTTP load: wrk when it is installed, else a small Python generator (no install).

Both are closed-loop: ``connections`` clients each send a request, wait for the answer and send
the next, for ``seconds``. They report requests per second and latency percentiles.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Load:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def run(url: str, seconds: float, connections: int = 4) -> Load:
    if shutil.which("wrk"):
        return _wrk(url, seconds, connections)
    return _python(url, seconds, connections)


def warm_up(url: str, requests: int = 40) -> None:
    """Send a few requests first (imports, template loading, caches in every worker)."""
    for _ in range(requests):
        _get_once(url)


def _get_once(url: str) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path or "/")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(url: str, seconds: float, connections: int) -> Load:
    threads = min(2, connections)
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
         "--timeout", "10s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    percentile = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+(?:us|ms|s))\s*$", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in found.groups())
    return Load(
        tool="wrk",
        requests=requests,
        seconds=seconds,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_duration_ms(percentile["50"]),
        p99_ms=_duration_ms(percentile["99"]),
        errors=errors,
    )


def _python(url: str, seconds: float, connections: int) -> Load:
    """Threads with http.client keep-alive connections (re-opened when the server closes)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = latencies[n]
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            try:
                connection.request("GET", path, headers={"Connection": "keep-alive"})
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[n] += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                connection.close()
                continue
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    merged = sorted(ms for mine in latencies for ms in mine)
    if not merged:
        raise RuntimeError(f"no successful request to {url}")

    def percentile(p: float) -> float:
        return merged[min(len(merged) - 1, int(p / 100 * len(merged)))]

    return Load(
        tool="python (threads, http.client)",
        requests=len(merged),
        seconds=elapsed,
        rps=len(merged) / elapsed,
        p50_ms=percentile(50),
        p99_ms=percentile(99),
        errors=sum(errors),
    )
