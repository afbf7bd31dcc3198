"""What the Python package costs: aml.empty against numpy.empty, and
aml.where against the C calls it makes (bench/README.md).

    PYTHONPATH=build/python/package /usr/bin/python3 bench/python_empty.py
        [--quick] [--reps N] [--max SIZE]

Like the C programs of bench/ (bench/harness.c): per size, the methods
are timed side by side, each repetition taking one sample of every method
in a rotating order; a ratio is the median over repetitions of (method's
time / the reference's time in that repetition). Table 1: create and drop
an array, untouched (numpy.empty is the reference). Table 2: the same
with every page written once, where the page faults dominate. Table 3:
aml.where on a populated 1 GiB array against aml_linux_inspect() +
aml_linux_page_map(), called directly (through ctypes, which adds well
under a microsecond to calls of milliseconds). Exit status 1 if a
placement the program checks is wrong.
"""

import argparse
import ctypes
import os
import statistics
import sys
import time

import numpy as np

import aml

SIZES = [4 << 10, 64 << 10, 1 << 20, 16 << 20, 256 << 20, 1 << 30]
PAGE = os.sysconf("SC_PAGESIZE")


def size_str(size: int) -> str:
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if size >= 1 << shift:
            return f"{size >> shift}{unit}"
    return str(size)


def parse_size(text: str) -> int:
    shifts = {"K": 10, "M": 20, "G": 30}
    if text[-1:].upper() in shifts:
        return int(text[:-1]) << shifts[text[-1].upper()]
    return int(text)


def machine() -> str:
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return (f"# machine: {os.uname().sysname} {os.uname().release}, "
            f"{os.cpu_count()} CPUs, nodes {aml.nodes()}, page {PAGE} B, "
            f"Python {sys.version.split()[0]}, numpy {np.__version__}, "
            f"load {load}")


def sample(op, size: int, count: int) -> float:
    """Seconds per operation over `count` operations."""
    start = time.perf_counter()
    for _ in range(count):
        op(size)
    return (time.perf_counter() - start) / count


def calibrate(methods, size: int, sample_s: float) -> int:
    count = 1
    while True:
        slowest = max(sample(op, size, count) for _, op in methods)
        if slowest * count >= sample_s or count >= 1 << 20:
            return count
        count = max(count * 2, int(sample_s / max(slowest, 1e-9)) + 1)


def table(title: str, methods, sizes, reps: int, sample_s: float) -> dict:
    """Print one table; return {method: [ratio per size]}."""
    print(f"\n# {title}")
    print(f"# time: median per operation of {methods[0][0]}, in us; "
          f"ratios: median over {reps} repetitions of time / its time")
    print(f"{'size':>6} {'iters':>7} {methods[0][0] + ' us':>14} " +
          " ".join(f"{name:>16}" for name, _ in methods[1:]))
    ratios = {name: [] for name, _ in methods[1:]}
    for size in sizes:
        count = calibrate(methods, size, sample_s)
        times = [[] for _ in methods]
        for rep in range(reps):
            order = list(range(len(methods)))
            order = order[rep % len(order):] + order[:rep % len(order)]
            for m in order:
                times[m].append(sample(methods[m][1], size, count))
        ref = statistics.median(times[0])
        row = []
        for m, (name, _) in enumerate(methods[1:], 1):
            r = statistics.median(t / t0 for t, t0 in zip(times[m], times[0]))
            ratios[name].append(r)
            row.append(f"{r:>15.3f}x")
        print(f"{size_str(size):>6} {count:>7} {ref * 1e6:>14.3f} " +
              " ".join(row))
    print("summary: median ratio over sizes: " + ", ".join(
        f"{name} {statistics.median(r):.3f}x" for name, r in ratios.items()))
    return ratios


def where_table(reps: int, size: int) -> bool:
    """aml.where against the C calls on one populated array."""
    lib = ctypes.CDLL("libaml.so.0")  # the one the extension loaded
    inspect, page_map = lib.aml_linux_inspect, lib.aml_linux_page_map
    inspect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                        ctypes.c_void_p]
    page_map.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                         ctypes.c_size_t]
    area = aml.Area.interleave(populate=True)
    a = aml.empty(size, np.uint8, area=area)
    address, npages = a.base.address, size // PAGE
    placement = ctypes.create_string_buffer(64 << 10)  # > its 17 KiB
    drawn = ctypes.create_string_buffer(npages + 1)

    def c_inspect():
        assert inspect(address, size, 0, placement) == 0

    def c_both():
        c_inspect()
        assert page_map(address, size, drawn, npages + 1) == npages

    pairs = [("inspect", c_inspect, lambda: aml.where(a, page_map=False)),
             ("inspect + map", c_both, lambda: aml.where(a))]
    print(f"\n# where: {size_str(size)} interleaved and populated, "
          f"{npages} pages; C: the library's calls (ctypes), Python: "
          f"aml.where; medians of {reps}")
    print(f"# (min: the fastest of the {reps}, least disturbed by other "
          "load)")
    print(f"{'what':>14} {'C ms':>9} {'Python ms':>10} {'ratio':>7} "
          f"{'overhead us':>12} {'C min ms':>9} {'Py min ms':>10} "
          f"{'min overhead us':>16}")
    for name, c_call, py_call in pairs:
        c_times, py_times = [], []
        for rep in range(reps):
            for call, out in ((c_call, c_times), (py_call, py_times))[
                    ::1 if rep % 2 else -1]:
                start = time.perf_counter()
                call()
                out.append(time.perf_counter() - start)
        c, py = statistics.median(c_times), statistics.median(py_times)
        ratio = statistics.median(p / q for p, q in zip(py_times, c_times))
        c_min, py_min = min(c_times), min(py_times)
        print(f"{name:>14} {c * 1e3:>9.3f} {py * 1e3:>10.3f} "
              f"{ratio:>6.3f}x {(py - c) * 1e6:>12.1f} {c_min * 1e3:>9.3f} "
              f"{py_min * 1e3:>10.3f} {(py_min - c_min) * 1e6:>16.1f}")
    where = aml.where(a)
    ok = where.unplaced == 0 and aml.check(a) and \
        where.map == drawn.value.decode()
    print(f"verdict: every page placed and checked, map as the C call's: "
          f"{'ok' if ok else 'WRONG'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="few repetitions, short samples (smoke run)")
    parser.add_argument("--reps", type=int, help="repetitions (default 11)")
    parser.add_argument("--max", type=parse_size, default=1 << 30,
                        help="largest size, e.g. 64M (default 1G)")
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 11)
    sample_s = 0.002 if args.quick else 0.02
    sizes = [s for s in SIZES if s <= args.max]
    interleave, default = aml.Area.interleave(), aml.Area.default()
    print("# python_empty: aml.empty and aml.where against numpy and C")
    print(machine())
    print("# numpy: numpy.empty; aml: aml.empty on Area.interleave('all'); "
          "aml-default: on Area.default() (no mbind);")
    print("# C map: the extension's map of the interleave area, no array "
          "(aml_area_mmap + aml_area_munmap and one Python call)")

    def touched(make):
        def op(size):
            make(size)[::PAGE] = 1
        return op

    untouched = [
        ("numpy", lambda s: np.empty(s, np.uint8)),
        ("aml", lambda s: aml.empty(s, np.uint8, area=interleave)),
        ("aml-default", lambda s: aml.empty(s, np.uint8, area=default)),
        ("C map", lambda s: aml._aml.map(interleave, s)),
    ]
    table("create + drop, untouched", untouched, sizes, reps, sample_s)
    huge = aml.Area.interleave(huge_pages=True)
    print("\n# numpy advises transparent huge pages for arrays of 4 MiB and "
          "more (where THP is 'madvise'); aml-thp: aml.empty on "
          "Area.interleave('all', huge_pages=True), which does too")
    table("create + write every page + drop",
          [(name, touched(make)) for name, make in untouched[:3]] +
          [("aml-thp", touched(lambda s: aml.empty(s, np.uint8, area=huge)))],
          sizes, reps, sample_s * 5)
    return 0 if where_table(3 * reps, min(args.max, 1 << 30)) else 1


if __name__ == "__main__":
    sys.exit(main())
