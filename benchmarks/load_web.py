"""Bounded load test of ``trailtech serve`` on loopback.

Starts the server in a subprocess on 127.0.0.1 (a free port), sends a fixed number of uploads
from a few concurrent clients, mixing good activity files (the sample tracks, each under a unique
name so the server's answer cache cannot answer), broken ones (random bytes: 400; files cut at a
random point: 200 or 400, as the readers keep what precedes the break) and oversize ones (just over a deliberately small ``--max-upload-mb``), then stops the server and
prints a markdown table: answers by kind, latency percentiles, throughput, and the server's memory
(VmRSS from /proc) after a warm-up and at the end. It stops by itself; it never talks to anything
but 127.0.0.1.

Exit status 1 when any answer was 5xx, a kind got an unexpected status, or the server process
grew by more than ``--max-rss-growth-mb``.

    python benchmarks/load_web.py                      # 200 uploads, 8 clients, process workers
    python benchmarks/load_web.py --workers 0          # analysis in threads, to compare
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
    ap.add_argument("--files", type=int, default=200, help="uploads in all (default 200)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--max-upload-mb", type=float, default=1.0,
                    help="server limit; oversize uploads are just above it (default 1)")
    ap.add_argument("--workers", type=int, default=None,
                    help="server analysis workers (default: its own; 0 = threads)")
    ap.add_argument("--warmup", type=int, default=24, help="uploads before the memory baseline")
    ap.add_argument("--max-rss-growth-mb", type=float, default=40.0)
    ap.add_argument("--timeout-s", type=float, default=900.0, help="give up after this long")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--good", nargs="+", type=Path, metavar="FILE",
                    default=[ROOT / "sample_tracks" / n for n in SAMPLES],
                    help="good activity files to upload (default: the sample tracks)")
    args = ap.parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
