"""The worker pool survives what a hostile file can do to a worker: loop, crash, balloon."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from trailtech.web.pool import JobTimeout, WorkerCrashed, WorkerPool


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def pool():
    p = WorkerPool(2, timeout_s=2.0, memory_limit_mb=1024)
    p.warm_up()
    yield p
    p.shutdown()


def test_web_pool_runs_jobs_in_other_processes(pool):
    async def scenario():
        return await asyncio.gather(*(pool.run(os.getpid) for _ in range(4)))

    pids = run(scenario())
    assert os.getpid() not in pids


def test_web_pool_kills_a_job_that_runs_too_long(pool):
    async def scenario():
        before = await pool.run(os.getpid)
        t0 = time.perf_counter()
        with pytest.raises(JobTimeout):
            await pool.run(time.sleep, 60)
        took = time.perf_counter() - t0
        after = await pool.run(os.getpid)
        return before, took, after

    before, took, after = run(scenario())
    assert took < 10  # the timeout (2 s), not the job's 60 s
    assert pool.replaced == 1
    assert after != before  # a fresh worker


def test_web_pool_crash_is_retried_for_bystanders_and_reported_for_the_culprit(pool):
    async def scenario():
        # One job kills its worker; another job, sharing the pool, must still get its answer.
        bystander = asyncio.ensure_future(pool.run(time.sleep, 0.5))
        await asyncio.sleep(0.1)
        with pytest.raises(WorkerCrashed):
            await pool.run(os._exit, 3)
        return await bystander, await pool.run(sum, [1, 2, 3])

    slept, total = run(scenario())
    assert slept is None and total == 6
    assert pool.replaced >= 1


def test_web_pool_memory_cap_turns_a_balloon_into_memory_error(pool):
    async def scenario():
        with pytest.raises(MemoryError):
            await pool.run(bytearray, 4 * 1024**3)  # 4 GiB against a 1 GiB cap
        return await pool.run(len, "still here")

    assert run(scenario()) == 10
    assert pool.replaced == 0  # the worker survived its MemoryError


def test_web_pool_clock_starts_when_a_worker_takes_the_job():
    # One fresh worker, two 2.5 s jobs at once: the second one waits for the worker to start
    # (spawn + imports) and for the first job before it runs. Counted from submission it takes
    # over 5 s, past the 4 s limit; counted from its start, each job is well within it.
    p = WorkerPool(1, timeout_s=4.0)

    async def scenario():
        return await asyncio.gather(p.run(time.sleep, 2.5), p.run(time.sleep, 2.5))

    try:
        assert run(scenario()) == [None, None]
        assert p.replaced == 0
    finally:
        p.shutdown()


def test_web_pool_recycles_workers_after_n_jobs():
    p = WorkerPool(1, timeout_s=30, recycle_after=3)
    try:
        pids = [run(p.run(os.getpid)) for _ in range(6)]
    finally:
        p.shutdown()
    assert len(set(pids[:3])) == 1 and len(set(pids[3:])) == 1 and pids[0] != pids[3]


def test_web_pool_threads_mode_runs_in_process():
    p = WorkerPool(0, timeout_s=5)
    try:
        assert run(p.run(os.getpid)) == os.getpid()
    finally:
        p.shutdown()


def test_web_pool_rejects_bad_settings():
    with pytest.raises(ValueError, match="workers"):
        WorkerPool(-1)
    with pytest.raises(ValueError, match="timeout_s"):
        WorkerPool(1, timeout_s=0)
    with pytest.raises(ValueError, match="recycle_after"):
        WorkerPool(1, recycle_after=0)


_SERVER = """
import asyncio, os, sys, time
from trailtech.web.pool import WorkerPool

pool = WorkerPool(1, timeout_s=30)
print(asyncio.run(pool.run(os.getpid)), flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_web_workers_exit_when_the_server_is_killed():
    """SIGKILL leaves the server no chance to stop its workers: they notice and exit."""
    with subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True) as server:
        try:
            worker = int(server.stdout.readline())
            assert worker != server.pid and _alive(worker)
            server.kill()
            server.wait(10)
            deadline = time.monotonic() + 10
            while _alive(worker) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _alive(worker), "the worker outlived its killed server"
        finally:
            server.kill()
