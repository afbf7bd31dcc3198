/* aml._aml.Mapping: memory mapped by an area, lent to numpy through the
 * buffer protocol. numpy keeps the Mapping as the base of the array it
 * builds on it, and every view's base chain ends at it, so the memory
 * lives while any of them does and is unmapped once, by the deallocator.
 * Python code cannot create a Mapping (no address can be forged into
 * one) nor copy or pickle it (a copy would unmap twice). */
#include "amlpy.h"

#include <structmember.h>

/* Mappings alive now; under the GIL. */
static Py_ssize_t amlpy_live;

/* What the buffer of an empty mapping points to: numpy wants an address. */
static char amlpy_empty[1];

PyObject *amlpy_map(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
	amlpy_mapping *self;
	amlpy_area *area;
	void *ptr = NULL;
	size_t size;
	int err = AML_SUCCESS, sys_errno = 0;

	(void)module;
	if (nargs != 2 || !PyObject_TypeCheck(args[0], &amlpy_area_type)) {
		PyErr_SetString(PyExc_TypeError, "map(area, nbytes)");
		return NULL;
	}
	area = (amlpy_area *)args[0];
	size = PyLong_AsSize_t(args[1]);
	if (size == (size_t)-1 && PyErr_Occurred())
		return NULL;
	if (size > 0) {
		Py_BEGIN_ALLOW_THREADS ptr =
		    aml_area_mmap(area->area, size, NULL);
		err = aml_errno;
		sys_errno = errno;
		Py_END_ALLOW_THREADS if (ptr == NULL) return amlpy_raise(
		    err, sys_errno, "aml_area_mmap", NULL);
	}
	self = PyObject_New(amlpy_mapping, &amlpy_mapping_type);
	if (self == NULL) {
		if (ptr != NULL)
			aml_area_munmap(area->area, ptr, size);
		return NULL;
	}
	self->ptr = ptr;
	self->size = size;
	self->area = Py_NewRef(args[0]);
	self->placed = Py_NewRef(args[0]);
	amlpy_live++;
	return (PyObject *)self;
}

PyObject *amlpy_live_mappings(PyObject *module, PyObject *unused)
{
	(void)module;
	(void)unused;
	return PyLong_FromSsize_t(amlpy_live);
}

static void amlpy_mapping_dealloc(amlpy_mapping *self)
{
	struct aml_area *area = ((amlpy_area *)self->area)->area;
	void *ptr = self->ptr;
	int err = AML_SUCCESS;

	self->ptr = NULL;
	if (ptr != NULL) {
		Py_BEGIN_ALLOW_THREADS err =
		    aml_area_munmap(area, ptr, self->size);
		Py_END_ALLOW_THREADS
	}
	if (err != AML_SUCCESS) {
		/* Deallocation may run while an exception is being raised. */
		PyObject *type, *value, *traceback;

		PyErr_Fetch(&type, &value, &traceback);
		PyErr_Format(amlpy_error, "aml_area_munmap: %s",
			     aml_strerror(err));
		PyErr_WriteUnraisable((PyObject *)self);
		PyErr_Restore(type, value, traceback);
	}
	amlpy_live--;
	Py_DECREF(self->placed);
	Py_DECREF(self->area);
	PyObject_Free(self);
}

static int amlpy_mapping_getbuffer(amlpy_mapping *self, Py_buffer *view,
				   int flags)
{
	void *buf = self->ptr != NULL ? self->ptr : amlpy_empty;

	return PyBuffer_FillInfo(view, (PyObject *)self, buf,
				 (Py_ssize_t)self->size, 0, flags);
}

static PyBufferProcs amlpy_mapping_buffer = {
    .bf_getbuffer = (getbufferproc)amlpy_mapping_getbuffer,
};

static PyObject *amlpy_mapping_address(amlpy_mapping *self, void *closure)
{
	(void)closure;
	return PyLong_FromVoidPtr(self->ptr);
}

static PyObject *amlpy_mapping_nbytes(amlpy_mapping *self, void *closure)
{
	(void)closure;
	return PyLong_FromSize_t(self->size);
}

static PyObject *amlpy_mapping_reduce(PyObject *self, PyObject *unused)
{
	(void)unused;
	PyErr_Format(PyExc_TypeError,
		     "cannot copy or pickle %s: it owns its memory; copy or "
		     "pickle the array instead (which gives an ordinary numpy "
		     "array)",
		     Py_TYPE(self)->tp_name);
	return NULL;
}

static PyObject *amlpy_mapping_repr(amlpy_mapping *self)
{
	return PyUnicode_FromFormat("<aml.Mapping of %zu bytes at %p from %R>",
				    self->size, self->ptr, self->area);
}

static PyMethodDef amlpy_mapping_methods[] = {
    {"__reduce__", amlpy_mapping_reduce, METH_NOARGS,
     "Refused: a Mapping cannot be copied or pickled."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef amlpy_mapping_members[] = {
    {"area", T_OBJECT, offsetof(amlpy_mapping, area), READONLY,
     "the Area that mapped this memory (and will unmap it)"},
    {"placed_area", T_OBJECT, offsetof(amlpy_mapping, placed), READONLY,
     "the Area whose placement the memory has: the mapping area, or "
     "the area of the last aml.migrate() of the whole mapping"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef amlpy_mapping_getset[] = {
    {"address", (getter)amlpy_mapping_address, NULL,
     "the address of the memory (0 for an empty mapping)", NULL},
    {"nbytes", (getter)amlpy_mapping_nbytes, NULL, "its size in bytes", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject amlpy_mapping_type = {
    /* clang-format off */
    PyVarObject_HEAD_INIT(NULL, 0)
	/* clang-format on */
	.tp_name = "aml.Mapping",
    .tp_doc = "Memory mapped by an AML area: the base of an aml array.",
    .tp_basicsize = sizeof(amlpy_mapping),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_dealloc = (destructor)amlpy_mapping_dealloc,
    .tp_repr = (reprfunc)amlpy_mapping_repr,
    .tp_as_buffer = &amlpy_mapping_buffer,
    .tp_methods = amlpy_mapping_methods,
    .tp_members = amlpy_mapping_members,
    .tp_getset = amlpy_mapping_getset,
};
