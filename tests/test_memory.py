"""keep_freed_memory: glibc keeps freed blocks for reuse, so repeated arrays stop faulting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from trailtech.memory import keep_freed_memory

_GLIBC = bool(getattr(os, "confstr", None) and os.confstr("CS_GNU_LIBC_VERSION"))

# A child process allocates, touches and frees a 40 MiB array 8 times and prints the minor page
# faults of the last 6 rounds. glibc maps and unmaps a block that size on its own each time by
# default (above its 32 MiB dynamic cap), so every round faults its pages in again: at least
# one fault per 2 MiB (huge pages), 10,240 with 4 KiB pages.
_CHILD = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from trailtech.memory import keep_freed_memory
    assert keep_freed_memory(trim_mib=128, mmap_mib=64)
faults = []
for _ in range(8):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(40 * 2**20, dtype=np.uint8)
    a[::4096] = 2
    del a
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(sum(faults[2:]))
"""


def _faults(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("TRAILTECH_KEEP_FREED_MEMORY", None)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode], capture_output=True, text=True, env=env, check=True
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not _GLIBC, reason="glibc's mallopt only")
def test_keep_freed_memory_stops_refaulting_freed_arrays():
    default, kept = _faults("default"), _faults("keep")
    assert default >= 6 * 20
    assert kept < default / 20


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="trim_mib"):
        keep_freed_memory(trim_mib=0)
    with pytest.raises(ValueError, match="mmap_mib"):
        keep_freed_memory(mmap_mib=2.5)


def test_opt_out_by_environment():
    code = "from trailtech.memory import keep_freed_memory; print(keep_freed_memory())"
    env = dict(os.environ, TRAILTECH_KEEP_FREED_MEMORY="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
