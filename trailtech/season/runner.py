"""Run the per-file work in worker processes, one bad file costing only itself.

Two ways to run the same function over tasks, both yielding ``(task, entry)`` as results
arrive:

* :func:`run_pool` -- ``jobs`` worker processes of this machine (``spawn`` start method: safe
  with threads and on every platform). Each worker has its own pipe and runs one task at a time,
  so the runner always knows which file a worker is busy with:

  - a task's time limit runs from the moment it is handed to a worker that is ready, so
    starting a worker (importing numpy and pandas, slow on a loaded machine) never counts
    against a file; starting has its own, longer limit;
  - a task over ``timeout_s`` gets an error entry naming the limit, and only its worker is
    killed and replaced: the others go on with their files;
  - a worker that dies (segfault, ``os._exit``, the OOM killer) costs only the task it was
    running;
  - every worker has an address-space cap (``memory_limit_mb``; a ``MemoryError`` is a
    one-line failure naming the cap), ignores SIGINT (Ctrl+C reaches the whole process group;
    the parent stops its workers itself) and exits when the parent dies, whatever killed it
    (:func:`trailtech._limits.die_with_parent`);
  - every wait of the parent has a deadline and every join a timeout, so the runner itself
    cannot hang on a worker that hangs, dies half-way through sending its result, or does not
    start.

  ``jobs=1`` is one worker process: a season always runs its analyses with a time limit and a
  memory cap, also for a single file.
* :func:`run_dask` -- the same function on an existing ``dask.distributed`` cluster.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from multiprocessing.connection import wait as wait_ready
from typing import Any, Callable, Iterable, Iterator, Optional

from .._limits import DEFAULT_WORKER_MEMORY_MB, cap_address_space, die_with_parent, memory_refusal
from .work import error_entry, worker_init

__all__ = ["run_pool", "run_dask", "DEFAULT_TIMEOUT_S", "START_TIMEOUT_S"]

#: Per-file time limit [s]. A 10-hour 1 Hz FIT analyses in a few seconds; minutes mean a hang.
DEFAULT_TIMEOUT_S = 300.0
#: Longest a worker may take to start and become ready [s] (a fresh interpreter importing
#: numpy and pandas: about a second, tens of seconds on a machine under heavy load).
START_TIMEOUT_S = 120.0
#: Workers that die or hang before taking any task, in a row, before the runner gives up.
MAX_START_FAILURES = 3
#: How long a worker is given to exit once told to, before it is killed [s].
_JOIN_S = 5.0


def _file_of(task: Any) -> str:
    src = getattr(task, "source", None)
    return getattr(src, "file", None) or str(task)


# ----------------------------------------------------------------------------- worker side


def _worker_main(conn, fn: Callable[[Any], dict], initializer: Optional[Callable[..., None]], initargs: tuple,
                 parent_pid: int, memory_limit_mb: Optional[int]) -> None:
    """A worker's life: limits, initializer, then ``("task", t)`` in, one answer out, until told
    to stop or the pipe closes.

    Answers: ``("ready", pid)``, ``("failed", text)`` (the initializer raised), ``("done",
    entry)``, ``("memory", line)`` (``fn`` ran out of memory under the cap), ``("raised",
    text)`` (``fn`` raised, or its result does not pickle: a bug).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    cap_address_space(memory_limit_mb)
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException:  # noqa: BLE001 - reported to the parent, which gives up after a few
        with contextlib.suppress(OSError):
            conn.send(("failed", " ".join(traceback.format_exc().split())[-500:]))
        return
    try:
        conn.send(("ready", os.getpid()))
        while True:
            try:
                msg = conn.recv()
            except EOFError:  # the parent closed the pipe: stop
                return
            if not (isinstance(msg, tuple) and msg and msg[0] == "task"):
                return
            try:
                answer: tuple = ("done", fn(msg[1]))
            except MemoryError:
                answer = ("memory", memory_refusal())
            except BaseException as exc:  # noqa: BLE001 - a bug in fn: this task fails, the worker goes on
                answer = ("raised", f"{type(exc).__name__}: {exc}")
            del msg
            try:
                conn.send(answer)
            except MemoryError:
                conn.send(("memory", memory_refusal()))
            except (OSError, EOFError):
                raise
            except Exception as exc:  # noqa: BLE001 - the result does not pickle (nothing was sent)
                conn.send(("raised", f"the result could not be sent back ({type(exc).__name__}: {exc})"))
            del answer
    except (OSError, EOFError):  # the parent is gone
        return


# ----------------------------------------------------------------------------- parent side


class _Worker:
    """One worker process seen from the parent: its pipe, and the task it runs, if any."""

    __slots__ = ("proc", "conn", "task", "since", "ready")

    def __init__(self, proc, conn):
        self.proc = proc
        self.conn = conn
        self.task: Any = None
        self.since = time.monotonic()  # start of the worker, then of its current task
        self.ready = False


@contextlib.contextmanager
def _sigint_blocked():
    """Block SIGINT while a worker is started, so that the worker inherits it blocked.

    Ctrl+C in a terminal signals the whole process group; a worker still importing numpy would
    die of it with a traceback on the user's terminal. The worker ignores SIGINT once running;
    blocked (not ignored) here, a Ctrl+C pressed meanwhile is not lost: it is delivered to
    this process when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start(ctx, fn, initializer, initargs, memory_limit_mb) -> _Worker:
    parent_end, child_end = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_worker_main, name="trailtech-season-worker", daemon=True,
                       args=(child_end, fn, initializer, initargs, os.getpid(), memory_limit_mb))
    with _sigint_blocked():
        proc.start()
    # Only the worker holds its end now: when it dies, even half-way through sending, the
    # parent reads end-of-file instead of waiting forever for the rest of the message.
    child_end.close()
    return _Worker(proc, parent_end)


def _stop(workers: list, *, kill: bool) -> None:
    """Stop ``workers``: busy ones (or all, with ``kill``) are killed, idle ones told to exit;
    then each is joined with a timeout and killed if still there. Bounded in time."""
    for w in workers:
        if kill or w.task is not None or not w.ready:
            with contextlib.suppress(Exception):
                w.proc.kill()
        with contextlib.suppress(Exception):
            w.conn.close()  # an idle worker reads end-of-file and exits
    deadline = time.monotonic() + _JOIN_S
    for w in workers:
        with contextlib.suppress(Exception):
            w.proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=_JOIN_S)


def run_pool(
    fn: Callable[[Any], dict],
    tasks: Iterable[Any],
    *,
    jobs: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    initializer: Optional[Callable[..., None]] = worker_init,
    initargs: tuple = (),
    memory_limit_mb: Optional[int] = DEFAULT_WORKER_MEMORY_MB,
    start_timeout_s: float = START_TIMEOUT_S,
) -> Iterator[tuple[Any, dict]]:
    """Run ``fn`` over ``tasks`` in worker processes; yields ``(task, entry)`` as they finish.

    Parameters
    ----------
    fn : callable
        A top-level (picklable) function ``task -> entry dict``.
    tasks : iterable
        Picklable tasks.
    jobs : int
        Worker processes (at most one per task).
    timeout_s : float
        Per-task time limit [s], from the moment the task reaches a ready worker.
    initializer : callable, optional
        Run once in each worker, with ``initargs``.
    memory_limit_mb : int or None
        Address-space cap of each worker [MiB]; None for none.
    start_timeout_s : float
        Longest a worker may take to start [s].

    Yields
    ------
    (task, entry)
        ``entry`` is ``fn(task)``, or an error entry (``ok`` False, not cacheable) when the
        task timed out, ran out of memory, raised, or killed its worker.
    """
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: give 1 or more worker processes")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s={timeout_s}: give a positive time limit in seconds")
    if not start_timeout_s > 0:
        raise ValueError(f"start_timeout_s={start_timeout_s}: give a positive time limit in seconds")
    pending = deque(tasks)
    ctx = multiprocessing.get_context("spawn")
    workers: list[_Worker] = []
    starts = _StartFailures()
    try:
        while True:
            _hand_out(workers, pending)
            busy = sum(w.task is not None for w in workers)
            if not pending and not busy:
                return
            if starts.count >= MAX_START_FAILURES:
                while pending:
                    yield _fail(pending.popleft(), f"no worker process could be started ({starts.why})")
                if not busy:
                    return
            starting = sum(not w.ready for w in workers)
            for _ in range(min(jobs - len(workers), len(pending) - starting)):
                workers.append(_start(ctx, fn, initializer, initargs, memory_limit_mb))
            ready = _wait_any(workers, timeout_s, start_timeout_s)
            yield from _collect(workers, ready, starts)
            yield from _expire(workers, timeout_s, start_timeout_s, starts)
    finally:
        _stop(workers, kill=False)


class _StartFailures:
    """Workers that died or hung before running any task, in a row, and why the last one did."""

    __slots__ = ("count", "why")

    def __init__(self):
        self.count = 0
        self.why = ""

    def add(self, why: str) -> None:
        self.count += 1
        self.why = why


def _fail(task: Any, message: str) -> tuple[Any, dict]:
    """``(task, error entry)`` for a task that gave no result; not cacheable."""
    return task, error_entry(_file_of(task), message, cacheable=False)


def _hand_out(workers: list[_Worker], pending: deque) -> None:
    """Send the next pending tasks to the ready, idle workers, one each.

    A worker found dead while idle gives its task back to the front of ``pending``; its death
    is noticed when its sentinel is read.
    """
    for w in workers:
        if pending and w.ready and w.task is None:
            w.task, w.since = pending.popleft(), time.monotonic()
            try:
                w.conn.send(("task", w.task))
            except (OSError, EOFError):  # it died while idle: _collect notices it, task retried
                pending.appendleft(w.task)
                w.task = None


def _wait_any(workers: list[_Worker], timeout_s: float, start_timeout_s: float) -> set:
    """Wait until a worker's pipe or process sentinel is ready, or the nearest limit passes.

    Parameters
    ----------
    workers : list of _Worker
    timeout_s : float
        Per-task time limit [s], counted from each busy worker's ``since``.
    start_timeout_s : float
        Start limit [s], counted from each starting worker's ``since``.

    Returns
    -------
    set
        The pipes and sentinels that are ready (empty when the wait timed out); a second at
        most when no worker is busy or starting.
    """
    deadline = min((w.since + (timeout_s if w.ready else start_timeout_s)
                    for w in workers if w.task is not None or not w.ready),
                   default=time.monotonic() + 1.0)
    return set(wait_ready([w.conn for w in workers] + [w.proc.sentinel for w in workers],
                          timeout=max(0.0, deadline - time.monotonic())))


def _collect(workers: list[_Worker], ready: set, starts: _StartFailures) -> Iterator[tuple[Any, dict]]:
    """Read every ready worker's answer; yield ``(task, entry)`` for each task that ended.

    A worker that died is removed (its task fails, or it counts in ``starts`` if it had
    none); a ``ready`` answer makes a worker ready, a ``failed`` one removes it.
    """
    for w in list(workers):
        if w.conn not in ready and w.proc.sentinel not in ready:
            continue
        try:
            msg = w.conn.recv() if w.conn.poll() else None
        except (EOFError, OSError):
            msg = None
        except Exception as exc:  # noqa: BLE001 - the result does not unpickle here
            msg = ("raised", f"the result could not be read ({type(exc).__name__}: {exc})")
        if msg is None:
            if w.proc.sentinel not in ready and w.proc.is_alive():
                continue  # readable but nothing complete yet: wait again
            workers.remove(w)
            _stop([w], kill=True)
            task, w.task = w.task, None
            if task is not None:
                yield _fail(task, "the analysis crashed its worker process (please report this file)")
            else:
                starts.add(f"a worker exited with code {w.proc.exitcode}")
            continue
        kind, value = msg[0], msg[1]
        if kind == "ready":
            w.ready, w.since = True, time.monotonic()
            continue
        if kind == "failed":
            workers.remove(w)
            _stop([w], kill=True)
            starts.add(f"its initializer failed: {value}")
            continue
        task, w.task = w.task, None
        if task is None:
            continue
        starts.count = 0  # workers do run tasks
        if kind == "done":
            yield task, value
        elif kind == "memory":
            yield _fail(task, value)
        else:
            yield _fail(task, f"internal error ({value}); please report it")


def _expire(
    workers: list[_Worker], timeout_s: float, start_timeout_s: float, starts: _StartFailures
) -> Iterator[tuple[Any, dict]]:
    """Kill and remove the workers over their limit; yield an error entry for each lost task.

    Parameters
    ----------
    workers : list of _Worker
    timeout_s : float
        Per-task time limit [s]: a busy worker past it loses its task.
    start_timeout_s : float
        Start limit [s]: a worker not ready past it counts in ``starts``.
    starts : _StartFailures
    """
    now = time.monotonic()
    for w in list(workers):
        if w.task is not None and now - w.since >= timeout_s:
            workers.remove(w)
            task, w.task = w.task, None
            _stop([w], kill=True)
            yield _fail(task, f"analysis did not finish within {timeout_s:g} s (the time limit per file)")
        elif not w.ready and now - w.since >= start_timeout_s:
            workers.remove(w)
            _stop([w], kill=True)
            starts.add(f"a worker did not start within {start_timeout_s:g} s")


def run_dask(
    fn: Callable[[Any], dict],
    tasks: Iterable[Any],
    *,
    scheduler: Any,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Iterator[tuple[Any, dict]]:
    """Run ``fn`` over ``tasks`` on a dask.distributed cluster; yields ``(task, entry)``.

    Parameters
    ----------
    scheduler : str or distributed.Client
        The scheduler address (``tcp://host:8786``) or a connected client.
    timeout_s : float
        Per-task time limit [s] while waiting for each result. Dask cannot stop a running
        task: a hung task is reported and abandoned (its worker keeps it).

    Raises
    ------
    ImportError
        dask.distributed is not installed (``pip install 'trailtech[dask]'``).
    ConfigError
        No scheduler answers at the address, or the address is malformed.
    """
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler)
        except (OSError, ValueError, TimeoutError) as exc:  # unreachable or malformed address
            from ..errors import ConfigError

            raise ConfigError(f"--scheduler {scheduler}: cannot connect to a dask scheduler "
                              f"({' '.join(str(exc).split()) or type(exc).__name__})") from exc
    else:
        client = scheduler
    try:
        tasks = list(tasks)
        if not tasks:
            return
        futures = client.map(fn, tasks, pure=False)
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        pending = set(f.key for f in futures)
        try:
            for fut in as_completed(futures, timeout=timeout_s * max(1, len(tasks))):
                task = by_key[fut.key]
                pending.discard(fut.key)
                try:
                    entry = fut.result()
                except Exception as exc:
                    entry = error_entry(_file_of(task), f"the dask worker failed ({type(exc).__name__}: "
                                        f"{exc})", cacheable=False)
                yield task, entry
        except TimeoutError:
            for key in sorted(pending):
                task = by_key[key]
                yield task, error_entry(_file_of(task), "analysis did not finish on the dask cluster in time",
                                        cacheable=False)
        finally:
            left = [f for f in futures if f.key in pending]
            if left:
                client.cancel(left)
    finally:
        if own:
            client.close()
