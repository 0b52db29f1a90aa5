"""The process pool: one crashing, hanging or failing task costs only itself, and nothing hangs.

Time limits here are seconds while the tasks are instant or never finish, so no assertion rests
on how fast the machine is: worker start-up (seconds on a loaded machine) is not counted
against a task.
"""

from __future__ import annotations

import pytest

from trailtech.season.runner import run_pool

from . import _helpers as h


def _by_task(results):
    return {task: entry for task, entry in results}


def test_pool_runs_everything():
    out = _by_task(run_pool(h.work_ok, range(6), jobs=2, initializer=None))
    assert sorted(out) == list(range(6))
    assert all(e["ok"] and e["value"] == 2 * t for t, e in out.items())


def test_crashing_worker_costs_only_its_file():
    out = _by_task(run_pool(h.work_crash_on_3, range(6), jobs=2, initializer=None))
    assert sorted(out) == list(range(6))
    assert not out[3]["ok"] and "crashed" in out[3]["error"]
    assert not out[3]["cacheable"]
    assert all(out[t]["ok"] and out[t]["value"] == 2 * t for t in (0, 1, 2, 4, 5))


def test_hanging_worker_times_out():
    out = _by_task(run_pool(h.work_hang_forever_on_2, range(5), jobs=2, timeout_s=3.0, initializer=None))
    assert not out[2]["ok"] and "did not finish within 3 s" in out[2]["error"]
    assert not out[2]["cacheable"]
    assert all(out[t]["ok"] for t in (0, 1, 3, 4))


def test_worker_start_up_does_not_count_against_a_task():
    # The cause of the flaky test_hanging_worker_times_out: the old pool timed a task from its
    # submission, so a worker importing numpy for longer than the limit failed innocent files.
    out = _by_task(run_pool(h.work_ok, range(3), jobs=2, timeout_s=2.0, initializer=h.slow_init,
                            initargs=(4.0,)))
    assert all(out[t]["ok"] for t in range(3)), out


def test_one_job_has_a_time_limit_too():
    out = _by_task(run_pool(h.work_hang_forever_on_2, [2, 3], jobs=1, timeout_s=2.0, initializer=None))
    assert "did not finish within 2 s" in out[2]["error"] and out[3]["ok"]


def test_workers_that_cannot_start_fail_the_tasks_without_hanging():
    out = _by_task(run_pool(h.work_ok, range(3), jobs=2, initializer=h.failing_init))
    assert sorted(out) == [0, 1, 2]
    assert all("no worker process could be started" in e["error"] and "cannot initialise" in e["error"]
               for e in out.values())
    out = _by_task(run_pool(h.work_ok, range(2), jobs=1, initializer=h.hanging_init, start_timeout_s=1.0))
    assert all("did not start within 1 s" in e["error"] for e in out.values())


def test_memory_error_in_a_worker_names_the_cap():
    from trailtech._limits import DEFAULT_WORKER_MEMORY_MB

    out = _by_task(run_pool(h.work_alloc_4gib, [0], jobs=1, initializer=None))
    assert not out[0]["ok"] and not out[0]["cacheable"]
    assert f"({DEFAULT_WORKER_MEMORY_MB} MiB)" in out[0]["error"], out[0]
    assert "\n" not in out[0]["error"]


def test_process_reports_memory_error_in_one_line(tmp_path, monkeypatch):
    from trailtech.season import work
    from trailtech.season.discover import Source

    def boom(source):
        raise MemoryError()

    monkeypatch.setattr(work, "_load", boom)
    entry = work.process(work.Task(Source("a.fit", str(tmp_path / "a.fit")), "digest"))
    assert not entry["ok"] and not entry["cacheable"] and "internal error" not in entry["error"]
    assert "memory" in entry["error"]


def test_stopping_early_leaves_no_worker_behind():
    results = run_pool(h.work_hang_forever_on_2, [0, 2], jobs=2, timeout_s=60.0, initializer=None)
    task, entry = next(results)
    assert task == 0 and entry["ok"]
    import multiprocessing

    assert multiprocessing.active_children()  # the worker hanging on task 2
    results.close()  # the caller gives up (Ctrl+C, an exception): every worker is stopped
    assert [p for p in multiprocessing.active_children() if p.name == "trailtech-season-worker"] == []


def test_exception_in_worker_is_an_error_entry():
    out = _by_task(run_pool(h.work_raise_on_1, range(3), jobs=2, initializer=None))
    assert not out[1]["ok"] and "RuntimeError: boom" in out[1]["error"]
    assert out[0]["ok"] and out[2]["ok"]


@pytest.mark.parametrize("kw", [{"jobs": 0}, {"jobs": 2, "timeout_s": 0}, {"jobs": 1, "start_timeout_s": 0}])
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        list(run_pool(h.work_ok, [1], **kw))


@pytest.mark.parametrize("address", ["notanaddress", "tcp://127.0.0.1:1"])
def test_dask_scheduler_that_does_not_answer_is_one_line(address, tmp_path, capsys):
    pytest.importorskip("distributed")
    import dask

    from trailtech.cli import main

    f = h.write(tmp_path / "a.gpx", h.gpx_bytes(200))
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["season", str(f), "--no-cache", "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"trailtech: --scheduler {address}: cannot connect")


@pytest.mark.parametrize("n_files", [1, 2])
def test_season_with_one_job_times_out_a_hanging_file(tmp_path, monkeypatch, n_files):
    # --jobs 1, and a single file to analyse, used to run in this process with no time limit.
    import trailtech
    from trailtech.season import work

    for i in range(n_files):
        h.write(tmp_path / f"run{i}.gpx", h.gpx_bytes(200, start=f"2026-06-0{i + 1}T08:00:00Z"))
    monkeypatch.setattr(work, "process", h.season_task_sleeps_30s)
    season = trailtech.analyze_season([tmp_path], jobs=1, cache=False, timeout_s=2.0)
    assert len(season.errors) == n_files
    assert all("did not finish within 2 s" in e["error"] for e in season.errors), season.errors


def test_season_worker_memory_cap(tmp_path, monkeypatch):
    import trailtech
    from trailtech._limits import DEFAULT_WORKER_MEMORY_MB
    from trailtech.season import work

    h.write(tmp_path / "bomb.gpx", h.gpx_bytes(200))
    monkeypatch.setattr(work, "process", h.season_task_needs_4gib)
    season = trailtech.analyze_season([tmp_path], jobs=1, cache=False)
    assert [e["file"] for e in season.errors] == [str(tmp_path / "bomb.gpx")]
    assert f"({DEFAULT_WORKER_MEMORY_MB} MiB)" in season.errors[0]["error"]
    assert "internal error" not in season.errors[0]["error"]
