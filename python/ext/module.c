/* The aml._aml module: its functions, types and exceptions, and the
 * translation of AML's error codes into them. */
#include "amlpy.h"

PyObject *amlpy_error;
PyObject *amlpy_memory_error;

/* The errno an AML code stands for; AML_FAILURE carries the system's. */
static int amlpy_errno_of(int code, int sys_errno)
{
	switch (code) {
	case AML_ENOMEM:
		return ENOMEM;
	case AML_EINVAL:
		return EINVAL;
	case AML_EDOM:
		return EDOM;
	case AML_ENOTSUP:
		return EOPNOTSUPP;
	case AML_EBUSY:
		return EBUSY;
	case AML_EPERM:
		return EPERM;
	default:
		return sys_errno != 0 ? sys_errno : EIO;
	}
}

PyObject *amlpy_raise(int err, int sys_errno, const char *what,
		      const char *detail)
{
	const int code = err < 0 ? -err : err;
	PyObject *type = code == AML_ENOMEM ? amlpy_memory_error : amlpy_error;
	PyObject *exc = NULL, *code_obj = NULL;
	PyObject *msg = PyUnicode_FromFormat(
	    "%s: %s%s", what, aml_strerror(code), detail != NULL ? detail : "");

	if (msg != NULL)
		exc = PyObject_CallFunction(
		    type, "iO", amlpy_errno_of(code, sys_errno), msg);
	if (exc != NULL)
		code_obj = PyLong_FromLong(code);
	if (code_obj != NULL &&
	    PyObject_SetAttrString(exc, "code", code_obj) == 0)
		PyErr_SetObject(type, exc);
	Py_XDECREF(code_obj);
	Py_XDECREF(exc);
	Py_XDECREF(msg);
	return NULL;
}

int amlpy_allowed(struct aml_bitmap *allowed)
{
	aml_bitmap_zero(allowed);
	/* As the Linux area reads them; a kernel without NUMA has node 0. */
	if (get_mempolicy(NULL, allowed->mask, AML_BITMAP_MAX, NULL,
			  MPOL_F_MEMS_ALLOWED) == 0)
		return 0;
	if (errno != ENOSYS) {
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	return aml_bitmap_set(allowed, 0);
}

int amlpy_next_node(const struct aml_bitmap *mask, int from)
{
	/* A word at a time: a mask is 2048 bits, mostly zero. */
	for (unsigned int n = (unsigned int)from; n < AML_BITMAP_MAX;) {
		const AML_BITMAP_TYPE word =
		    mask->mask[n / AML_BITMAP_NBITS] >> (n % AML_BITMAP_NBITS);

		if (word != 0)
			return (int)n + __builtin_ctzl(word);
		n = (n / AML_BITMAP_NBITS + 1) * AML_BITMAP_NBITS;
	}
	return AML_BITMAP_MAX;
}

PyObject *amlpy_node_tuple(const struct aml_bitmap *mask)
{
	PyObject *tuple = PyTuple_New(aml_bitmap_nset(mask));
	Py_ssize_t i = 0;

	for (int n = amlpy_next_node(mask, 0);
	     tuple != NULL && n < AML_BITMAP_MAX;
	     n = amlpy_next_node(mask, n + 1)) {
		PyObject *node = PyLong_FromLong(n);

		if (node == NULL) {
			Py_CLEAR(tuple);
			break;
		}
		PyTuple_SET_ITEM(tuple, i++, node);
	}
	return tuple;
}

PyObject *amlpy_nodes(PyObject *module, PyObject *unused)
{
	struct aml_bitmap allowed;
	PyObject *tuple, *list;

	(void)module;
	(void)unused;
	if (amlpy_allowed(&allowed) < 0)
		return NULL;
	tuple = amlpy_node_tuple(&allowed);
	if (tuple == NULL)
		return NULL;
	list = PySequence_List(tuple);
	Py_DECREF(tuple);
	return list;
}

int amlpy_range(PyObject *const *args, void **ptr, size_t *size)
{
	*ptr = PyLong_AsVoidPtr(args[0]);
	if (*ptr == NULL && PyErr_Occurred())
		return -1;
	*size = PyLong_AsSize_t(args[1]);
	return *size == (size_t)-1 && PyErr_Occurred() ? -1 : 0;
}

#define AMLPY_FAST(name, fn, doc)                                              \
	{                                                                      \
		name, (PyCFunction)(void (*)(void))fn, METH_FASTCALL, doc      \
	}

static PyMethodDef amlpy_functions[] = {
    AMLPY_FAST("map", amlpy_map,
	       "map(area, nbytes) -> Mapping: nbytes of new memory from area"),
    AMLPY_FAST("inspect", amlpy_inspect,
	       "inspect(address, size) -> (npages, page_size, unplaced, "
	       "errors, {node: pages}, policy, policy_nodes, uniform)"),
    AMLPY_FAST("page_map", amlpy_page_map,
	       "page_map(address, size) -> str: one character a page"),
    AMLPY_FAST("check", amlpy_check,
	       "check(area, address, size) -> bool: every page placed as "
	       "area says"),
    AMLPY_FAST("migrate", amlpy_migrate,
	       "migrate(area, address, size, mapping) -> (moved, failed)"),
    {"nodes", amlpy_nodes, METH_NOARGS,
     "nodes() -> list of the nodes this process may allocate on"},
    {"live_mappings", amlpy_live_mappings, METH_NOARGS,
     "live_mappings() -> number of Mapping objects alive"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef amlpy_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aml._aml",
    .m_doc = "libaml's areas, mappings and inspection (use the aml package)",
    .m_size = -1,
    .m_methods = amlpy_functions,
};

/* The exceptions, created once per process (m_size -1: one instance). */
static int amlpy_add_errors(PyObject *m)
{
	amlpy_error = PyErr_NewExceptionWithDoc(
	    "aml.AMLError",
	    "An AML call failed: errno is the matching errno, code AML's "
	    "error code, strerror AML's message.",
	    PyExc_OSError, NULL);
	if (amlpy_error == NULL)
		return -1;
	PyObject *bases = PyTuple_Pack(2, amlpy_error, PyExc_MemoryError);

	if (bases == NULL)
		return -1;
	amlpy_memory_error = PyErr_NewExceptionWithDoc(
	    "aml.AMLMemoryError",
	    "AML could not get the memory asked for (AML_ENOMEM): both an "
	    "AMLError and a MemoryError.",
	    bases, NULL);
	Py_DECREF(bases);
	if (amlpy_memory_error == NULL)
		return -1;
	if (PyModule_AddObjectRef(m, "AMLError", amlpy_error) < 0 ||
	    PyModule_AddObjectRef(m, "AMLMemoryError", amlpy_memory_error) < 0)
		return -1;
	return 0;
}

PyMODINIT_FUNC PyInit__aml(void)
{
	PyObject *m;

	if (PyType_Ready(&amlpy_area_type) < 0 ||
	    PyType_Ready(&amlpy_mapping_type) < 0)
		return NULL;
	m = PyModule_Create(&amlpy_module);
	if (m == NULL)
		return NULL;
	if (amlpy_add_errors(m) < 0 || amlpy_add_names(m) < 0 ||
	    PyModule_AddObjectRef(m, "Area", (PyObject *)&amlpy_area_type) <
		0 ||
	    PyModule_AddObjectRef(m, "Mapping",
				  (PyObject *)&amlpy_mapping_type) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_POPULATE",
				    AML_AREA_LINUX_FLAG_POPULATE) < 0 ||
	    PyModule_AddIntConstant(m, "FLAG_THP", AML_AREA_LINUX_FLAG_THP) <
		0) {
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
