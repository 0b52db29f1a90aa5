"""A small pool of worker processes that the event loop hands analyses to.

Analysis is CPU work (decoding, numpy, matplotlib) and a file may be hostile, so it never runs
on the event loop, and by default not in the server's process either:

* the page stays responsive while a big file is analysed, and uploads on other connections are
  read and queued meanwhile;
* a file that makes a reader loop runs into ``timeout_s``: the pool is replaced (its processes
  killed) and the jobs that were sharing it are retried, each alone (see :meth:`WorkerPool.run`);
* ``timeout_s`` counts from the moment a worker takes the job (the worker says so through a pipe),
  so neither the wait behind other jobs nor a fresh worker's start-up (spawning it and importing
  trailtech: seconds on a loaded machine) counts against a file;
* a worker that dies (a crash, the kernel's OOM killer, the address-space cap) breaks only its
  pool, which is replaced the same way; the server process itself never runs a reader;
* after ``recycle_after`` jobs the pool is swapped for a fresh one (the old one finishes what it
  has), so memory fragmentation in long-lived workers cannot pile up.

``workers=0`` runs jobs in threads of the server process instead: no isolation, for debugging.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Optional

from . import jobs

__all__ = ["WorkerPool", "JobTimeout", "WorkerCrashed", "default_workers"]

log = logging.getLogger("trailtech.web")


class JobTimeout(Exception):
    """A job ran longer than the pool's ``timeout_s``."""


class WorkerCrashed(Exception):
    """The worker process running a job died, twice."""


def default_workers() -> int:
    """Two workers on a small machine, up to four on a big one: analysis of one file is
    single-threaded, and more processes than cores only adds memory."""
    return max(1, min(4, os.cpu_count() or 1))


class WorkerPool:
    """Run :mod:`trailtech.web.jobs` functions off the event loop with a timeout.

    Parameters
    ----------
    workers : int
        Number of worker processes; 0 runs jobs in threads of this process.
    timeout_s : float
        Longest a job may run before its worker is killed [s].
    memory_limit_mb : int, optional
        Address-space cap of each worker process [MiB]; None for no cap.
    recycle_after : int
        Jobs after which the pool is replaced by a fresh one.
    """

    def __init__(
        self,
        workers: int,
        *,
        timeout_s: float = 300.0,
        memory_limit_mb: Optional[int] = None,
        recycle_after: int = 500,
    ):
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        if recycle_after < 1:
            raise ValueError(f"recycle_after must be >= 1, got {recycle_after}")
        self.workers = workers
        self.timeout_s = float(timeout_s)
        self.memory_limit_mb = memory_limit_mb
        self.recycle_after = recycle_after
        self._lock = threading.Lock()
        self._executor: Optional[cf.Executor] = None
        self._jobs_on_executor = 0
        self._quarantine: Optional[cf.Executor] = None
        self._qlock: Optional[tuple] = None
        self.replaced = 0  # pools replaced after a timeout or a crash (for tests and logs)
        self._starts: Optional[_StartSignals] = None

    # -- executor lifecycle --------------------------------------------------------------------
    def _start_signals(self) -> "_StartSignals":
        # Called with self._lock held.
        if self._starts is None:
            self._starts = _StartSignals()
        return self._starts

    def _process_executor(self, workers: int) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the server runs threads (uvicorn, the executor's own manager), and
        # forking a threaded process can copy a held lock into the child.
        return cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process,
            initargs=(self._start_signals().writer, self.memory_limit_mb, os.getpid()),
        )

    def _new_executor(self) -> cf.Executor:
        if self.workers == 0:
            return cf.ThreadPoolExecutor(max_workers=2, thread_name_prefix="trailtech-job")
        return self._process_executor(self.workers)

    def _current(self) -> cf.Executor:
        with self._lock:
            if self._executor is None or self._jobs_on_executor >= self.recycle_after:
                old = self._executor
                self._executor = self._new_executor()
                self._jobs_on_executor = 0
                if old is not None:
                    old.shutdown(wait=False)  # finishes its running jobs, then exits
            self._jobs_on_executor += 1
            return self._executor

    def _replace(self, broken: cf.Executor) -> None:
        """Kill ``broken`` (if it is still the current pool) and start afresh on next use."""
        with self._lock:
            if self._executor is broken:
                self._executor = None
                self.replaced += 1
        _kill(broken)

    def warm_up(self) -> None:
        """Start the worker processes now rather than on the first upload."""
        ex = self._current()
        self._jobs_on_executor -= 1
        if isinstance(ex, cf.ProcessPoolExecutor):
            with _children_ignore_sigint():
                for _ in range(self.workers):
                    ex.submit(os.getpid)

    def shutdown(self) -> None:
        """Stop every worker now (jobs still running are abandoned)."""
        with self._lock:
            executors = [self._executor, self._quarantine]
            self._executor = self._quarantine = None
            starts, self._starts = self._starts, None
        for ex in executors:
            if ex is not None:
                _kill(ex)
        if starts is not None:
            starts.close()

    # -- running -------------------------------------------------------------------------------
    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` in a worker and await its result.

        When a worker dies, every job in its pool fails with it and nobody knows which one
        killed it. So each of them is retried once, alone: one job at a time in a separate
        one-worker quarantine pool, where the culprit can take down nothing but itself.

        Raises
        ------
        JobTimeout
            The job ran longer than ``timeout_s``; its worker was killed.
        WorkerCrashed
            The worker died while running the job, and again when the job ran alone.
        """
        loop = asyncio.get_running_loop()
        ex = self._current()
        try:
            return await self._run_on(loop, ex, fn, args)
        except BrokenProcessPool:
            log.warning("a worker process died during %s; retrying it alone", fn.__name__)
            self._replace(ex)
        async with self._quarantine_lock(loop):
            qx = self._quarantine_executor()
            try:
                return await self._run_on(loop, qx, fn, args)
            except BrokenProcessPool:
                log.warning("%s killed its worker again: giving up on it", fn.__name__)
                self._drop_quarantine(qx)
                raise WorkerCrashed() from None

    async def _run_on(self, loop, ex: cf.Executor, fn, args) -> Any:
        with self._lock:
            starts = self._start_signals()
        job_id, started = starts.expect(loop)
        try:
            try:
                if isinstance(ex, cf.ProcessPoolExecutor):
                    with _children_ignore_sigint():  # submit() may spawn a worker process
                        fut = loop.run_in_executor(ex, _announced, job_id, fn, *args)
                else:
                    fut = loop.run_in_executor(ex, starts.run_announced, job_id, fn, *args)
            except RuntimeError as exc:
                # Broken, or shut down by a recycle between choosing it and submitting to it.
                raise BrokenProcessPool(str(exc)) from exc
            # Queued behind other jobs or behind a worker's start-up: no clock yet. The wait is
            # bounded all the same, since every job ahead of this one runs under the clock.
            await asyncio.wait({started, fut}, return_when=asyncio.FIRST_COMPLETED)
            return await asyncio.wait_for(fut, self.timeout_s)
        except asyncio.TimeoutError:
            log.warning("job %s ran over %g s; killing its worker", fn.__name__, self.timeout_s)
            if isinstance(ex, cf.ProcessPoolExecutor):
                if ex is self._quarantine:
                    self._drop_quarantine(ex)
                else:
                    self._replace(ex)
            raise JobTimeout() from None
        finally:
            starts.forget(job_id)

    def _quarantine_lock(self, loop) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; keep one per loop (tests run several).
        if self._qlock is None or self._qlock[0] is not loop:
            self._qlock = (loop, asyncio.Lock())
        return self._qlock[1]

    def _quarantine_executor(self) -> cf.Executor:
        with self._lock:
            if self._quarantine is None:
                self._quarantine = self._process_executor(1)
            return self._quarantine

    def _drop_quarantine(self, qx: cf.Executor) -> None:
        with self._lock:
            if self._quarantine is qx:
                self._quarantine = None
        _kill(qx)


#: In a worker process: the write end of its pool's start pipe (see :class:`_StartSignals`).
_start_pipe = None


def _init_process(writer, memory_limit_mb: Optional[int], parent_pid: Optional[int] = None) -> None:
    global _start_pipe
    _start_pipe = writer
    jobs.init_worker(memory_limit_mb, parent_pid)


def _announced(job_id: int, fn: Callable[..., Any], *args: Any) -> Any:
    """Run in a worker process: tell the server that job ``job_id`` starts now, then run it."""
    try:
        _start_pipe.send_bytes(job_id.to_bytes(8, "little", signed=True))
    except (AttributeError, OSError):
        pass  # the server is shutting down; the job's clock simply never starts
    return fn(*args)


class _StartSignals:
    """When each job leaves the queue for a worker, so that its time limit starts then.

    Workers write the job's id (8 bytes) into one pipe shared by all of them; a write that small
    is atomic on a pipe, so no lock is needed (a lock held by a worker killed mid-write would
    stop every other worker). A thread of the server reads the pipe and completes the
    ``started`` future of that job on its event loop.
    """

    _STOP = -1

    def __init__(self) -> None:
        self._reader, self.writer = multiprocessing.get_context("spawn").Pipe(duplex=False)
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future]] = {}
        self._thread = threading.Thread(target=self._listen, name="trailtech-job-starts",
                                        daemon=True)
        self._thread.start()

    def expect(self, loop: asyncio.AbstractEventLoop) -> tuple[int, asyncio.Future]:
        """A new job id and the future its start will complete."""
        job_id = next(self._ids)
        started = loop.create_future()
        with self._lock:
            self._waiting[job_id] = (loop, started)
        return job_id, started

    def forget(self, job_id: int) -> None:
        with self._lock:
            waiter = self._waiting.pop(job_id, None)
        if waiter is not None and not waiter[1].done():
            waiter[1].cancel()

    def _listen(self) -> None:
        while True:
            try:
                job_id = int.from_bytes(self._reader.recv_bytes(), "little", signed=True)
            except (EOFError, OSError):
                return
            if job_id == self._STOP:
                return
            self._mark(job_id)

    def _mark(self, job_id: int) -> None:
        with self._lock:
            waiter = self._waiting.pop(job_id, None)
        if waiter is None:
            return  # the job finished (or was given up) before its start was read
        loop, started = waiter
        try:
            loop.call_soon_threadsafe(_set_started, started)
        except RuntimeError:
            pass  # that event loop is closed

    def run_announced(self, job_id: int, fn: Callable[..., Any], *args: Any) -> Any:
        """In a thread of this process (``workers=0``): mark the start, then run the job."""
        self._mark(job_id)
        return fn(*args)

    def close(self) -> None:
        """Stop the reading thread and close the pipe."""
        try:
            self.writer.send_bytes(self._STOP.to_bytes(8, "little", signed=True))
        except OSError:
            pass
        self._thread.join(timeout=5)
        self.writer.close()
        self._reader.close()


def _set_started(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


@contextlib.contextmanager
def _children_ignore_sigint():
    """Let processes started inside this block ignore SIGINT from their first instruction.

    Ctrl+C in a terminal signals the whole process group, and a worker that is still importing
    when it arrives would die with a KeyboardInterrupt traceback; the server stops its workers
    itself. A child started while SIGINT is ignored keeps ignoring it (Python installs its own
    handler only over the default disposition). Only the main thread may change handlers;
    elsewhere (tests driving the app from a thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _kill(ex: cf.Executor) -> None:
    """Stop an executor's worker processes now, whatever they are doing."""
    if not isinstance(ex, cf.ProcessPoolExecutor):
        ex.shutdown(wait=False, cancel_futures=True)
        return
    # ProcessPoolExecutor has no public "terminate" before Python 3.14; its process table is
    # the only handle on a worker stuck in a loop.
    processes = list((getattr(ex, "_processes", None) or {}).values())
    for proc in processes:
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    ex.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(timeout=2)  # SIGKILL is immediate; this only reaps the zombie
