"""Load test of the district studio: concurrent districts asking for their PDF.

Run: .venv/bin/python benchmarks/bench_studio.py [--clients 30] [--seconds 30] [--workers 2] [--queue 8]
     .venv/bin/python benchmarks/bench_studio.py --chaos [--seconds 60] [--kill-every 4]

Starts ``build.py studio`` on 127.0.0.1 (a free port; nothing else is ever contacted) on a
temporary copy of the project, waits for its workers to be ready, then runs ``--clients``
concurrent clients for ``--seconds``. Each client posts a district (its own name and colour each
time) with the example SVG logo to ``POST /api/editions`` and, when told 429, waits the
``Retry-After`` it was given. Prints editions per minute, p50/p95 latency, the count of each status
code and the peak RSS of the server and its workers.

Exits 1 on any 5xx answer or any 200 whose body is not a PDF that pypdf reads with the
district's name on the cover. Bounded: at most 100 clients and 300 seconds.

``--chaos`` (60 s unless ``--seconds`` says otherwise) kills a random render worker of the
studio (SIGKILL, by PID, only the studio this script started; with ``--kill-template`` the
template the workers are forked from may be chosen too) every ``--kill-every`` seconds (4), give
or take half, and prints the kills, the requests by status, the hangs (no answer within 90 s),
the time from each kill to the next 200 answered, and how often /healthz was not 200. It exits 1
on any 5xx other than 503, any hang or broken connection, or any 200 that is not a PDF of its own
district;
503s (the requests a killed worker held) are expected and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import httpx
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Seconds without an answer that count as a hang: the README's nginx proxy_read_timeout. The studio
# answers within 20 s of waiting for a worker + 60 s of rendering + 5 s before a deaf worker is killed.
HANG = 90.0
LOGO = (REPO / "content/districts/example-cedar-ridge/logo.svg").read_bytes()
DISTRICT = """\
name: "{name}"
colors:
  primary: "{color}"
foreword:
  title: "A message from our superintendent"
  body: |
    Our principals and teacher leaders will use the Portrait in hiring, in coaching and in
    the conversations leaders have with one another about their growth.
  signed:
    - name: "Name of the Superintendent"
      role: "Superintendent"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def workers_of(pid: int, template: bool = True) -> list[int]:
    """The studio's render processes: its descendants named ``studio-worker`` (and, with
    ``template``, ``studio-template``, the process they are forked from)."""
    names = {"studio-worker", "studio-template"} if template else {"studio-worker"}
    found = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
            for child in children:
                stack.append(child)
                try:
                    if Path(f"/proc/{child}/comm").read_text().strip() in names:
                        found.append(child)
                except FileNotFoundError:
                    continue
    return found


def own_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of ``pid`` alone, in bytes (PSS shares the pages that forked workers share
    with their template among them, so that the sum over processes is the real use)."""
    values = {"Rss:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in values:
                values[parts[0]] = int(parts[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return values["Rss:"], values["Pss:"]


class Chaos(threading.Thread):
    """Kills a random worker of the studio every ``every`` seconds (± half), and polls /healthz."""

    def __init__(self, pid: int, url: str, every: float, template: bool, seed: int = 18):
        super().__init__(daemon=True)
        self.pid, self.url, self.every, self.template = pid, url, every, template
        self.random = random.Random(seed)
        self.kills: list[float] = []
        self.health: collections.Counter[str] = collections.Counter()
        self.done = threading.Event()
        self.until = float("inf")  # no kill after the clients' last request has started

    def run(self) -> None:
        next_kill = time.monotonic() + self.every * self.random.uniform(0.5, 1.5)
        while not self.done.wait(0.25) and time.monotonic() < self.until:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    self.health[str(response.status)] += 1
            except urllib.error.HTTPError as exc:
                self.health[str(exc.code)] += 1
            except OSError:
                self.health["no answer"] += 1
            if time.monotonic() >= next_kill:
                workers = workers_of(self.pid, self.template)
                if workers:
                    os.kill(self.random.choice(workers), signal.SIGKILL)
                    self.kills.append(time.monotonic())
                next_kill = time.monotonic() + self.every * self.random.uniform(0.5, 1.5)


class Peak(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.peak = max(self.peak, rss_bytes(self.pid))


async def client(
    chaos: bool,
    number: int,
    url: str,
    until: float,
    results: list[tuple[int, float, float]],
    bad: list[str],
    received: list[tuple[str, bytes]],
    http: httpx.AsyncClient,
) -> None:
    count = 0
    while time.monotonic() < until:
        count += 1
        name = f"Load Test District {number}-{count}"
        color = f"#{(number * 37 + count * 11) % 256:02x}{(number * 91) % 256:02x}{(count * 53) % 256:02x}"
        start = time.monotonic()
        try:
            response = await http.post(
                url + "/api/editions",
                data={"district": DISTRICT.format(name=name, color=color)},
                files={"logo": ("logo.svg", LOGO, "image/svg+xml")},
            )
        except httpx.TimeoutException:
            bad.append(f"{name}: no answer within {HANG:.0f} s (a hang)")
            results.append((-1, start, time.monotonic()))
            continue
        except httpx.HTTPError as exc:
            bad.append(f"{name}: {type(exc).__name__}: {exc}")
            results.append((0, start, time.monotonic()))
            continue
        results.append((response.status_code, start, time.monotonic()))
        if response.status_code == 200:
            # Checked after the run: reading a PDF with pypdf holds this event loop for tens of
            # milliseconds, which other clients would count as the studio's latency.
            received.append((name, response.content))
        elif response.status_code in (429, 503):
            await asyncio.sleep(
                min(float(response.headers.get("retry-after", "1")), max(0.0, until - time.monotonic()))
            )
        elif response.status_code >= 500 and not (response.status_code == 503 and chaos):
            bad.append(f"{name}: {response.status_code} {response.text[:200]}")


def check_pdf(data: bytes, name: str) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(data))
        text = reader.pages[0].extract_text().replace("\n", " ")
    except Exception as exc:  # anything pypdf cannot read is a failure of the studio
        return f"not a readable PDF ({type(exc).__name__}: {exc})"
    return None if name in text else "the district's name is not on the cover"


async def load(
    url: str, clients: int, seconds: float, chaos: bool
) -> tuple[list[tuple[int, float, float]], list[str], float]:
    results: list[tuple[int, float, float]] = []
    bad: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=httpx.Timeout(HANG), limits=limits) as http:
        start = time.monotonic()
        until = start + seconds
        received: list[tuple[str, bytes]] = []
        await asyncio.gather(*(client(chaos, i, url, until, results, bad, received, http) for i in range(clients)))
        elapsed = time.monotonic() - start
    for name, pdf in received:
        problem = check_pdf(pdf, name)
        if problem:
            bad.append(f"{name}: {problem}")
    return results, bad, elapsed


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30, help="concurrent clients (30; at most 100)")
    parser.add_argument(
        "--seconds", type=float, default=None, help="how long the clients run (30, 60 with --chaos; at most 300)"
    )
    parser.add_argument("--workers", type=int, default=2, help="the studio's render processes (2)")
    parser.add_argument("--queue", type=int, default=8, help="requests that may wait for a worker (8)")
    parser.add_argument("--chaos", action="store_true", help="kill a random render worker every few seconds")
    parser.add_argument("--kill-every", type=float, default=4.0, help="with --chaos: seconds between kills (4)")
    parser.add_argument(
        "--kill-template", action="store_true", help="with --chaos: the template the workers are forked from too"
    )
    parser.add_argument("--max-renders", type=int, default=None, help="the studio's --max-renders (its default)")
    args = parser.parse_args()
    clients = max(1, min(args.clients, 100))
    seconds = max(1.0, min(args.seconds if args.seconds is not None else 60.0 if args.chaos else 30.0, 300.0))

    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        root = Path(tmp) / "project"
        for name in ("content", "templates", "assets"):
            shutil.copytree(REPO / name, root / name)
        port = free_port()
        url = f"http://{HOST}:{port}"
        log = (Path(tmp) / "studio.log").open("w")
        command = [sys.executable, str(REPO / "build.py"), "--root", str(root), "studio"]
        command += ["--host", HOST, "--port", str(port), "--workers", str(args.workers), "--queue", str(args.queue)]
        if args.max_renders is not None:
            command += ["--max-renders", str(args.max_renders)]
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"}
        )
        peak = Peak(server.pid)
        try:
            started = time.monotonic()
            while True:
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() - started > 120:
                    log.close()
                    print((Path(tmp) / "studio.log").read_text(), file=sys.stderr)
                    print("the studio did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            print(f"studio ready in {time.monotonic() - started:.1f} s ({args.workers} workers, queue {args.queue})")
            peak.start()
            chaos = Chaos(server.pid, url, args.kill_every, args.kill_template) if args.chaos else None
            if chaos:
                chaos.until = time.monotonic() + seconds
                chaos.start()
            results, bad, wall = asyncio.run(load(url, clients, seconds, args.chaos))
            worker_memory = [own_memory(pid) for pid in workers_of(server.pid)]
            server_memory = own_memory(server.pid)
        finally:
            peak.done.set()
            if chaos:
                chaos.done.set()
                chaos.join(5)
            stop_started = time.monotonic()
            server.terminate()
            exit_code = server.wait(timeout=60)
            stop_seconds = time.monotonic() - stop_started
            log.close()
        server_errors = [line for line in (Path(tmp) / "studio.log").read_text().splitlines() if " ERROR " in line]

    statuses = collections.Counter(code for code, _, _ in results)
    ok = [end - start for code, start, end in results if code == 200]
    print(f"{clients} clients for {seconds:.0f} s ({wall:.1f} s until the last answer), POST /api/editions (screen)")
    print(f"editions per minute: {len(ok) / wall * 60:.1f} ({len(ok)} PDFs)")
    print(f"latency of a 200: p50 {percentile(ok, 0.5):.2f} s, p95 {percentile(ok, 0.95):.2f} s")
    refused = [end - start for code, start, end in results if code == 429]
    if refused:
        print(f"latency of a 429: p50 {percentile(refused, 0.5) * 1000:.0f} ms")
    names = {-1: "hang", 0: "broken connection"}
    print("status codes: " + ", ".join(f"{names.get(code, code)}: {n}" for code, n in sorted(statuses.items())))
    print(f"peak RSS, server and workers: {peak.peak / 1024 / 1024:.0f} MiB")
    mib = 1024 * 1024
    print(
        "at the end, RSS / PSS: server "
        + f"{server_memory[0] / mib:.0f} / {server_memory[1] / mib:.0f} MiB; render processes (template first) "
        + ", ".join(f"{r / mib:.0f} / {p / mib:.0f}" for r, p in worker_memory)
        + f" MiB; PSS in all {(server_memory[1] + sum(p for _, p in worker_memory)) / mib:.0f} MiB"
    )
    print(f"stopped by SIGTERM in {stop_seconds:.1f} s, exit code {exit_code}")
    if chaos:
        recoveries = []
        for killed in chaos.kills:
            after = [end for code, start, end in results if code == 200 and end >= killed]
            if after:
                recoveries.append(min(after) - killed)
        print(f"chaos: {len(chaos.kills)} render processes killed in {wall:.0f} s")
        if len(recoveries) < len(chaos.kills):
            print(f"  {len(chaos.kills) - len(recoveries)} kills had no 200 after them before the run ended")
        if recoveries:
            print(
                f"time from a kill to the next 200 answered: p50 {percentile(recoveries, 0.5):.2f} s, "
                f"max {max(recoveries):.2f} s"
            )
        print("/healthz while the clients ran: " + ", ".join(f"{k}: {n}" for k, n in sorted(chaos.health.items())))
    if ok:
        print(f"mean latency {statistics.mean(ok):.2f} s")
    for line in server_errors[:10]:
        print(f"server log: {line}", file=sys.stderr)
    for line in bad[:20]:
        print(f"FAILED: {line}", file=sys.stderr)
    failed = bool(bad) or any(code <= 0 or (code >= 500 and not (code == 503 and args.chaos)) for code in statuses)
    if failed:
        print("FAIL: a 5xx answer, a hang, a broken connection, or a 200 that is not a valid PDF", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
