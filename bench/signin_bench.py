"""Static file latency while failed sign-ins hammer the portal, served for real.

    .venv/bin/python bench/signin_bench.py [N] [--concurrency C] [--seconds T]
                                           [--without-limits]

Generates N spec documents (default 200) into a temporary book with one user, starts
``specbook serve --port 0`` on it in a subprocess and times ``GET /static/style.css``
over one keep-alive connection, one request every 10 ms for T seconds (default 5) in
each phase:
- baseline: nothing else going on;
- under load: meanwhile a second process keeps C (default 50) failed sign-ins in
  flight at once (asyncio and httpx2, one connection each, each fetching its own
  sign-in form first), the sign-in throttle lifted in the book's ``[portal]`` table so
  that every attempt checks the password (PBKDF2 at its real cost);
- throttled: the same load against a second server with the default limits, where
  the name is locked out after 5 failures and the rest are refused with 429 at once,
  so the 50 clients send as fast as the server answers (a flood);
- control: 50 clients fetching the sign-in page as fast as it comes, the same flood
  with no sign-in in it: what any cheap page costs at that rate.
Prints p50 / p95 / max of the GETs in each phase and how the sign-ins were answered.
The target (issue 17, M2) is a p95 under 100 ms under load. ``--without-limits``
writes no limits into ``[portal]`` and skips the throttled phase: for timing a
specbook from before the throttle (``PYTHONPATH=OLD/src``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import multiprocessing
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen

STATIC = "/static/style.css"
USER = "bench"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def start_portal(root: Path) -> tuple[subprocess.Popen[str], int]:
    """Run ``specbook serve --port 0`` in ``root``; return it and its port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "specbook", "serve", "--port", "0"],
        cwd=root,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            port = int(found.group(1))
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:  # it prints its address before it answers
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), timeout=5).close()
                    return proc, port
                time.sleep(0.1)
            break
    raise SystemExit(f"the portal did not start (exit {proc.wait()})")


def write_book(root: Path, n: int, limits: str) -> None:
    from specbook.web.auth import hash_password

    gen.generate(root, n)
    with (root / "specbook.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[portal]\n{limits}\n[portal.users]\n{USER} = "{hash_password("right")}"\n')


def time_gets(port: int, seconds: float) -> list[float]:
    """Milliseconds of each GET of the static file, one every 10 ms for ``seconds``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        conn.request("GET", STATIC)
        resp = conn.getresponse()
        resp.read()
        out.append((time.perf_counter() - t) * 1000)
        if resp.status != 200:
            raise SystemExit(f"GET {STATIC} answered {resp.status}")
        time.sleep(0.01)
    conn.close()
    return out


async def _guesses(
    port: int, concurrency: int, stop: Any, ready: Any, answers: Any, pages: bool
) -> None:
    import httpx2

    # one client, one connection per guesser (a client each would spend seconds
    # building 50 TLS contexts first)
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits
    ) as c:
        found = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/login")).text)
        form = {"csrf": found.group(1) if found else "", "name": USER, "next": "/"}

        async def one(k: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                if pages:  # the control: the sign-in page itself, as fast as it comes
                    r = await c.get("/login")
                else:
                    r = await c.post("/login", data={**form, "password": f"wrong {k}.{n}"})
                answers.put((r.status_code, time.time()))

        ready.set()
        await asyncio.gather(*(one(k) for k in range(concurrency)))


def _load(port: int, concurrency: int, stop: Any, ready: Any, answers: Any, pages: bool) -> None:
    """The load process: ``concurrency`` failed sign-ins (or ``pages``: GETs of the
    sign-in page) in flight until ``stop``."""
    asyncio.run(_guesses(port, concurrency, stop, ready, answers, pages))


def under_load(
    port: int, concurrency: int, seconds: float, pages: bool = False
) -> tuple[list[float], Counter[int]]:
    """The GETs' latencies while the load runs, and the sign-ins answered meanwhile
    (by status)."""
    ctx = multiprocessing.get_context("spawn")
    stop, ready, answers = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=_load, args=(port, concurrency, stop, ready, answers, pages))
    proc.start()
    if not ready.wait(120):
        raise SystemExit("the load process did not start")
    time.sleep(0.5)  # its first attempts are in flight
    start = time.time()
    try:
        lat = time_gets(port, seconds)
    finally:
        stop.set()
    end = time.time()
    counts: Counter[int] = Counter()
    while proc.is_alive() or not answers.empty():
        with contextlib.suppress(queue.Empty):  # the process is finishing its last attempts
            status, at = answers.get(timeout=0.5)
            counts[status] += start <= at <= end
    proc.join(120)
    return lat, counts


def report(name: str, lat: list[float], seconds: float, counts: Counter[int] | None = None) -> None:
    p50, p95 = statistics.median(lat), _pct(lat, 0.95)
    mark = "  (over 100 ms)" if p95 > 100 else ""
    print(
        f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   max {max(lat):8.2f} ms"
        f"   ({len(lat)} GETs){mark}"
    )
    if counts is not None:
        shown = ", ".join(f"{n} × {code}" for code, n in sorted(counts.items()))
        rate = sum(counts.values()) / seconds
        print(f"  {'':<34} load answered meanwhile: {shown} ({rate:.0f}/s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--without-limits", action="store_true")
    args = ap.parse_args()
    lifted = "signin_user_failures = 1000\nsignin_ip_failures = 100000"
    if args.without_limits:
        lifted = ""
    c = args.concurrency
    print(f"specbook serve, {args.n} documents; GET {STATIC} every 10 ms for {args.seconds:g} s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lifted"
        write_book(root, args.n, lifted)
        proc, port = start_portal(root)
        try:
            time_gets(port, 1.0)  # warm-up
            report("baseline (no sign-ins)", time_gets(port, args.seconds), args.seconds)
            lat, counts = under_load(port, c, args.seconds)
            report(f"{c} failed sign-ins in flight", lat, args.seconds, counts)
        finally:
            proc.terminate()
            proc.wait(10)
        if args.without_limits:
            return
        root = Path(tmp) / "default"
        write_book(root, args.n, "")
        proc, port = start_portal(root)
        try:
            time_gets(port, 1.0)
            lat, counts = under_load(port, c, args.seconds)
            report(f"{c} in flight, default throttle", lat, args.seconds, counts)
            lat, counts = under_load(port, c, args.seconds, pages=True)
            report(f"control: {c} GET /login in flight", lat, args.seconds, counts)
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
