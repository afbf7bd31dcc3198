/* Where the pages of a range are (any memory of the process), whether
 * they are where a Linux area wants them, and moving them there. The
 * ranges come from the Python layer, which takes them from arrays it
 * holds for the whole call. */
#include "amlpy.h"

/* {node: pages} for every node holding pages of the range. */
static PyObject *amlpy_node_counts(const struct aml_linux_placement *p)
{
	PyObject *dict = PyDict_New();

	for (int n = amlpy_next_node(&p->nodes, 0);
	     dict != NULL && n < AML_BITMAP_MAX;
	     n = amlpy_next_node(&p->nodes, n + 1)) {
		PyObject *key = PyLong_FromLong(n);
		PyObject *val = PyLong_FromSize_t(p->node_pages[n]);

		if (key == NULL || val == NULL ||
		    PyDict_SetItem(dict, key, val) < 0)
			Py_CLEAR(dict);
		Py_XDECREF(key);
		Py_XDECREF(val);
	}
	return dict;
}

/* inspect(address, size): aml_linux_inspect() as a tuple. */
PyObject *amlpy_inspect(PyObject *module, PyObject *const *args,
			Py_ssize_t nargs)
{
	struct aml_linux_placement *p;
	PyObject *result = NULL, *policy;
	void *ptr;
	size_t size;
	int err, sys_errno;

	(void)module;
	if (nargs != 2 || amlpy_range(args, &ptr, &size) < 0)
		return nargs != 2 ? PyErr_Format(PyExc_TypeError,
						 "inspect(address, size)")
				  : NULL;
	/* About 17 KiB: node counts for every possible node. */
	p = PyMem_Malloc(sizeof(*p));
	if (p == NULL)
		return PyErr_NoMemory();
	Py_BEGIN_ALLOW_THREADS err = aml_linux_inspect(ptr, size, 0, p);
	sys_errno = errno;
	Py_END_ALLOW_THREADS if (err != AML_SUCCESS)
	{
		PyMem_Free(p);
		return amlpy_raise(err, sys_errno, "aml_linux_inspect", NULL);
	}
	if (p->policy < 0)
		policy = Py_NewRef(Py_None);
	else
		policy = PyUnicode_FromString(aml_linux_policy_name(p->policy));
	if (policy != NULL)
		result = Py_BuildValue(
		    "(nnnnNNNO)", (Py_ssize_t)p->npages,
		    (Py_ssize_t)p->page_size, (Py_ssize_t)p->unplaced,
		    (Py_ssize_t)p->errors, amlpy_node_counts(p), policy,
		    amlpy_node_tuple(&p->policy_nodes),
		    p->policy_uniform ? Py_True : Py_False);
	PyMem_Free(p);
	return result;
}

/* page_map(address, size): aml_linux_page_map() of every page. */
PyObject *amlpy_page_map(PyObject *module, PyObject *const *args,
			 Py_ssize_t nargs)
{
	PyObject *map;
	void *ptr;
	size_t size, npages, len;
	char *buf;
	int n, sys_errno;

	(void)module;
	if (nargs != 2)
		return PyErr_Format(PyExc_TypeError, "page_map(address, size)");
	if (amlpy_range(args, &ptr, &size) < 0)
		return NULL;
	npages = aml_linux_npages(ptr, size);
	if (npages == 0 || npages > (size_t)INT_MAX - 1)
		return amlpy_raise(-AML_EINVAL, 0, "aml_linux_page_map",
				   " (no page, or more than INT_MAX)");
	/* One character a page, the NUL, and at least the 5 it wants. */
	len = npages + 1 < 5 ? 5 : npages + 1;
	buf = PyMem_Malloc(len);
	if (buf == NULL)
		return PyErr_NoMemory();
	Py_BEGIN_ALLOW_THREADS n = aml_linux_page_map(ptr, size, buf, len);
	sys_errno = errno;
	Py_END_ALLOW_THREADS if (n < 0) map =
	    amlpy_raise(n, sys_errno, "aml_linux_page_map", NULL);
	else map = PyUnicode_DecodeASCII(buf, (Py_ssize_t)strlen(buf), NULL);
	PyMem_Free(buf);
	return map;
}

/* The Linux area of args[0], or NULL with TypeError naming `fn`. */
static amlpy_area *amlpy_linux_area(PyObject *arg, const char *fn)
{
	amlpy_area *area;

	if (!PyObject_TypeCheck(arg, &amlpy_area_type)) {
		PyErr_Format(PyExc_TypeError,
			     "aml.%s: an Area is needed, not %s", fn,
			     Py_TYPE(arg)->tp_name);
		return NULL;
	}
	area = (amlpy_area *)arg;
	if (!area->is_linux) {
		PyErr_Format(PyExc_TypeError,
			     "aml.%s takes a Linux area (Area.interleave, "
			     "Area.bind, ...); this one is %R",
			     fn, arg);
		return NULL;
	}
	return area;
}

/* check(area, address, size): aml_area_linux_check_binding(). */
PyObject *amlpy_check(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
	amlpy_area *area;
	void *ptr;
	size_t size;
	int ok, sys_errno;

	(void)module;
	if (nargs != 3)
		return PyErr_Format(PyExc_TypeError,
				    "check(area, address, size)");
	area = amlpy_linux_area(args[0], "check");
	if (area == NULL || amlpy_range(args + 1, &ptr, &size) < 0)
		return NULL;
	Py_BEGIN_ALLOW_THREADS ok = aml_area_linux_check_binding(
	    (struct aml_area_linux_data *)area->area->data, ptr, size);
	sys_errno = errno;
	Py_END_ALLOW_THREADS if (ok < 0) return amlpy_raise(
	    ok, sys_errno, "aml_area_linux_check_binding", NULL);
	return PyBool_FromLong(ok);
}

/* migrate(area, address, size, mapping): aml_area_linux_migrate(); a
 * Mapping (or None) given whole takes the area as its placement. */
PyObject *amlpy_migrate(PyObject *module, PyObject *const *args,
			Py_ssize_t nargs)
{
	amlpy_area *area;
	amlpy_mapping *m = NULL;
	void *ptr;
	size_t size, moved = 0, failed = 0;
	int err, sys_errno;

	(void)module;
	if (nargs != 4)
		return PyErr_Format(PyExc_TypeError,
				    "migrate(area, address, size, mapping)");
	area = amlpy_linux_area(args[0], "migrate");
	if (area == NULL || amlpy_range(args + 1, &ptr, &size) < 0)
		return NULL;
	if (PyObject_TypeCheck(args[3], &amlpy_mapping_type))
		m = (amlpy_mapping *)args[3];
	Py_BEGIN_ALLOW_THREADS err = aml_area_linux_migrate(
	    area->area, ptr, size, &moved, &failed, NULL);
	sys_errno = errno;
	Py_END_ALLOW_THREADS if (err != AML_SUCCESS) return amlpy_raise(
	    err, sys_errno, "aml_area_linux_migrate", NULL);
	if (m != NULL && m->ptr == ptr && m->size == size)
		Py_SETREF(m->placed, Py_NewRef(args[0]));
	return Py_BuildValue("(nn)", (Py_ssize_t)moved, (Py_ssize_t)failed);
}
