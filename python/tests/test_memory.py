"""Who owns an aml array's memory: it lives while any array or view of it
does, is unmapped once after the last, and cannot be freed twice.

Resident memory (RssAnon), mapped memory (VmSize) and /proc/self/maps are
read before and after; each test ends with no Mapping alive.
"""

import copy
import gc
import os
import pickle
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import aml

PAGE = os.sysconf("SC_PAGESIZE")
MIB = 1 << 20
# Under AddressSanitizer freed memory waits in its quarantine, resident.
SANITIZED = os.environ.get("AML_PYTHON_SANITIZED") == "1"


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def mapped(address: int, size: int) -> bool:
    """Whether /proc/self/maps maps all of [address, address + size)."""
    end, covered = address + size, address
    with open("/proc/self/maps") as maps:
        for line in maps:
            low, high = (int(x, 16) for x in line.split()[0].split("-"))
            if low <= covered < high:
                covered = high
    return covered >= end


class Usage:
    """Memory of the process, to compare with a later snapshot."""

    def __init__(self) -> None:
        gc.collect()
        self.rss = status_kib("RssAnon")
        self.vm = status_kib("VmSize")

    def grew(self) -> "tuple[int, int]":
        now = Usage()
        return now.rss - self.rss, now.vm - self.vm


@pytest.fixture(autouse=True)
def no_mapping_left():
    gc.collect()
    assert aml._aml.live_mappings() == 0
    yield
    gc.collect()
    assert aml._aml.live_mappings() == 0


def test_100000_arrays_created_and_dropped():
    areas = [aml.Area.interleave(), aml.Area.default(),
             aml.Area.bind(aml.nodes()[0]), aml.Area.best("capacity")]
    sizes = [PAGE, 3 * PAGE, 16 * PAGE, 64 * PAGE, MIB]
    # One round first, so that numpy's and Python's own caches are warm.
    for i in range(100):
        aml.empty(sizes[i % 5], np.uint8, area=areas[i % 4])[::PAGE] = 1
    before = Usage()
    held = []
    for i in range(100000):
        a = aml.empty(sizes[i % 5], np.uint8, area=areas[i % 4])
        a[::PAGE] = 1  # every page resident
        if i % 1000 == 0:
            held.append(a)  # some live a while, dropped at the end
    del a
    rss, vm = before.grew()
    assert aml._aml.live_mappings() == len(held) == 100
    assert vm >= sum(h.nbytes for h in held) // 1024
    del held
    rss, vm = before.grew()
    assert aml._aml.live_mappings() == 0
    # 100,000 mappings of 4 KiB to 1 MiB, 22 GiB in all: nothing kept.
    assert vm < 4096 and (rss < 4096 or SANITIZED), (rss, vm)


def test_views_and_slices_outlive_their_parent():
    a = aml.empty((64, MIB // 8), area=aml.Area.interleave())
    a[:] = 7.0
    address, size = a.base.address, a.base.nbytes
    views = [a[3], a[10:20, ::3], a.T, a.reshape(-1), a[::-1, ::-1],
             np.asarray(a), a.view(np.uint8), memoryview(a),
             np.frombuffer(a.base, np.float64)]
    del a
    gc.collect()
    assert mapped(address, size) and aml._aml.live_mappings() == 1
    for v in views:
        arr = np.asarray(v)
        assert arr.size and (arr == 7.0).all() or arr.dtype == np.uint8
        assert aml.mapping_of(v) is not None or isinstance(v, memoryview)
    del v, arr
    views[1][...] = 1.0  # still writable
    assert views[3].sum() == 7.0 * (64 * MIB // 8 - views[1].size) + \
        views[1].size
    last = views.pop(0)
    views.clear()
    gc.collect()
    assert mapped(address, size) and (last == 7.0).all()
    del last
    gc.collect()
    assert not mapped(address, size)


def test_copies_and_pickles_are_ordinary_arrays():
    a = aml.empty((100, 100), np.int32, area=aml.Area.interleave())
    a[:] = np.arange(10000).reshape(100, 100)
    pairs = [(copy.copy(a), a), (copy.deepcopy(a), a), (a.copy(), a),
             (np.array(a), a), (pickle.loads(pickle.dumps(a)), a),
             (pickle.loads(pickle.dumps(a[::2], protocol=5)), a[::2])]
    for c, original in pairs:
        assert aml.mapping_of(c) is None
        assert c.flags.writeable and (c == original).all()
    del pairs, c, original
    # Out-of-band pickling lends the memory itself: it stays alive.
    buffers = []
    data = pickle.dumps(a, protocol=5, buffer_callback=buffers.append)
    address = a.base.address
    del a
    loaded = pickle.loads(data, buffers=buffers)
    del buffers
    gc.collect()
    assert aml._aml.live_mappings() == 1 and loaded[99, 99] == 9999
    assert loaded.__array_interface__["data"][0] == address
    assert aml.mapping_of(loaded).address == address and aml.check(loaded)
    del loaded


def test_a_mapping_cannot_be_copied_pickled_created_or_detached():
    a = aml.empty(PAGE, np.uint8)
    m = a.base
    for attempt in (lambda: copy.copy(m), lambda: copy.deepcopy(m),
                    lambda: pickle.dumps(m), lambda: aml.Mapping(),
                    lambda: type(m)(), lambda: type(m).__new__(type(m))):
        with pytest.raises(TypeError):
            attempt()
    with pytest.raises(AttributeError):
        a.base = None
    for name in ("address", "nbytes", "area", "placed_area"):
        with pytest.raises(AttributeError):
            setattr(m, name, 0)
    assert not hasattr(m, "close") and not hasattr(m, "free")
    del a, m


def threads_round(area: aml.Area, rounds: int) -> None:
    """Arrays made here and used in threads, made in threads and dropped
    here or there, and made and dropped in 4 threads at once."""

    def work(a):
        # A view kept past the caller's reference, then dropped here.
        v = a[1::2]
        v += 1
        return float(v.sum())

    def make(n):
        b = aml.zeros(n * PAGE // 8, area=area)
        b[:] = 1.0
        return b

    with ThreadPoolExecutor(4) as pool:
        for _ in range(rounds):
            arrays = [aml.zeros(16 * PAGE // 8, area=area)
                      for _ in range(50)]
            sums = list(pool.map(work, arrays))
            assert sums == [16 * PAGE // 16] * 50
            del arrays
            made = list(pool.map(make, range(1, 51)))
            assert sum(m.size for m in made) == sum(range(1, 51)) * PAGE // 8
            list(pool.map(lambda m: m.fill(0), made))
            del made
    barrier = threading.Barrier(4)

    def churn(seed):
        barrier.wait()
        for i in range(100 * rounds):
            c = aml.empty((seed + i) % 7 * PAGE + 1, np.uint8, area=area)
            c[::PAGE] = 1
        return True

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(churn, range(4)))


def test_arrays_passed_to_threads():
    area = aml.Area.interleave()
    # Threads' stacks and malloc arenas stay once made: make them first.
    threads_round(area, 1)
    before = Usage()
    threads_round(area, 20)
    gc.collect()
    assert aml._aml.live_mappings() == 0
    rss, vm = before.grew()
    assert vm < 4096 and (rss < 4096 or SANITIZED), (rss, vm)


def test_interpreter_exit_with_arrays_alive():
    # Module globals, a reference cycle and a view in a daemon thread at
    # exit: the interpreter ends cleanly.
    program = """
import threading, time, numpy as np, aml
a = aml.zeros((256, 1024), area=aml.Area.interleave())
a += 1
class Cycle: pass
c = Cycle(); c.self = c; c.array = a[::2]
t = threading.Thread(target=lambda v: time.sleep(60), args=(a[1],),
                     daemon=True)
t.start()
print(float(a.sum()))
"""
    out = subprocess.run([sys.executable, "-c", program], env=os.environ,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(256.0 * 1024) and not out.stderr


def test_fork_child_keeps_its_copy():
    a = aml.zeros(16 * PAGE, np.uint8, area=aml.Area.interleave())
    a[:] = 4
    pid = os.fork()
    if pid == 0:
        ok = (a == 4).all()
        a[:] = 5
        del a
        gc.collect()
        os._exit(0 if ok and aml._aml.live_mappings() == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and (a == 4).all()
    del a
