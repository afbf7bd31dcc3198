/* The aml._aml extension module: the C half of the Python package (see
 * doc/python.md). Python objects around libaml's public API only:
 *
 *   area.c     aml._aml.Area: owns one struct aml_area (Linux or hwloc)
 *   mapping.c  aml._aml.Mapping: one mapping of an area, exported through
 *              the buffer protocol; the base of every aml array, unmapped
 *              once, when the last array or view of it goes
 *   inspect.c  where the pages of a range are, check, migrate, nodes
 *   module.c   the module, its exceptions and the error translation
 *
 * Every function here is called with the GIL held; the ones that make
 * system calls release it around them. */
#ifndef AMLPY_H
#define AMLPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <aml.h>
#include <aml/area/hwloc.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>

/* An area. Its fields never change after creation. */
typedef struct {
	PyObject ob_base; /* PyObject_HEAD */
	struct aml_area *area;
	void (*destroy)(struct aml_area **area);
	/* 1 for a Linux area (check and migrate take only those). */
	int is_linux;
	/* Policy (or criterion) name, str. */
	PyObject *policy;
	/* Its nodes, a tuple of ints; None where each mapping decides. */
	PyObject *nodes;
	/* hwloc criterion areas: the fallback's name; otherwise None. */
	PyObject *fallback;
	/* AML_AREA_LINUX_FLAG_* of a Linux area. */
	unsigned long flags;
} amlpy_area;

/* A mapping of `size` bytes at `ptr` (NULL and 0 for an empty array). */
typedef struct {
	PyObject ob_base; /* PyObject_HEAD */
	void *ptr;
	size_t size;
	/* The area that mapped it and unmaps it (an amlpy_area). */
	PyObject *area;
	/* The area whose placement it has: `area`, or the area of the
	 * last migrate of the whole mapping. */
	PyObject *placed;
} amlpy_mapping;

extern PyTypeObject amlpy_area_type;
extern PyTypeObject amlpy_mapping_type;

/* aml.AMLError (an OSError) and aml.AMLMemoryError (also a MemoryError). */
extern PyObject *amlpy_error;
extern PyObject *amlpy_memory_error;

/* Raise AMLError for the negated AML code `err` of a call that failed,
 * `sys_errno` being errno right after it (used for AML_FAILURE). The
 * message is "<what>: <aml_strerror(err)>", then `detail` if not NULL.
 * Returns NULL. */
PyObject *amlpy_raise(int err, int sys_errno, const char *what,
		      const char *detail);

/* The nodes this process may allocate on, into `allowed`; 0, or -1 with
 * OSError set. */
int amlpy_allowed(struct aml_bitmap *allowed);

/* The first set bit of `mask` from bit `from` on; AML_BITMAP_MAX if none. */
int amlpy_next_node(const struct aml_bitmap *mask, int from);

/* The set bits of `mask` as a new tuple of ints. */
PyObject *amlpy_node_tuple(const struct aml_bitmap *mask);

/* The module's tuples of names: POLICIES (of Linux areas), CRITERIA and
 * FALLBACKS (of best areas); 0, or -1 with an exception. */
int amlpy_add_names(PyObject *module);

/* A new Mapping of `size` bytes from `area`. */
PyObject *amlpy_map(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

/* Mappings alive now (for tests of their lifetime). */
PyObject *amlpy_live_mappings(PyObject *module, PyObject *unused);

/* Inspection functions of the module (inspect.c). */
PyObject *amlpy_inspect(PyObject *module, PyObject *const *args,
			Py_ssize_t nargs);
PyObject *amlpy_page_map(PyObject *module, PyObject *const *args,
			 Py_ssize_t nargs);
PyObject *amlpy_check(PyObject *module, PyObject *const *args,
		      Py_ssize_t nargs);
PyObject *amlpy_migrate(PyObject *module, PyObject *const *args,
			Py_ssize_t nargs);
PyObject *amlpy_nodes(PyObject *module, PyObject *unused);

/* Parse an (address, size) pair of Python ints from args[0], args[1]. */
int amlpy_range(PyObject *const *args, void **ptr, size_t *size);

#endif /* AMLPY_H */
