"""AML for Python: numpy arrays whose memory comes from an AML area.

An area says where memory goes (interleaved over nodes, bound to nodes,
the highest-bandwidth memory...); the arrays it gives are ordinary numpy
arrays, without a copy, and their pages can be inspected, checked and
moved::

    import aml
    area = aml.Area.interleave("all")
    a = aml.zeros((4096, 4096), dtype="f8", area=area)
    a += 1                          # the first touch places each page
    print(aml.where(a).map[:16])    # e.g. 0123012301230123
    assert aml.check(a)             # every page where the area says
    aml.migrate(a, aml.Area.bind([1]))

The memory lives as long as any array or view of it does and is unmapped
once, after the last one; a copy or a pickled and loaded array is an
ordinary numpy array. AML's errors raise AMLError, an OSError carrying
AML's message and the matching errno. See doc/python.md.
"""

from __future__ import annotations

import math
import operator
import pickle
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

import numpy as np

from . import _aml
from ._aml import AMLError, AMLMemoryError, Mapping

__all__ = [
    "AMLError",
    "AMLMemoryError",
    "Area",
    "Mapping",
    "Migration",
    "Placement",
    "check",
    "empty",
    "mapping_of",
    "migrate",
    "nodes",
    "where",
    "zeros",
]

#: A node list: "all", "0-3", "0,2", a node number, or node numbers.
NodesLike = Union[str, int, Iterable[int], None]
#: A shape: a length, or a sequence of lengths.
ShapeLike = Union[int, Iterable[int]]

# numpy's limit on dimensions (NPY_MAXDIMS).
_MAX_DIMS = 32

try:  # numpy 2
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # numpy 1
    _byte_bounds = np.byte_bounds


def _node_list(nodes: NodesLike) -> Optional[str]:
    """The node list string AML parses; None for every allowed node."""
    if nodes is None:
        return None
    if isinstance(nodes, str):
        return nodes.strip()
    if isinstance(nodes, (int, np.integer)):
        nodes = [nodes]
    try:
        numbers = [operator.index(n) for n in nodes]
    except TypeError:
        raise TypeError(
            "nodes must be 'all', a node list such as '0-3' or '0,2', a "
            f"node number or node numbers, not {nodes!r}") from None
    if not numbers:
        raise ValueError("the node list is empty")
    bad = [n for n in numbers if n < 0]
    if bad:
        raise ValueError(f"node numbers are >= 0, not {bad[0]}")
    return ",".join(str(n) for n in numbers)


def _known(name: object, names: Tuple[str, ...], what: str) -> str:
    """``name`` ('_' standing for '-') if it is one of ``names``."""
    if not isinstance(name, str):
        raise TypeError(f"the {what} is a name (str), not {name!r}")
    if name.replace("_", "-") not in names:
        raise ValueError(f"unknown {what} {name!r} (one of "
                         f"{', '.join(names)})")
    return name.replace("_", "-")


class Area(_aml.Area):
    """Where memory goes: an AML area.

    Create one with a policy over a node list (``Area.interleave("0-3")``,
    ``Area.bind([1])``, ``Area.preferred(0)``, ``Area.default()``, or any
    Linux policy with ``Area.linux(policy, nodes)``) or by what the
    memory must be best at (``Area.best("bandwidth")``). Then map arrays
    from it with ``aml.empty`` and ``aml.zeros``. An area is immutable and
    may be used from any thread; it lives at least as long as the arrays it
    mapped.

    Attributes: ``kind`` ('linux' or 'hwloc'), ``policy`` (the policy or
    criterion name), ``nodes`` (a tuple of node numbers; None where each
    mapping chooses its node), ``fallback`` (best areas), ``flags``.
    """

    __slots__ = ()

    #: The Linux area's policies, as aml_linux_policy_name() names them.
    POLICIES: Tuple[str, ...] = _aml.POLICIES
    #: What Area.best() can rank memories by.
    CRITERIA: Tuple[str, ...] = _aml.CRITERIA
    #: What a best area does beyond its best target.
    FALLBACKS: Tuple[str, ...] = _aml.FALLBACKS

    @classmethod
    def linux(cls, policy: str, nodes: NodesLike = "all", *,
              populate: bool = False, huge_pages: bool = False) -> "Area":
        """A Linux area (mmap + mbind): ``policy`` over ``nodes``.

        ``policy`` is one of Area.POLICIES ('_' may stand for '-');
        ``nodes`` 'all' (every node this process may allocate on), a node
        list such as '0-3' or '0,2', a node number or node numbers.
        ``populate`` places every page when the array is created (by the
        policy, from several threads where that is faster); ``huge_pages``
        aligns mappings on 2 MiB and advises transparent huge pages.

        Raises ValueError for an unknown policy, AMLError with errno EINVAL
        for a malformed or empty node list, EDOM for a node that does not
        exist or that this process may not use, EOPNOTSUPP for a policy
        this kernel lacks.
        """
        policy = _known(policy, cls.POLICIES, "policy")
        flags = (_aml.FLAG_POPULATE if populate else 0) | \
            (_aml.FLAG_THP if huge_pages else 0)
        return cls._linux(policy, _node_list(nodes), flags)

    @classmethod
    def interleave(cls, nodes: NodesLike = "all", **options: bool) -> "Area":
        """Pages round-robin over ``nodes`` (MPOL_INTERLEAVE)."""
        return cls.linux("interleave", nodes, **options)

    @classmethod
    def bind(cls, nodes: NodesLike, **options: bool) -> "Area":
        """Every page on ``nodes``, never elsewhere (MPOL_BIND)."""
        return cls.linux("bind", nodes, **options)

    @classmethod
    def preferred(cls, node: NodesLike, **options: bool) -> "Area":
        """Pages on ``node`` while it has memory, then elsewhere."""
        return cls.linux("preferred", node, **options)

    @classmethod
    def default(cls, **options: bool) -> "Area":
        """No policy: the touching thread's policy places each page."""
        return cls.linux("default", "all", **options)

    @classmethod
    def best(cls, criterion: str = "bandwidth",
             fallback: str = "none") -> "Area":
        """The best memory for the mapping thread, through hwloc.

        ``criterion`` is one of Area.CRITERIA ('_' may stand for '-');
        bandwidth and latency come from the firmware (ACPI HMAT), so where
        the machine publishes none this raises AMLError with errno
        EOPNOTSUPP ('capacity' and 'locality' are always known).
        ``fallback``: 'none' (only the best target), 'preferred' (then the
        nearest others) or 'ordered' (the first target, best first, with
        room for the whole array).
        """
        return cls._best(_known(criterion, cls.CRITERIA, "criterion"),
                         _known(fallback, cls.FALLBACKS, "fallback"))

    def __repr__(self) -> str:
        if self.kind == "hwloc":
            return f"Area.best({self.policy!r}, fallback={self.fallback!r})"
        nodes = ",".join(str(n) for n in self.nodes) or "all"
        return f"Area.linux({self.policy!r}, {nodes!r})"


_default_area: Optional[Area] = None


def _area(area: Optional[Area]) -> Area:
    global _default_area
    if area is None:
        if _default_area is None:
            _default_area = Area.default()
        return _default_area
    if not isinstance(area, _aml.Area):
        raise TypeError(f"area must be an aml.Area, not {area!r}")
    return area


def _plain_dtype(dtype: object) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except SyntaxError as exc:  # numpy parses some strings as Python
        raise TypeError(f"data type {dtype!r} not understood: {exc}") \
            from None
    if dt.hasobject:
        raise TypeError(
            f"aml arrays hold plain data; dtype {dt} holds references to "
            "Python objects, which only numpy's own memory may hold")
    if dt.itemsize == 0:
        raise ValueError(
            f"dtype {dt} has no size: give one, such as 'S16' or 'U8'")
    return dt


def _shape(shape: ShapeLike) -> Tuple[int, ...]:
    try:
        dims = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(operator.index(d) for d in shape)  # type: ignore
        except TypeError:
            raise TypeError("shape must be an int or a sequence of ints, "
                            f"not {shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"negative dimensions are not allowed: {dims}")
    if len(dims) > _MAX_DIMS:
        raise ValueError(f"at most {_MAX_DIMS} dimensions, not {len(dims)}")
    return dims


def empty(shape: ShapeLike, dtype: object = float,
          area: Optional[Area] = None, order: str = "C") -> np.ndarray:
    """A new array of ``shape`` and ``dtype`` mapped from ``area``.

    Like numpy.empty, but the memory is a fresh mapping of ``area`` (the
    default policy when None), which places each page when it is first
    touched, unless the area populates. The array's base is an aml.Mapping
    that owns the memory. ``dtype`` must be plain data (no Python objects).

    Raises TypeError or ValueError for a bad shape, dtype or order,
    ValueError for an array too big to address, AMLMemoryError (an
    AMLError and a MemoryError) when the area cannot map that much, and
    AMLError for other failures of the area.
    """
    dt = _plain_dtype(dtype)
    dims = _shape(shape)
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', not {order!r}")
    nbytes = dt.itemsize * math.prod(dims)
    if nbytes > sys.maxsize:
        raise ValueError(f"array is too big: {nbytes} bytes")
    memory = _aml.map(_area(area), nbytes)
    if order == "C":  # numpy's keyword path costs a microsecond
        return np.ndarray(dims, dt, memory)
    return np.ndarray(dims, dt, memory, order=order)


def zeros(shape: ShapeLike, dtype: object = float,
          area: Optional[Area] = None, order: str = "C") -> np.ndarray:
    """As ``empty``, zero-filled: a fresh anonymous mapping reads as zeros,
    so no page is touched (placement still happens at the first write)."""
    return empty(shape, dtype, area, order)


def mapping_of(array: object) -> Optional[Mapping]:
    """The aml.Mapping whose memory ``array`` (or a view of it) uses, or
    None for memory that AML did not map."""
    base = array
    while base is not None:
        if isinstance(base, Mapping):
            return base
        if isinstance(base, np.ndarray):
            base = base.base
        elif isinstance(base, memoryview):
            base = base.obj
        elif isinstance(base, pickle.PickleBuffer):  # protocol 5, in band
            base = base.raw().obj
        else:
            return None
    return None


def _span(array: object, fn: str) -> Tuple[np.ndarray, int, int]:
    """The array and the (address, size) of the bytes it spans."""
    if not isinstance(array, np.ndarray):
        try:
            array = np.asarray(memoryview(array))  # type: ignore
        except TypeError:
            raise TypeError(f"aml.{fn} takes a numpy array or an object "
                            f"with the buffer protocol, not "
                            f"{type(array).__name__}") from None
    if array.size == 0:
        return array, 0, 0
    low, high = _byte_bounds(array)
    return array, low, high - low


@dataclass(frozen=True)
class Placement:
    """Where the pages of an array are, from aml.where()."""

    #: Pages the array spans, of ``page_size`` bytes (the base page size).
    npages: int
    page_size: int
    #: Pages on each node that holds any, {node: pages}.
    pages: Dict[int, int]
    #: Pages not placed yet (never touched, or only read).
    unplaced: int
    #: Pages the kernel could not report.
    errors: int
    #: The policy in force at the first page ('interleave', 'bind', ...;
    #: 'default' for none), None if that page is not mapped.
    policy: Optional[str]
    #: The nodes of that policy.
    policy_nodes: Tuple[int, ...]
    #: False if the array spans mappings of different policies.
    uniform: bool
    #: One character a page: the node ('0'-'9', 'a'-'z', 'A'-'Z'), '.'
    #: for a page not placed, '!' for one the kernel could not report;
    #: None if where() was asked for no map.
    map: Optional[str] = field(default=None, repr=False)

    @property
    def nodes(self) -> Tuple[int, ...]:
        """The nodes holding pages of the array, ascending."""
        return tuple(sorted(self.pages))

    def __str__(self) -> str:
        policy = self.policy or "none (unmapped)"
        if self.policy_nodes:
            policy += " over nodes " + ",".join(map(str, self.policy_nodes))
        nodes = ", ".join(f"node {n}: {p}" for n, p in sorted(
            self.pages.items())) or "no node"
        text = (f"{self.npages} pages of {self.page_size} B, policy "
                f"{policy}; {nodes}; unplaced {self.unplaced}")
        if self.map is not None:
            shown = self.map if len(self.map) <= 64 else self.map[:64] + "..."
            text += "\n" + shown
        return text


_NO_PAGES = Placement(0, 0, {}, 0, 0, None, (), True, "")


def where(array: object, page_map: bool = True) -> Placement:
    """Where the pages of ``array`` are: pages per node, the policy in
    force, and (unless ``page_map`` is False) the page map string.

    Works on any array or buffer, AML's or not; pages are those spanned
    by the array's bytes, from its lowest to its highest address (a
    strided view includes the pages between its elements). Nothing is
    faulted in: a page never touched counts as unplaced. The GIL is
    released during the query.
    """
    array, address, size = _span(array, "where")
    if size == 0:
        return _NO_PAGES
    npages, page_size, unplaced, errors, pages, policy, policy_nodes, \
        uniform = _aml.inspect(address, size)
    drawn = _aml.page_map(address, size) if page_map else None
    return Placement(npages, page_size, pages, unplaced, errors, policy,
                     policy_nodes, uniform, drawn)


def check(array: object, area: Optional[Area] = None) -> bool:
    """Whether every placed page of ``array`` lies where ``area`` says,
    page by page (aml_area_linux_check_binding): on its nodes, and for
    interleave in round-robin order. ``area`` defaults to the array's
    own placement: the area that mapped it, or the last one it was
    migrated to whole. Pages not yet touched are not faulted in.

    Raises TypeError for an array AML did not map and no ``area``, or for
    an area that is not a Linux area.
    """
    array, address, size = _span(array, "check")
    if area is None:
        mapping = mapping_of(array)
        if mapping is None:
            raise TypeError("this array's memory is not from an AML area: "
                            "give the area to check it against")
        area = mapping.placed_area
    area = _area(area)
    if size == 0:
        return True
    return _aml.check(area, address, size)


class Migration(NamedTuple):
    """What aml.migrate() did."""

    #: Pages that changed node.
    moved: int
    #: Placed pages still not where the area wants them (pinned, busy,
    #: target node full).
    failed: int


def migrate(array: object, area: Area) -> Migration:
    """Move the pages of ``array`` to ``area``'s placement and give its
    range the area's policy for pages not placed yet
    (aml_area_linux_migrate). Any array may move, AML's or not; an aml
    array moved whole then checks against ``area``. ``area`` must be a
    Linux area. The GIL is released while pages move.
    """
    if area is None:
        raise TypeError("aml.migrate needs the area to move the pages to")
    array, address, size = _span(array, "migrate")
    area = _area(area)
    if size == 0:
        return Migration(0, 0)
    moved, failed = _aml.migrate(area, address, size, mapping_of(array))
    return Migration(moved, failed)


def nodes() -> List[int]:
    """The NUMA nodes this process may allocate on, ascending (its
    cpuset's memory nodes; [0] without NUMA)."""
    return _aml.nodes()
