"""The process pool: one crashing, hanging or failing task costs only itself."""

from __future__ import annotations

import time

import pytest

from trailtech.season.runner import run_pool, run_serial

from . import _helpers as h


def _by_task(results):
    return {task: entry for task, entry in results}


def test_serial_in_order():
    assert [t for t, _ in run_serial(h.work_ok, [3, 1, 2])] == [3, 1, 2]


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
    t0 = time.monotonic()
    out = _by_task(run_pool(h.work_hang_on_2, range(5), jobs=2, timeout_s=4.0, initializer=None))
    assert time.monotonic() - t0 < 60
    assert not out[2]["ok"] and "did not finish within 4 s" in out[2]["error"]
    assert all(out[t]["ok"] for t in (0, 1, 3, 4))


def test_exception_in_worker_is_an_error_entry():
    out = _by_task(run_pool(h.work_raise_on_1, range(3), jobs=2, initializer=None))
    assert not out[1]["ok"] and "RuntimeError: boom" in out[1]["error"]
    assert out[0]["ok"] and out[2]["ok"]


@pytest.mark.parametrize("kw", [{"jobs": 0}, {"jobs": 2, "timeout_s": 0}])
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
