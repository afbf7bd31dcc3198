"""The aml package's API on any machine: areas, arrays, inspection, errors.

Placement across nodes is seen in the guests (placement.py.in); here every
node list is made of the nodes this machine has.
"""

import errno
import os

import numpy as np
import pytest

import aml

PAGE = os.sysconf("SC_PAGESIZE")
NODES = aml.nodes()


def test_nodes_are_the_allowed_ones():
    assert NODES == sorted(NODES) and NODES and all(n >= 0 for n in NODES)
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("Mems_allowed_list"))
    allowed = set()
    for part in line.split(":")[1].strip().split(","):
        low, _, high = part.partition("-")
        allowed.update(range(int(low), int(high or low) + 1))
    assert set(NODES) <= allowed


def test_areas_by_policy_and_nodes():
    every = ",".join(map(str, NODES))
    for area in (aml.Area.interleave("all"), aml.Area.interleave(every),
                 aml.Area.interleave(NODES), aml.Area.linux("interleave")):
        assert area.kind == "linux" and area.policy == "interleave"
        assert area.nodes == tuple(NODES)
    bound = aml.Area.bind(NODES[0])
    assert bound.policy == "bind" and bound.nodes == (NODES[0],)
    assert aml.Area.bind([NODES[0]]).nodes == (NODES[0],)
    assert aml.Area.preferred(NODES[-1]).nodes == (NODES[-1],)
    assert aml.Area.default().nodes == () and aml.Area.default().flags == 0
    assert aml.Area.linux("preferred_many", NODES).policy == \
        "preferred-many"
    assert repr(bound) == f"Area.linux('bind', '{NODES[0]}')"


def test_best_areas():
    area = aml.Area.best("capacity")
    assert area.kind == "hwloc" and area.nodes is None
    assert repr(area) == "Area.best('capacity', fallback='none')"
    assert aml.Area.best("locality", fallback="ordered").fallback == \
        "ordered"
    a = aml.empty(64 * PAGE, np.uint8, area=area)
    a[:] = 1
    assert set(aml.where(a).pages) <= set(NODES)
    # HMAT values: on this machine or not; never a crash.
    try:
        aml.Area.best("bandwidth")
    except aml.AMLError as exc:
        assert exc.errno == errno.EOPNOTSUPP and "Area.best" in str(exc)


def test_empty_is_numpy_array_on_a_mapping():
    area = aml.Area.interleave()
    a = aml.empty((3, 5, 7), "f4", area=area)
    assert type(a) is np.ndarray and a.shape == (3, 5, 7)
    assert a.dtype == np.float32 and a.flags.c_contiguous
    assert a.flags.writeable and not a.flags.owndata
    mapping = a.base
    assert isinstance(mapping, aml.Mapping) and aml.mapping_of(a) is mapping
    assert mapping.area is area and mapping.placed_area is area
    assert mapping.nbytes == a.nbytes
    assert mapping.address == a.__array_interface__["data"][0]
    assert mapping.address % PAGE == 0
    a[...] = np.arange(a.size).reshape(a.shape)
    assert a.sum() == a.size * (a.size - 1) // 2
    f = aml.empty((4, 6), np.int64, order="F")
    assert f.flags.f_contiguous and f.strides == (8, 32)


def test_zeros_are_zero_and_untouched():
    z = aml.zeros((256, PAGE // 8), area=aml.Area.interleave())
    assert z.dtype == np.float64 and not z.any()
    assert aml.where(z).unplaced == aml.where(z).npages


def test_dtypes_of_plain_data():
    record = np.dtype([("x", "f8"), ("n", "i2"), ("tag", "S3")])
    r = aml.empty(10, record)
    r["x"] = 1.5
    assert r.dtype == record and r["x"].sum() == 15
    sub = aml.empty(4, "(2,3)i4")
    assert sub.shape == (4, 2, 3) and sub.base.nbytes == 4 * 24
    assert aml.empty(3, "U5").dtype == np.dtype("U5")
    assert aml.empty(2, np.complex128).nbytes == 32


def test_empty_arrays():
    for shape in (0, (0,), (5, 0), (0, 3, 4)):
        e = aml.empty(shape, area=aml.Area.best("capacity"))
        assert e.size == 0 and isinstance(e.base, aml.Mapping)
        assert e.base.nbytes == 0 and e.base.address == 0
        placement = aml.where(e)
        assert placement.npages == 0 and placement.pages == {}
        assert aml.check(e, aml.Area.interleave())
    assert aml.empty(()).shape == ()


def test_where_counts_and_map():
    area = aml.Area.bind(NODES[0])
    a = aml.empty(40 * PAGE, np.uint8, area=area)
    before = aml.where(a)
    assert before.npages == 40 and before.page_size == PAGE
    assert before.unplaced == 40 and before.map == "." * 40
    assert before.policy == "bind" and before.policy_nodes == (NODES[0],)
    a[: 10 * PAGE] = 1
    after = aml.where(a)
    assert after.pages == {NODES[0]: 10} and after.unplaced == 30
    assert after.map == str(NODES[0]) * 10 + "." * 30
    assert after.nodes == (NODES[0],) and after.uniform and after.errors == 0
    assert aml.where(a, page_map=False).map is None
    assert "40 pages of" in str(after) and "unplaced 30" in str(after)
    # A view spans only its own pages; a strided one the pages between.
    assert aml.where(a[3 * PAGE: 5 * PAGE]).npages == 2
    assert aml.where(a[PAGE // 2: PAGE + 1]).npages == 2
    assert aml.where(a[::10 * PAGE]).npages == 31


def test_where_on_any_memory():
    ordinary = np.ones(100 * PAGE // 8)
    placement = aml.where(ordinary)
    assert placement.unplaced == 0 and sum(placement.pages.values()) == \
        placement.npages
    assert aml.where(bytearray(b"x" * 3 * PAGE)).npages in (3, 4)
    assert aml.where(memoryview(ordinary)).npages == placement.npages


def test_check_and_migrate():
    a = aml.empty(64 * PAGE, np.uint8, area=aml.Area.interleave())
    a[:] = 3
    assert aml.check(a) and aml.check(a[PAGE:10 * PAGE])
    target = aml.Area.bind(NODES[-1])
    # A part moves; the mapping's placement stays the area's.
    assert aml.migrate(a[: 8 * PAGE], target).failed == 0
    assert a.base.placed_area is a.base.area
    moved = aml.migrate(a, target)
    assert isinstance(moved, aml.Migration) and moved.failed == 0
    assert a.base.placed_area is target and aml.check(a)
    assert aml.where(a).policy == "bind" and (a == 3).all()
    # Ordinary memory moves too, and checks against an area given.
    b = np.full(32 * PAGE, 5, np.uint8)
    assert aml.migrate(b, target).failed == 0 and aml.check(b, target)
    assert aml.migrate(np.empty(0), target) == (0, 0)


def test_populate_and_huge_pages():
    populated = aml.empty(32 * PAGE, np.uint8,
                          area=aml.Area.interleave(populate=True))
    assert aml.where(populated).unplaced == 0
    huge = aml.empty(4 << 20, np.uint8,
                     area=aml.Area.interleave(huge_pages=True))
    assert huge.base.address % (2 << 20) == 0
    assert huge.base.area.flags != 0


def test_errors_are_oserrors_with_aml_message():
    with pytest.raises(aml.AMLError) as info:
        aml.Area.bind(str(max(NODES) + 1))
    exc = info.value
    assert isinstance(exc, OSError) and exc.errno == errno.EDOM
    assert exc.code == 4 and "Value out of bounds" in exc.strerror
    assert f"may allocate on nodes" in str(exc)
    with pytest.raises(aml.AMLError) as info:
        aml.Area.interleave("0-")
    assert info.value.errno == errno.EINVAL and "'0-'" in str(info.value)
    with pytest.raises(aml.AMLError) as info:
        aml.Area.bind("none")
    assert info.value.errno == errno.EINVAL
    with pytest.raises(MemoryError) as info:
        aml.empty(1 << 56, np.uint8)
    assert isinstance(info.value, aml.AMLError)
    assert info.value.errno == errno.ENOMEM


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown policy 'spread'"):
        aml.Area.linux("spread")
    with pytest.raises(ValueError, match="unknown criterion"):
        aml.Area.best("fastest")
    with pytest.raises(ValueError, match="unknown fallback"):
        aml.Area.best("capacity", fallback="maybe")
    with pytest.raises(TypeError, match="Python objects"):
        aml.empty(4, object)
    with pytest.raises(TypeError, match="Python objects"):
        aml.empty(4, [("a", "f8"), ("b", "O")])
    with pytest.raises(ValueError, match="no size"):
        aml.empty(4, "S0")
    with pytest.raises(ValueError, match="negative"):
        aml.empty((3, -1))
    with pytest.raises(ValueError, match="too big"):
        aml.empty((1 << 40, 1 << 40))
    with pytest.raises(TypeError, match="shape"):
        aml.empty(2.5)
    with pytest.raises(ValueError, match="order"):
        aml.empty(3, order="K")
    with pytest.raises(TypeError, match="aml.Area"):
        aml.empty(3, area="interleave")
    with pytest.raises(ValueError, match=">= 0"):
        aml.Area.bind([-1])
    with pytest.raises(ValueError, match="empty"):
        aml.Area.bind([])
    with pytest.raises(TypeError, match="node"):
        aml.Area.bind(1.5)
    with pytest.raises(TypeError, match="buffer protocol"):
        aml.where([1, 2, 3])
    with pytest.raises(TypeError, match="not from an AML area"):
        aml.check(np.ones(10))
    with pytest.raises(TypeError, match="Linux area"):
        aml.migrate(np.ones(10), aml.Area.best("capacity"))
    with pytest.raises(TypeError, match="needs the area"):
        aml.migrate(np.ones(10), None)
    with pytest.raises(TypeError, match="areas come from"):
        aml.Area()
    with pytest.raises(TypeError):
        aml.Mapping()
