/* aml._aml.Area: one struct aml_area, created by a policy (Linux area) or
 * a criterion (hwloc's best memory), destroyed with the object. Mappings
 * hold a reference to their area, so an area outlives its memory. */
#include "amlpy.h"

#include <structmember.h>

/* Names of the Linux area's policies, as aml_linux_policy_name() spells
 * the matching kernel modes. */
static const struct {
	const char *name;
	enum aml_area_linux_policy policy;
} amlpy_policies[] = {
    {"default", AML_AREA_LINUX_POLICY_DEFAULT},
    {"bind", AML_AREA_LINUX_POLICY_BIND},
    {"preferred", AML_AREA_LINUX_POLICY_PREFERRED},
    {"interleave", AML_AREA_LINUX_POLICY_INTERLEAVE},
    {"preferred-many", AML_AREA_LINUX_POLICY_PREFERRED_MANY},
    {"weighted-interleave", AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE},
    {"local", AML_AREA_LINUX_POLICY_LOCAL},
};

static const struct {
	const char *name;
	enum aml_area_hwloc_criterion criterion;
} amlpy_criteria[] = {
    {"local", AML_AREA_HWLOC_LOCAL},
    {"bandwidth", AML_AREA_HWLOC_BANDWIDTH},
    {"latency", AML_AREA_HWLOC_LATENCY},
    {"capacity", AML_AREA_HWLOC_CAPACITY},
    {"locality", AML_AREA_HWLOC_LOCALITY},
    {"read-bandwidth", AML_AREA_HWLOC_READ_BANDWIDTH},
    {"write-bandwidth", AML_AREA_HWLOC_WRITE_BANDWIDTH},
    {"read-latency", AML_AREA_HWLOC_READ_LATENCY},
    {"write-latency", AML_AREA_HWLOC_WRITE_LATENCY},
};

static const struct {
	const char *name;
	enum aml_area_hwloc_fallback fallback;
} amlpy_fallbacks[] = {
    {"none", AML_AREA_HWLOC_FALLBACK_NONE},
    {"preferred", AML_AREA_HWLOC_FALLBACK_PREFERRED},
    {"ordered", AML_AREA_HWLOC_FALLBACK_ORDERED},
};

/* Index of `name` among the `n` names at `first` (each `stride` bytes
 * apart), or -1 with ValueError "unknown <what> 'name' (one of ...)". */
static int amlpy_lookup(const char *name, const void *first, size_t n,
			size_t stride, const char *what)
{
	char known[256] = "";
	const char *const *entry;

	for (size_t i = 0; i < n; i++) {
		entry = (const char *const *)((const char *)first + i * stride);
		if (strcmp(name, *entry) == 0)
			return (int)i;
		if (i > 0)
			strncat(known, ", ", sizeof(known) - strlen(known) - 1);
		strncat(known, *entry, sizeof(known) - strlen(known) - 1);
	}
	PyErr_Format(PyExc_ValueError, "unknown %s '%s' (one of %s)", what,
		     name, known);
	return -1;
}

#define AMLPY_LOOKUP(key, table, what)                                         \
	amlpy_lookup(key, &table[0].name, sizeof(table) / sizeof(table[0]),    \
		     sizeof(table[0]), what)

/* The nodes of a new Linux area: its mask, or the allowed nodes for
 * NULL; none for the policies that place by the faulting CPU alone. */
static PyObject *amlpy_linux_nodes(enum aml_area_linux_policy policy,
				   const struct aml_bitmap *mask)
{
	struct aml_bitmap allowed;

	if (policy == AML_AREA_LINUX_POLICY_DEFAULT ||
	    policy == AML_AREA_LINUX_POLICY_LOCAL)
		return PyTuple_New(0);
	if (mask != NULL)
		return amlpy_node_tuple(mask);
	if (amlpy_allowed(&allowed) < 0)
		return NULL;
	return amlpy_node_tuple(&allowed);
}

/* An empty Area of type `type`, its names set; NULL on failure. */
static amlpy_area *amlpy_area_alloc(PyTypeObject *type, const char *policy,
				    PyObject *nodes, const char *fallback)
{
	amlpy_area *self;

	if (nodes == NULL)
		return NULL;
	self = (amlpy_area *)type->tp_alloc(type, 0);
	if (self == NULL) {
		Py_DECREF(nodes);
		return NULL;
	}
	self->nodes = nodes;
	self->policy = PyUnicode_FromString(policy);
	if (fallback != NULL)
		self->fallback = PyUnicode_FromString(fallback);
	else
		self->fallback = Py_NewRef(Py_None);
	if (self->policy == NULL || self->fallback == NULL)
		Py_CLEAR(self);
	return self;
}

/* The error of a node list AML refused: what the process may use. */
static PyObject *amlpy_nodes_error(int err, int sys_errno, const char *what)
{
	struct aml_bitmap allowed;
	char detail[160] = "";
	char *list;

	if (err == -AML_EDOM && amlpy_allowed(&allowed) == 0 &&
	    (list = aml_bitmap_to_string(&allowed)) != NULL) {
		snprintf(detail, sizeof(detail),
			 " (this process may allocate on nodes %s)", list);
		free(list);
	}
	PyErr_Clear();
	return amlpy_raise(err, sys_errno, what, detail);
}

/* Area._linux(policy, nodes, flags): nodes a node list ("0-3", "1,3",
 * "all") or None for every allowed node. */
static PyObject *amlpy_area_linux(PyObject *cls, PyObject *args)
{
	const char *name, *nodes;
	unsigned long flags;
	struct aml_bitmap mask, *maskp = NULL;
	struct aml_area_linux_attr attr = {0};
	struct aml_area *area;
	char what[160];
	int i, err;

	if (!PyArg_ParseTuple(args, "szk:_linux", &name, &nodes, &flags))
		return NULL;
	i = AMLPY_LOOKUP(name, amlpy_policies, "policy");
	if (i < 0)
		return NULL;
	snprintf(what, sizeof(what), "Area.linux('%s', '%.64s')", name,
		 nodes != NULL ? nodes : "all");
	if (nodes != NULL && strcmp(nodes, "all") != 0) {
		err = aml_bitmap_from_string(&mask, nodes);
		if (err != AML_SUCCESS)
			return amlpy_raise(err, 0, what,
					   " (a node list is 'all', '1', "
					   "'0,2' or '0-3')");
		maskp = &mask;
	}
	attr.flags = flags;
	err = aml_area_linux_create_attr(&area, maskp, amlpy_policies[i].policy,
					 &attr);
	if (err != AML_SUCCESS)
		return amlpy_nodes_error(err, errno, what);
	amlpy_area *self = amlpy_area_alloc(
	    (PyTypeObject *)cls, name,
	    amlpy_linux_nodes(amlpy_policies[i].policy, maskp), NULL);
	if (self == NULL) {
		aml_area_linux_destroy(&area);
		return NULL;
	}
	self->area = area;
	self->destroy = aml_area_linux_destroy;
	self->is_linux = 1;
	self->flags = flags;
	return (PyObject *)self;
}

/* Area._best(criterion, fallback): hwloc's best memory for the thread
 * that maps. */
static PyObject *amlpy_area_best(PyObject *cls, PyObject *args)
{
	const char *name, *fallback;
	struct aml_area *area;
	char what[160];
	int c, f, err;

	if (!PyArg_ParseTuple(args, "ss:_best", &name, &fallback))
		return NULL;
	c = AMLPY_LOOKUP(name, amlpy_criteria, "criterion");
	if (c < 0)
		return NULL;
	f = AMLPY_LOOKUP(fallback, amlpy_fallbacks, "fallback");
	if (f < 0)
		return NULL;
	snprintf(what, sizeof(what), "Area.best('%s', fallback='%s')", name,
		 fallback);
	err = aml_area_hwloc_create_best(&area, amlpy_criteria[c].criterion,
					 NULL, amlpy_fallbacks[f].fallback);
	if (err != AML_SUCCESS)
		return amlpy_raise(
		    err, errno, what,
		    err == -AML_ENOTSUP
			? " (no hwloc, or the machine reports no such value "
			  "for this thread's CPUs; 'capacity' and 'locality' "
			  "are always known)"
			: NULL);
	amlpy_area *self = amlpy_area_alloc((PyTypeObject *)cls, name,
					    Py_NewRef(Py_None), fallback);
	if (self == NULL) {
		aml_area_hwloc_destroy(&area);
		return NULL;
	}
	self->area = area;
	self->destroy = aml_area_hwloc_destroy;
	return (PyObject *)self;
}

/* The `n` names at `first` (each `stride` bytes apart) as a tuple. */
static PyObject *amlpy_names(const void *first, size_t n, size_t stride)
{
	PyObject *tuple = PyTuple_New((Py_ssize_t)n);

	for (size_t i = 0; tuple != NULL && i < n; i++) {
		const char *const *entry =
		    (const char *const *)((const char *)first + i * stride);
		PyObject *name = PyUnicode_FromString(*entry);

		if (name == NULL) {
			Py_CLEAR(tuple);
			break;
		}
		PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, name);
	}
	return tuple;
}

#define AMLPY_NAMES(table)                                                     \
	amlpy_names(&table[0].name, sizeof(table) / sizeof(table[0]),          \
		    sizeof(table[0]))

/* module.NAME = the names of a table; 0, or -1 with an exception. */
static int amlpy_add_table(PyObject *module, const char *name, PyObject *names)
{
	int err =
	    names != NULL ? PyModule_AddObjectRef(module, name, names) : -1;

	Py_XDECREF(names);
	return err;
}

int amlpy_add_names(PyObject *module)
{
	if (amlpy_add_table(module, "POLICIES", AMLPY_NAMES(amlpy_policies)) ||
	    amlpy_add_table(module, "CRITERIA", AMLPY_NAMES(amlpy_criteria)) ||
	    amlpy_add_table(module, "FALLBACKS", AMLPY_NAMES(amlpy_fallbacks)))
		return -1;
	return 0;
}

static PyObject *amlpy_area_new(PyTypeObject *type, PyObject *args,
				PyObject *kwargs)
{
	(void)type;
	(void)args;
	(void)kwargs;
	PyErr_SetString(PyExc_TypeError,
			"areas come from Area.interleave(), Area.bind(), "
			"Area.preferred(), Area.default(), Area.linux() or "
			"Area.best()");
	return NULL;
}

static void amlpy_area_dealloc(amlpy_area *self)
{
	if (self->area != NULL)
		self->destroy(&self->area);
	Py_XDECREF(self->policy);
	Py_XDECREF(self->nodes);
	Py_XDECREF(self->fallback);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *amlpy_area_kind(amlpy_area *self, void *closure)
{
	(void)closure;
	return PyUnicode_FromString(self->is_linux ? "linux" : "hwloc");
}

static PyMethodDef amlpy_area_methods[] = {
    {"_linux", amlpy_area_linux, METH_VARARGS | METH_CLASS,
     "_linux(policy, nodes, flags): a Linux area"},
    {"_best", amlpy_area_best, METH_VARARGS | METH_CLASS,
     "_best(criterion, fallback): an hwloc criterion area"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef amlpy_area_members[] = {
    {"policy", T_OBJECT, offsetof(amlpy_area, policy), READONLY,
     "the policy (Linux areas) or criterion (best areas)"},
    {"nodes", T_OBJECT, offsetof(amlpy_area, nodes), READONLY,
     "the nodes pages go to, a tuple; None where each mapping chooses"},
    {"fallback", T_OBJECT, offsetof(amlpy_area, fallback), READONLY,
     "what a best area does beyond its best target; None otherwise"},
    {"flags", T_ULONG, offsetof(amlpy_area, flags), READONLY,
     "AML_AREA_LINUX_FLAG_* of a Linux area"},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef amlpy_area_getset[] = {
    {"kind", (getter)amlpy_area_kind, NULL,
     "'linux' (mmap + mbind) or 'hwloc' (best memory)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject amlpy_area_type = {
    /* clang-format off */
    PyVarObject_HEAD_INIT(NULL, 0)
	/* clang-format on */
	.tp_name = "aml._aml.Area",
    .tp_doc = "An AML area: where the memory it maps goes.",
    .tp_basicsize = sizeof(amlpy_area),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = amlpy_area_new,
    .tp_dealloc = (destructor)amlpy_area_dealloc,
    .tp_methods = amlpy_area_methods,
    .tp_members = amlpy_area_members,
    .tp_getset = amlpy_area_getset,
};
