"""Bad input gives a Python exception with a clear message, never a crash:
random shapes, dtypes, node lists, policy names and objects (Hypothesis).

A crash (a segmentation fault, an abort) would kill the interpreter and
fail the test; every exception must be of an expected type and say
something.
"""

import errno
import os

import numpy as np
import pytest

import aml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NODES = aml.nodes()
EXPECTED = (TypeError, ValueError, OverflowError, aml.AMLError)
# The same examples at every run (CI), unless AML_HYPOTHESIS_RANDOM=1 asks
# for new ones; AML_HYPOTHESIS_EXAMPLES sets how many.
quick = settings(
    max_examples=int(os.environ.get("AML_HYPOTHESIS_EXAMPLES", "300")),
    derandomize=os.environ.get("AML_HYPOTHESIS_RANDOM") != "1",
    deadline=None, database=None)

dims = st.one_of(st.integers(-3, 70), st.integers(-(1 << 64), 1 << 64),
                 st.sampled_from([1 << 31, 1 << 40, 1 << 62, 1 << 63]))
shapes = st.one_of(
    dims, st.lists(dims, max_size=5).map(tuple),
    st.lists(st.integers(0, 2), min_size=30, max_size=40).map(tuple),
    st.floats(allow_nan=True), st.text(max_size=4), st.none(),
    st.lists(st.floats(-3, 3), max_size=3))
dtypes = st.one_of(
    st.sampled_from([np.uint8, "f8", "i2", "c16", "S7", "U3", "V16", "M8[s]",
                     "(2,3)f4", [("a", "f8"), ("b", "i1")], bool, complex,
                     object, "O", [("a", "f8"), ("o", "O")], "(2,)O", "S0",
                     "U", "V", str, bytes, "nonsense", "f3", 3.5, None,
                     np.dtype("O"), [("x", "f8", (2, 2))], {"names": [1]}]),
    st.text(max_size=5))
node_specs = st.one_of(
    st.text(alphabet="0123456789-,!ax ", max_size=8),
    st.integers(-5, 5000), st.lists(st.integers(-3, 3000), max_size=4),
    st.sampled_from(["all", "none", "", "0-", "-1", "3-1", "0,,1", "1-3,7",
                     "2048", "4096", "0-2047", "99999999999999999999"]),
    st.none(), st.floats(), st.lists(st.text(max_size=2), max_size=2))
policies = st.one_of(st.sampled_from(list(aml.Area.POLICIES)),
                     st.text(max_size=12), st.integers(), st.none())


def said(exc: BaseException) -> None:
    assert isinstance(exc, EXPECTED), repr(exc)
    assert str(exc).strip(), f"{type(exc).__name__} without a message"
    if isinstance(exc, aml.AMLError):
        assert exc.errno in (errno.EINVAL, errno.EDOM, errno.ENOMEM,
                             errno.EOPNOTSUPP) and exc.code > 0


@quick
@given(shape=shapes, dtype=dtypes, order=st.sampled_from(["C", "F", "A", 1]),
       zero=st.booleans())
def test_random_shapes_and_dtypes(shape, dtype, order, zero):
    make = aml.zeros if zero else aml.empty
    try:
        a = make(shape, dtype, area=aml.Area.interleave(), order=order)
    except (MemoryError, *EXPECTED) as exc:
        said(exc)
        return
    assert isinstance(a.base, aml.Mapping) and a.base.nbytes == a.nbytes
    assert not a.dtype.hasobject and a.dtype.itemsize > 0
    if a.size:
        a.reshape(-1)[-1:] = a.reshape(-1)[:1]  # first and last page
        assert aml.where(a).npages >= 1


@quick
@given(policy=policies, nodes=node_specs, populate=st.booleans())
def test_random_policies_and_node_lists(policy, nodes, populate):
    try:
        area = aml.Area.linux(policy, nodes, populate=populate)
    except EXPECTED as exc:
        said(exc)
        if isinstance(policy, str) and \
                policy.replace("_", "-") not in aml.Area.POLICIES:
            assert "unknown policy" in str(exc) or isinstance(exc, TypeError)
        return
    assert area.policy in aml.Area.POLICIES
    assert set(area.nodes) <= set(NODES)
    a = aml.empty(3 * 4096, np.uint8, area=area)
    a[:] = 1
    placement = aml.where(a)
    assert set(placement.pages) <= set(NODES)
    if area.policy in ("bind", "interleave"):
        assert aml.check(a)


@quick
@given(criterion=st.one_of(st.sampled_from(list(aml.Area.CRITERIA)),
                           st.text(max_size=10), st.integers()),
       fallback=st.one_of(st.sampled_from(["none", "preferred", "ordered"]),
                          st.text(max_size=6)))
def test_random_best_areas(criterion, fallback):
    try:
        area = aml.Area.best(criterion, fallback)
    except EXPECTED as exc:
        said(exc)
        return
    a = aml.zeros(4096, np.uint8, area=area)
    a[0] = 1
    assert set(aml.where(a).pages) <= set(NODES)


objects = st.one_of(st.none(), st.integers(), st.text(), st.lists(
    st.integers(), max_size=3), st.binary(max_size=64), st.floats(),
    st.just(object()), st.just(np.float64(3)))


@quick
@given(thing=objects, area=st.one_of(st.none(), objects))
def test_random_objects_for_inspection(thing, area):
    for call in (lambda: aml.where(thing), lambda: aml.check(thing, area),
                 lambda: aml.migrate(thing, area), lambda: aml.mapping_of(thing),
                 lambda: aml.empty(4, area=area)):
        try:
            call()
        except EXPECTED as exc:
            said(exc)
