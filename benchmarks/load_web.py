"""Bounded load tests of ``trailtech serve`` on loopback, in three scenarios.

``mix`` (the default) starts the server in a subprocess on 127.0.0.1 (a free port), sends a fixed number of uploads
from a few concurrent clients, mixing good activity files (the sample tracks, each under a unique
name so the server's answer cache cannot answer), broken ones (random bytes: 400; files cut at a
random point: 200 or 400, as the readers keep what precedes the break) and oversize ones (just over a deliberately small ``--max-upload-mb``), then stops the server and
prints a markdown table: answers by kind, latency percentiles, throughput, and the server's memory
(VmRSS from /proc) after a warm-up and at the end. It stops by itself; it never talks to anything
but 127.0.0.1.

Exit status 1 when any answer was 5xx, a kind got an unexpected status, or the server process
grew by more than ``--max-rss-growth-mb``.

``big`` sends 40 uploads of 60 MB of random bytes at once (a client retries after a 503 as its
Retry-After says, capped at ``--retry-cap-s``) and samples every 0.1 s the memory of the server
and all its workers together (VmRSS), while ``GET /healthz`` is timed on fresh connections.
Exit status 1 when that peak reaches ``--max-rss-mb`` (1024), a /healthz failed, an answer was
5xx other than 503, or an upload was not answered before ``--timeout-s``.

``slow`` opens 300 connections that trickle their request head (a header line a second) and 50
that send a complete head for a 1 MB upload and trickle its body (10 bytes a second), for
``--slow-s`` (40) seconds, while one client uploads a sample file every 2 s and /healthz is
timed; it reports when the server closed them. Exit status 1 when any is still open at the end
or a /healthz failed.

Every scenario stops by itself and talks to nothing but 127.0.0.1.

    python benchmarks/load_web.py                      # 200 uploads, 8 clients, process workers
    python benchmarks/load_web.py --workers 0          # analysis in threads, to compare
    python benchmarks/load_web.py --scenario big       # 40 concurrent 60 MB uploads
    python benchmarks/load_web.py --scenario slow      # slow-loris heads and bodies
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["trail_run.fit", "trail_run.gpx", "hill_repeats.fit"]
#: Answers each kind of upload may get. A truncated file keeps the records before the break
#: (FIT) or the points before it (GPX/TCX), so it may well be readable.
EXPECTED = {"good": {200}, "random": {400}, "truncated": {200, 400}, "oversize": {413}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of one process [MiB] (VmRSS from /proc/<pid>/status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def make_jobs(n: int, limit_mb: float, rng: random.Random,
              good_paths: list[Path]) -> list[tuple[str, str, str, bytes]]:
    """(kind, route, filename, bytes) for every upload, in a shuffled but reproducible order."""
    good = {}
    for path in good_paths:
        if not path.is_file():
            sys.exit(f"load_web: {path} is missing; generate the sample tracks first")
        good[path.name] = path.read_bytes()
    names = sorted(good)
    limit = int(limit_mb * 1024 * 1024)
    jobs = []
    for i in range(n):
        r = rng.random()
        if r < 0.5:
            name = rng.choice(names)
            data = good[name]
            stem, ext = name.rsplit(".", 1)
            if rng.random() < 0.2:
                data, ext = gzip.compress(data), ext + ".gz"
            route = "/api/report" if rng.random() < 0.25 else "/api/analyze"
            jobs.append(("good", route, f"{stem}-{i}.{ext}", data))
        elif r < 0.85:
            if rng.random() < 0.5:
                data = rng.randbytes(rng.randint(200, 200_000))
                jobs.append(("random", "/api/analyze", f"random-{i}.fit", data))
            else:
                src = rng.choice(names)
                whole = good[src]
                # A fraction, not randint(len): the job list must not depend on file sizes.
                data = whole[: 20 + int(rng.random() * (len(whole) // 2 - 20))]
                name = f"truncated-{i}.{src.split('.', 1)[1]}"
                jobs.append(("truncated", "/api/analyze", name, data))
        else:
            data = rng.randbytes(limit + rng.randint(1, limit // 2))
            jobs.append(("oversize", "/api/analyze", f"huge-{i}.fit", data))
    return jobs


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=["mix", "big", "slow"], default="mix",
                    help="mix: many small uploads (default); big: 40 concurrent 60 MB uploads; "
                         "slow: slow-loris heads and bodies")
    ap.add_argument("--files", type=int, default=200, help="mix: uploads in all (default 200)")
    ap.add_argument("--clients", type=int, default=8, help="mix: concurrent clients (default 8)")
    ap.add_argument("--max-upload-mb", type=float, default=None,
                    help="server limit (default 1 for mix, where oversize uploads are just "
                         "above it; 64 for big and slow)")
    ap.add_argument("--workers", type=int, default=None,
                    help="server analysis workers (default: its own; 0 = threads)")
    ap.add_argument("--warmup", type=int, default=24,
                    help="mix: uploads before the memory baseline")
    ap.add_argument("--max-rss-growth-mb", type=float, default=40.0)
    ap.add_argument("--timeout-s", type=float, default=900.0, help="give up after this long")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--good", nargs="+", type=Path, metavar="FILE",
                    default=[ROOT / "sample_tracks" / n for n in SAMPLES],
                    help="good activity files to upload (default: the sample tracks)")
    ap.add_argument("--big-uploads", type=int, default=40, help="big: concurrent uploads (40)")
    ap.add_argument("--big-mb", type=float, default=60.0, help="big: size of each upload [MB] (60)")
    ap.add_argument("--retry-cap-s", type=float, default=2.0,
                    help="big: longest wait before retrying after a 503 [s] (2)")
    ap.add_argument("--max-rss-mb", type=float, default=1024.0,
                    help="big: peak memory of server + workers allowed [MiB] (1024)")
    ap.add_argument("--slow-heads", type=int, default=300, help="slow: head tricklers (300)")
    ap.add_argument("--slow-bodies", type=int, default=50, help="slow: body tricklers (50)")
    ap.add_argument("--slow-s", type=float, default=40.0, help="slow: how long to trickle [s] (40)")
    args = ap.parse_args(argv)
    if args.max_upload_mb is None:
        args.max_upload_mb = 1.0 if args.scenario == "mix" else 64.0
    return {"mix": mix, "big": big, "slow": slow}[args.scenario](args)


def mix(args) -> int:
    """Many small uploads: good, random, truncated and oversize files from a few clients."""
    rng = random.Random(args.seed)
    jobs = make_jobs(args.files, args.max_upload_mb, rng, args.good)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    code = ("from trailtech.web import serve; "
            f"serve(host='127.0.0.1', port={port}, max_upload_mb={args.max_upload_mb!r}, "
            f"workers={args.workers!r})")
    log = open(os.devnull, "w")
    server = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT), stdout=log, stderr=log)
    t_start = time.time()
    try:
        with httpx.Client(base_url=base, timeout=120) as c:
            while True:
                if server.poll() is not None:
                    sys.exit("load_web: the server exited at startup")
                try:
                    if c.get("/healthz").text == "ok":
                        break
                except httpx.TransportError:
                    pass
                if time.time() - t_start > 60:
                    sys.exit("load_web: the server did not start within 60 s")
                time.sleep(0.1)
        startup_s = time.time() - t_start

        results: list[tuple[str, str, int, float]] = []  # kind, route, status, seconds
        transport_errors: Counter = Counter()
        lock = threading.Lock()
        next_job = iter(range(len(jobs)))
        memory = {}
        deadline = time.time() + args.timeout_s

        def client_loop() -> None:
            with httpx.Client(base_url=base, timeout=300) as c:
                while time.time() < deadline:
                    with lock:
                        i = next(next_job, None)
                        if i == args.warmup:
                            memory["baseline"] = rss_mb(server.pid)
                    if i is None:
                        return
                    kind, route, name, data = jobs[i]
                    t0 = time.perf_counter()
                    try:
                        r = c.post(route, files={"file": (name, data)})
                        status = r.status_code
                    except httpx.TransportError as exc:
                        status = -1
                        with lock:
                            transport_errors[(kind, type(exc).__name__)] += 1
                    dt = time.perf_counter() - t0
                    with lock:
                        results.append((kind, route, status, dt))

        peak = {"server": 0.0, "workers": 0.0}
        stop_sampling = threading.Event()

        def sampler() -> None:
            while not stop_sampling.wait(0.2):
                peak["server"] = max(peak["server"], rss_mb(server.pid))
                peak["workers"] = max(peak["workers"], sum(rss_mb(p) for p in children(server.pid)))

        probes: list[float] = []

        def prober() -> None:
            # The page must stay responsive while analyses run: time GET /healthz meanwhile.
            with httpx.Client(base_url=base, timeout=60) as c:
                while not stop_sampling.wait(0.25):
                    t = time.perf_counter()
                    try:
                        c.get("/healthz")
                    except httpx.TransportError:
                        continue
                    probes.append((time.perf_counter() - t) * 1000)

        threading.Thread(target=sampler, daemon=True).start()
        threading.Thread(target=prober, daemon=True).start()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client_loop) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop_sampling.set()
        with httpx.Client(base_url=base, timeout=30) as c:
            alive = c.get("/healthz").text == "ok"
        memory["end"] = rss_mb(server.pid)
        worker_pids = children(server.pid)
        memory["workers_end"] = sum(rss_mb(p) for p in worker_pids)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on Ctrl+C
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()

    # ---- report ----
    by_kind = defaultdict(list)
    for kind, route, status, dt in results:
        by_kind[(kind, route)].append((status, dt))
    executor = "threads" if args.workers == 0 else f"processes ({args.workers or 'default'})"
    lines = [
        f"trailtech serve load test: {len(results)} uploads, {args.clients} clients, "
        f"--max-upload-mb {args.max_upload_mb:g}, analysis in {executor}, "
        f"{os.cpu_count()} CPUs, server start {startup_s:.1f} s",
        "",
        "| kind | route | n | answers | p50 [ms] | p95 [ms] | p99 [ms] | max [ms] |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for (kind, route), rows in sorted(by_kind.items()):
        times = [dt * 1000 for _, dt in rows]
        answers = ", ".join(f"{s if s > 0 else 'conn-error'}×{k}"
                            for s, k in sorted(Counter(s for s, _ in rows).items()))
        lines.append(f"| {kind} | {route} | {len(rows)} | {answers} | {pct(times, 50):.0f} | "
                     f"{pct(times, 95):.0f} | {pct(times, 99):.0f} | {max(times):.0f} |")
    all_times = [dt * 1000 for *_, dt in results]
    lines.append(f"| **all** | | {len(results)} | | {pct(all_times, 50):.0f} | "
                 f"{pct(all_times, 95):.0f} | {pct(all_times, 99):.0f} | {max(all_times):.0f} |")
    good = sum(1 for k, _, s, _ in results if k == "good" and s == 200)
    growth = memory["end"] - memory.get("baseline", float("nan"))
    lines += [
        "",
        "| measure | value |",
        "|---|---|",
        f"| wall time | {wall:.1f} s |",
        f"| throughput, all uploads | {len(results) / wall:.1f} /s |",
        f"| throughput, good files analysed | {good / wall:.2f} /s |",
        f"| server RSS after {args.warmup} uploads → end (peak) | {memory.get('baseline', float('nan')):.0f} → "
        f"{memory['end']:.0f} MiB ({peak['server']:.0f}) |",
        f"| worker RSS at end, {len(worker_pids)} processes (peak) | {memory['workers_end']:.0f} MiB "
        f"({peak['workers']:.0f}) |",
        f"| GET /healthz during the load, {len(probes)} probes: p50 / p99 / max | "
        f"{pct(probes, 50):.1f} / {pct(probes, 99):.1f} / {max(probes, default=float('nan')):.1f} ms |",
        f"| server answered /healthz afterwards | {'yes' if alive else 'NO'} |",
    ]
    if transport_errors:
        lines.append(f"| transport errors | {dict(transport_errors)} |")
    print("\n".join(lines))

    problems = []
    five = [r for r in results if r[2] >= 500]
    if five:
        problems.append(f"{len(five)} answers were 5xx")
    wrong = [(k, s) for k, _, s, _ in results if s not in EXPECTED[k] and s < 500]
    if wrong:
        problems.append(f"unexpected statuses: {Counter(wrong)}")
    if len(results) < len(jobs):
        problems.append(f"only {len(results)} of {len(jobs)} uploads done before --timeout-s")
    if not growth <= args.max_rss_growth_mb:
        problems.append(f"server RSS grew by {growth:.0f} MiB")
    if not alive:
        problems.append("the server stopped answering")
    for p in problems:
        print(f"\nload_web: {p}", file=sys.stderr)
    return 1 if problems else 0



# ---------------------------------------------------------------------------- big and slow
def descendants(pid: int) -> list[int]:
    """Every process under ``pid``: the workers, and whatever they started."""
    out, todo = [], children(pid)
    while todo:
        c = todo.pop()
        out.append(c)
        todo += children(c)
    return out


def start_server(args) -> tuple[subprocess.Popen, str, float]:
    """``trailtech serve`` in a subprocess on a free loopback port: process, base URL, start [s]."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    code = ("from trailtech.web import serve; "
            f"serve(host='127.0.0.1', port={port}, max_upload_mb={args.max_upload_mb!r}, "
            f"workers={args.workers!r})")
    with open(os.devnull, "w") as log:
        server = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT), stdout=log,
                                  stderr=log)
    t_start = time.time()
    while True:
        if server.poll() is not None:
            sys.exit("load_web: the server exited at startup")
        try:
            if httpx.get(base + "/healthz", timeout=10).text == "ok":
                break
        except httpx.TransportError:
            pass
        if time.time() - t_start > 60:
            stop_server(server)
            sys.exit("load_web: the server did not start within 60 s")
        time.sleep(0.1)
    return server, base, time.time() - t_start


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on Ctrl+C
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class Sampler:
    """Peak memory [MiB] of the server, of its workers, and of both at the same instant."""

    def __init__(self, pid: int, every_s: float = 0.1):
        self.pid, self.every_s = pid, every_s
        self.peak = {"server": 0.0, "workers": 0.0, "total": 0.0}
        self.workers_seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            server = rss_mb(self.pid)
            pids = descendants(self.pid)
            workers = sum(m for m in (rss_mb(p) for p in pids) if m == m)  # NaN: just exited
            if server != server:
                continue
            self.workers_seen = max(self.workers_seen, len(pids))
            self.peak["server"] = max(self.peak["server"], server)
            self.peak["workers"] = max(self.peak["workers"], workers)
            self.peak["total"] = max(self.peak["total"], server + workers)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


_PROBE = """
import select, sys, time, httpx
base, every_s, timeout_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
while not select.select([sys.stdin], [], [], every_s)[0]:
    t = time.perf_counter()
    try:
        r = httpx.get(base + "/healthz", timeout=timeout_s)
        out = "%.3f" % ((time.perf_counter() - t) * 1000) if r.text == "ok" else "HTTP%d" % r.status_code
    except httpx.TransportError as exc:
        out = type(exc).__name__
    print(out, flush=True)
"""


class Prober:
    """``GET /healthz`` every ``every_s`` on a fresh connection, from a process of its own (the
    clients' threads must not delay it): latencies [ms] and failures."""

    def __init__(self, base: str, every_s: float = 0.25, timeout_s: float = 10.0):
        self.args = [sys.executable, "-c", _PROBE, base, str(every_s), str(timeout_s)]
        self.latencies_ms: list[float] = []
        self.failures: Counter = Counter()

    def summary(self) -> str:
        p = self.latencies_ms
        text = (f"{len(p)} probes, p50 / p99 / max {pct(p, 50):.1f} / {pct(p, 99):.1f} / "
                f"{max(p, default=float('nan')):.1f} ms")
        return text + (f", failures {dict(self.failures)}" if self.failures else ", no failure")

    def __enter__(self) -> "Prober":
        self._proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True)
        return self

    def __exit__(self, *exc) -> None:
        out, _ = self._proc.communicate("", timeout=60)  # closing its stdin stops it
        for line in out.split():
            try:
                self.latencies_ms.append(float(line))
            except ValueError:
                self.failures[line] += 1


def big(args) -> int:
    """``--big-uploads`` concurrent uploads of ``--big-mb`` MB of random bytes."""
    data = random.Random(args.seed).randbytes(int(args.big_mb * 1e6))  # shared by all clients
    server, base, startup_s = start_server(args)
    deadline = time.time() + args.timeout_s
    go = threading.Barrier(args.big_uploads)
    rows: list[dict] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        row = {"first": None, "final": None, "attempts": 0, "s": float("nan")}
        go.wait()
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=300) as c:
            while time.time() < deadline:
                row["attempts"] += 1
                try:
                    r = c.post("/api/analyze", files={"file": (f"big-{i}.fit", data)})
                    status, retry_s = r.status_code, float(r.headers.get("retry-after", 1))
                except httpx.TransportError as exc:
                    status, retry_s = type(exc).__name__, 1.0
                if row["first"] is None:
                    row["first"] = status
                row["final"] = status
                if status != 503 and not isinstance(status, str):
                    break
                time.sleep(min(retry_s, args.retry_cap_s) * (0.5 + random.random()))
        row["s"] = time.perf_counter() - t0
        with lock:
            rows.append(row)

    try:
        with Sampler(server.pid) as sampler, Prober(base) as prober:
            t0 = time.perf_counter()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(args.big_uploads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
            time.sleep(1.0)  # the workers' memory after the last answer is part of the peak
        after = rss_mb(server.pid) + sum(rss_mb(p) for p in descendants(server.pid))
        alive = httpx.get(base + "/healthz", timeout=30).text == "ok"
    finally:
        stop_server(server)

    first, final = Counter(r["first"] for r in rows), Counter(r["final"] for r in rows)
    times = [r["s"] for r in rows]
    lines = [
        f"trailtech serve, {args.big_uploads} concurrent uploads of {args.big_mb:g} MB (random "
        f"bytes), --max-upload-mb {args.max_upload_mb:g}, workers {args.workers or 'default'}, "
        f"{os.cpu_count()} CPUs, server start {startup_s:.1f} s",
        "",
        "| measure | value |",
        "|---|---|",
        f"| first answers | {dict(sorted(first.items(), key=str))} |",
        f"| final answers (retrying after 503) | {dict(sorted(final.items(), key=str))} |",
        f"| attempts per upload: mean / max | {sum(r['attempts'] for r in rows) / len(rows):.1f}"
        f" / {max(r['attempts'] for r in rows)} |",
        f"| time to the final answer: p50 / max | {pct(times, 50):.1f} / {max(times):.1f} s |",
        f"| wall time | {wall:.1f} s |",
        f"| peak RSS, server + workers at one instant | {sampler.peak['total']:.0f} MiB |",
        f"| peak RSS, server alone / workers alone ({sampler.workers_seen} processes) | "
        f"{sampler.peak['server']:.0f} / {sampler.peak['workers']:.0f} MiB |",
        f"| RSS, server + workers, 1 s after the last answer | {after:.0f} MiB |",
        f"| GET /healthz during the load | {prober.summary()} |",
        f"| server answered /healthz afterwards | {'yes' if alive else 'NO'} |",
    ]
    print("\n".join(lines))
    problems = []
    if not sampler.peak["total"] < args.max_rss_mb:
        problems.append(f"peak memory {sampler.peak['total']:.0f} MiB >= {args.max_rss_mb:g}")
    if prober.failures or not alive:
        problems.append("/healthz failed")
    bad = {k: v for k, v in final.items() if k != 400}
    if bad:
        problems.append(f"uploads not answered 400 in the end: {bad}")
    if any(isinstance(k, int) and k >= 500 and k != 503 for k in first):
        problems.append("5xx answers other than 503")
    for p in problems:
        print(f"\nload_web: {p}", file=sys.stderr)
    return 1 if problems else 0


def _trickle(sock: socket.socket, piece: bytes) -> bool:
    """Send ``piece``, and find out whether the server has closed the connection."""
    try:
        sock.setblocking(False)
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    return False
        except BlockingIOError:
            pass
        sock.send(piece)
        return True
    except OSError:
        return False


def slow(args) -> int:
    """Slow-loris: connections trickling their request head, and bodies trickling in."""
    server, base, startup_s = start_server(args)
    port = int(base.rsplit(":", 1)[1])
    head_start = b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    body_head = (head_start + b"Content-Type: multipart/form-data; boundary=b\r\n"
                 b"Content-Length: 1000000\r\n\r\n--b\r\nContent-Disposition: form-data; "
                 b'name="file"; filename="slow.fit"\r\n\r\n')
    good = args.good[0].read_bytes()
    socks: dict[str, list] = {"heads": [], "bodies": []}
    closed_at: dict[str, list] = {"heads": [], "bodies": []}
    uploads: Counter = Counter()
    stop = threading.Event()

    def uploader() -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.wait(2.0):
                try:
                    uploads[c.post("/api/analyze", files={"file": (args.good[0].name, good)})
                            .status_code] += 1
                except httpx.TransportError as exc:
                    uploads[type(exc).__name__] += 1

    try:
        with Prober(base) as prober:
            t0 = time.monotonic()
            for kind, n, first in (("heads", args.slow_heads, head_start),
                                   ("bodies", args.slow_bodies, body_head)):
                for _ in range(n):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    s.sendall(first)
                    socks[kind].append(s)
            up = threading.Thread(target=uploader, daemon=True)
            up.start()
            open_ = {k: set(range(len(v))) for k, v in socks.items()}
            while time.monotonic() - t0 < args.slow_s and any(open_.values()):
                for kind, piece in (("heads", b"X-Slow: 1\r\n"), ("bodies", b"x" * 10)):
                    for i in list(open_[kind]):
                        if not _trickle(socks[kind][i], piece):
                            open_[kind].discard(i)
                            closed_at[kind].append(time.monotonic() - t0)
                time.sleep(1.0)
            elapsed = time.monotonic() - t0
            stop.set()
            up.join(70)
        alive = httpx.get(base + "/healthz", timeout=30).text == "ok"
    finally:
        for v in socks.values():
            for s in v:
                s.close()
        stop_server(server)

    def closed(kind: str) -> str:
        t = closed_at[kind]
        n = len(socks[kind])
        if not t:
            return f"0 of {n}"
        span = f"{min(t):.0f}" if round(min(t)) == round(max(t)) else f"{min(t):.0f}-{max(t):.0f}"
        return f"{len(t)} of {n}, after {span} s"

    lines = [
        f"trailtech serve under slow clients for {elapsed:.0f} s: {args.slow_heads} trickling "
        f"request heads, {args.slow_bodies} trickling 1 MB bodies, {os.cpu_count()} CPUs",
        "",
        "| measure | value |",
        "|---|---|",
        f"| head tricklers closed by the server | {closed('heads')} |",
        f"| body tricklers closed by the server | {closed('bodies')} |",
        f"| sample uploads every 2 s meanwhile | {dict(sorted(uploads.items(), key=str))} |",
        f"| GET /healthz meanwhile | {prober.summary()} |",
        f"| server answered /healthz afterwards | {'yes' if alive else 'NO'} |",
    ]
    print("\n".join(lines))
    still = sum(len(socks[k]) - len(closed_at[k]) for k in socks)
    problems = []
    if still:
        problems.append(f"{still} slow connections still open after {elapsed:.0f} s")
    if prober.failures or not alive:
        problems.append("/healthz failed")
    for p in problems:
        print(f"\nload_web: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
