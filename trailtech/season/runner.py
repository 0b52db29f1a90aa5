"""Run the per-file work in parallel, one bad file costing only itself.

Three ways to run the same function over tasks, all yielding ``(task, entry)`` as results
arrive:

* :func:`run_serial` -- in this process (``jobs=1``; no timeout or crash isolation).
* :func:`run_pool` -- a :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn``
  start method (safe with threads and on every platform). At most ``jobs`` tasks are in
  flight, so a task's submission time is its start time and a per-file timeout can be
  enforced: a task running longer than ``timeout_s`` is marked as timed out, the pool is
  killed and restarted, and the other in-flight tasks are resubmitted. When a worker dies
  (segfault, ``os._exit``, out of memory) the pool breaks: the tasks that were in flight
  are re-run one at a time, and the one that breaks the pool again is marked as the culprit.
* :func:`run_dask` -- the same function on an existing ``dask.distributed`` cluster.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Optional

from .work import error_entry, worker_init

__all__ = ["run_serial", "run_pool", "run_dask", "DEFAULT_TIMEOUT_S"]

#: Per-file time limit [s]. A 10-hour 1 Hz FIT analyses in a few seconds; minutes mean a hang.
DEFAULT_TIMEOUT_S = 300.0


def _file_of(task: Any) -> str:
    src = getattr(task, "source", None)
    return getattr(src, "file", None) or str(task)


def run_serial(fn: Callable[[Any], dict], tasks: Iterable[Any]) -> Iterator[tuple[Any, dict]]:
    """Run ``fn`` over ``tasks`` in this process, in order."""
    for task in tasks:
        yield task, fn(task)


def _kill(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now, even with a worker stuck in a task (shutdown alone would wait for it)."""
    # ProcessPoolExecutor has no public way to stop a running task; its worker processes
    # are in the private _processes dict (stable since Python 3.2).
    procs = list((getattr(executor, "_processes", None) or {}).values())
    for p in procs:
        try:
            p.kill()
        except Exception:  # already gone
            pass
    executor.shutdown(wait=True, cancel_futures=True)
    for p in procs:
        try:
            p.join(timeout=5)
        except Exception:
            pass


def run_pool(
    fn: Callable[[Any], dict],
    tasks: Iterable[Any],
    *,
    jobs: int,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    initializer: Optional[Callable[[], None]] = worker_init,
) -> Iterator[tuple[Any, dict]]:
    """Run ``fn`` over ``tasks`` in a process pool; yields ``(task, entry)`` as they finish.

    Parameters
    ----------
    fn : callable
        A top-level (picklable) function ``task -> entry dict``.
    tasks : iterable
        Picklable tasks; consumed lazily (at most ``jobs`` are held in flight).
    jobs : int
        Worker processes.
    timeout_s : float
        Per-task time limit [s]; a task over it gets an error entry.
    initializer : callable, optional
        Run once in each worker.

    Yields
    ------
    (task, entry)
        ``entry`` is ``fn(task)``, or an error entry (``ok`` False, not cacheable) when the
        task timed out or crashed its worker.
    """
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: give 1 or more worker processes")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s={timeout_s}: give a positive time limit in seconds")
    source = iter(tasks)
    retry: deque = deque()  # innocent tasks to resubmit after a pool restart
    suspects: deque = deque()  # tasks in flight when the pool broke: re-run one at a time
    ctx = multiprocessing.get_context("spawn")
    executor: Optional[ProcessPoolExecutor] = None
    inflight: dict = {}  # future -> (task, start time, isolated)
    exhausted = False
    try:
        while True:
            if executor is None:
                executor = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=initializer)
            # Fill: suspects alone, else up to `jobs` tasks.
            while True:
                if suspects:
                    if inflight:
                        break
                    task, isolated = suspects.popleft(), True
                elif len(inflight) >= jobs:
                    break
                elif retry:
                    task, isolated = retry.popleft(), False
                elif not exhausted:
                    try:
                        task, isolated = next(source), False
                    except StopIteration:
                        exhausted = True
                        break
                else:
                    break
                inflight[executor.submit(fn, task)] = (task, time.monotonic(), isolated)
                if isolated:
                    break
            if not inflight:
                return
            now = time.monotonic()
            next_deadline = min(t0 for _, t0, _ in inflight.values()) + timeout_s
            done, _ = wait(list(inflight), timeout=max(0.0, next_deadline - now),
                           return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                task, t0, isolated = inflight.pop(fut)
                try:
                    entry = fut.result()
                except BrokenProcessPool:
                    broken.append((task, isolated))
                    continue
                except Exception as exc:  # the result did not pickle, or fn raised: a bug
                    entry = error_entry(_file_of(task), f"internal error ({type(exc).__name__}: {exc}); "
                                        "please report it", cacheable=False)
                yield task, entry
            if broken:
                # Every task still in flight has failed with the pool too.
                for fut, (task, _, isolated) in list(inflight.items()):
                    broken.append((task, isolated))
                inflight.clear()
                _kill(executor)
                executor = None
                for task, isolated in broken:
                    if isolated:
                        yield task, error_entry(_file_of(task), "the analysis crashed its worker process "
                                                "(please report this file)", cacheable=False)
                    else:
                        suspects.append(task)
                continue
            now = time.monotonic()
            late = [f for f, (_, t0, _) in inflight.items() if now - t0 >= timeout_s]
            if late:
                for fut in late:
                    task, _, _ = inflight.pop(fut)
                    yield task, error_entry(_file_of(task), f"analysis did not finish within {timeout_s:g} s",
                                            cacheable=False)
                for fut, (task, _, isolated) in list(inflight.items()):
                    (suspects if isolated else retry).append(task)
                inflight.clear()
                _kill(executor)
                executor = None
    finally:
        if executor is not None:
            if inflight:
                _kill(executor)
            else:
                executor.shutdown(wait=True)


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
