#include "aml/area/hwloc.h"

#include "internal.h"

static const char *const area_hwloc_criterion_names[] = {
    [AML_AREA_HWLOC_LOCAL] = "local",
    [AML_AREA_HWLOC_BANDWIDTH] = "bandwidth",
    [AML_AREA_HWLOC_LATENCY] = "latency",
    [AML_AREA_HWLOC_CAPACITY] = "capacity",
    [AML_AREA_HWLOC_LOCALITY] = "locality",
    [AML_AREA_HWLOC_READ_BANDWIDTH] = "read bandwidth",
    [AML_AREA_HWLOC_WRITE_BANDWIDTH] = "write bandwidth",
    [AML_AREA_HWLOC_READ_LATENCY] = "read latency",
    [AML_AREA_HWLOC_WRITE_LATENCY] = "write latency",
};

#define AREA_HWLOC_NCRITERIA                                                   \
	(sizeof(area_hwloc_criterion_names) /                                  \
	 sizeof(*area_hwloc_criterion_names))

const char *aml_area_hwloc_criterion_name(enum aml_area_hwloc_criterion c)
{
	if ((unsigned int)c >= AREA_HWLOC_NCRITERIA)
		return aml__fail_null(AML_EINVAL);
	return area_hwloc_criterion_names[c];
}

enum area_hwloc_kind {
	AREA_HWLOC_NODESET,
	AREA_HWLOC_BEST,
};

/* Both builds share the data layout so the default areas are the same. */
struct aml_area_hwloc_data {
	enum area_hwloc_kind kind;
	/* Nodeset areas. */
	enum aml_area_hwloc_policy policy;
	int all_nodes; /* the allowed nodes at each mapping */
	struct aml_bitmap nodes;
	/* Criterion areas. */
	enum aml_area_hwloc_criterion criterion;
	enum aml_area_hwloc_fallback fallback;
	int has_initiator; /* else the calling thread */
	struct aml_bitmap initiator;
};

struct aml_area_ops aml_area_hwloc_ops = {
	.mmap = aml_area_hwloc_mmap,
	.munmap = aml_area_hwloc_munmap,
	.fprintf = aml_area_hwloc_fprintf,
};

static struct aml_area_hwloc_data area_hwloc_default_data = {
    .kind = AREA_HWLOC_NODESET,
    .policy = AML_AREA_HWLOC_POLICY_DEFAULT,
    .all_nodes = 1,
};

static struct aml_area_hwloc_data area_hwloc_interleave_data = {
    .kind = AREA_HWLOC_NODESET,
    .policy = AML_AREA_HWLOC_POLICY_INTERLEAVE,
    .all_nodes = 1,
};

static struct aml_area_hwloc_data area_hwloc_local_data = {
    .kind = AREA_HWLOC_BEST,
    .criterion = AML_AREA_HWLOC_LOCAL,
    .fallback = AML_AREA_HWLOC_FALLBACK_NONE,
};

static struct aml_area_hwloc_data area_hwloc_bandwidth_data = {
    .kind = AREA_HWLOC_BEST,
    .criterion = AML_AREA_HWLOC_BANDWIDTH,
    .fallback = AML_AREA_HWLOC_FALLBACK_PREFERRED,
};

static struct aml_area_hwloc_data area_hwloc_latency_data = {
    .kind = AREA_HWLOC_BEST,
    .criterion = AML_AREA_HWLOC_LATENCY,
    .fallback = AML_AREA_HWLOC_FALLBACK_PREFERRED,
};

static struct aml_area_hwloc_data area_hwloc_capacity_data = {
    .kind = AREA_HWLOC_BEST,
    .criterion = AML_AREA_HWLOC_CAPACITY,
    .fallback = AML_AREA_HWLOC_FALLBACK_PREFERRED,
};

#define AREA_HWLOC_DEFAULT(name)                                               \
	struct aml_area aml_area_hwloc_##name = {                              \
	    .ops = &aml_area_hwloc_ops,                                        \
	    .data = (struct aml_area_data *)&area_hwloc_##name##_data,         \
	}

AREA_HWLOC_DEFAULT(default);
AREA_HWLOC_DEFAULT(interleave);
AREA_HWLOC_DEFAULT(local);
AREA_HWLOC_DEFAULT(bandwidth);
AREA_HWLOC_DEFAULT(latency);
AREA_HWLOC_DEFAULT(capacity);

static int area_hwloc_is_default(const struct aml_area *area)
{
	return area == &aml_area_hwloc_default ||
	       area == &aml_area_hwloc_interleave ||
	       area == &aml_area_hwloc_local ||
	       area == &aml_area_hwloc_bandwidth ||
	       area == &aml_area_hwloc_latency ||
	       area == &aml_area_hwloc_capacity;
}

void aml_area_hwloc_destroy(struct aml_area **area)
{
	if (area == NULL || *area == NULL || area_hwloc_is_default(*area))
		return;
	free(*area);
	*area = NULL;
}

#if AML_HAVE_BACKEND_HWLOC

#include <hwloc.h>

static const char *const area_hwloc_policy_names[] = {
    [AML_AREA_HWLOC_POLICY_DEFAULT] = "default",
    [AML_AREA_HWLOC_POLICY_BIND] = "bind",
    [AML_AREA_HWLOC_POLICY_PREFERRED] = "preferred",
    [AML_AREA_HWLOC_POLICY_INTERLEAVE] = "interleave",
    [AML_AREA_HWLOC_POLICY_FIRSTTOUCH] = "first touch",
    [AML_AREA_HWLOC_POLICY_NEXTTOUCH] = "next touch",
};

#define AREA_HWLOC_NPOLICIES                                                   \
	(sizeof(area_hwloc_policy_names) / sizeof(*area_hwloc_policy_names))

static const char *const area_hwloc_fallback_names[] = {
    [AML_AREA_HWLOC_FALLBACK_NONE] = "none",
    [AML_AREA_HWLOC_FALLBACK_PREFERRED] = "preferred",
    [AML_AREA_HWLOC_FALLBACK_ORDERED] = "ordered",
};

#define AREA_HWLOC_NFALLBACKS                                                  \
	(sizeof(area_hwloc_fallback_names) / sizeof(*area_hwloc_fallback_names))

/*
 * The shared topology. Readers hold the read lock for the whole time they
 * use it, so aml_finalize() (the only writer besides the first load) can
 * destroy it without pulling it from under anyone.
 */
static pthread_rwlock_t area_hwloc_topo_lock = PTHREAD_RWLOCK_INITIALIZER;
static hwloc_topology_t area_hwloc_topo;

static void area_hwloc_topo_load(void)
{
	hwloc_topology_t t;

	/* A library of another major version has another ABI. */
	if ((hwloc_get_api_version() >> 16) != (HWLOC_API_VERSION >> 16))
		return;
	if (hwloc_topology_init(&t) != 0)
		return;
	if (hwloc_topology_load(t) != 0) {
		hwloc_topology_destroy(t);
		return;
	}
	/* Fill hwloc's lazy caches now: later readers run concurrently. */
	hwloc_topology_refresh(t);
	area_hwloc_topo = t;
}

/*
 * The topology with the lock held (shared, or exclusive when this call
 * loaded it, so that no aml_finalize() slips in between); NULL (and no
 * lock) if it cannot be loaded.
 */
static hwloc_topology_t area_hwloc_topo_get(void)
{
	pthread_rwlock_rdlock(&area_hwloc_topo_lock);
	if (area_hwloc_topo != NULL)
		return area_hwloc_topo;
	pthread_rwlock_unlock(&area_hwloc_topo_lock);

	pthread_rwlock_wrlock(&area_hwloc_topo_lock);
	if (area_hwloc_topo == NULL)
		area_hwloc_topo_load();
	if (area_hwloc_topo != NULL)
		return area_hwloc_topo;
	pthread_rwlock_unlock(&area_hwloc_topo_lock);
	return NULL;
}

static void area_hwloc_topo_put(void)
{
	pthread_rwlock_unlock(&area_hwloc_topo_lock);
}

void aml__hwloc_finalize(void)
{
	pthread_rwlock_wrlock(&area_hwloc_topo_lock);
	if (area_hwloc_topo != NULL)
		hwloc_topology_destroy(area_hwloc_topo);
	area_hwloc_topo = NULL;
	pthread_rwlock_unlock(&area_hwloc_topo_lock);
}

int aml__hwloc_supported(void)
{
	if (area_hwloc_topo_get() == NULL)
		return 0;
	area_hwloc_topo_put();
	return 1;
}

static int area_hwloc_errno_to_aml(int err)
{
	switch (err) {
	case ENOMEM:
		return AML_ENOMEM;
	case EINVAL:
		return AML_EINVAL;
	case EXDEV:
		return AML_EDOM;
	case ENOSYS:
	case ENOTSUP:
		return AML_ENOTSUP;
	default:
		return AML_FAILURE;
	}
}

/* An hwloc bitmap holding the bits of `b`; NULL if memory is short. */
static hwloc_bitmap_t area_hwloc_from_aml(const struct aml_bitmap *b)
{
	hwloc_bitmap_t h = hwloc_bitmap_alloc();

	if (h == NULL)
		return NULL;
	for (int i = aml_bitmap_first(b); i >= 0 && i < AML_BITMAP_MAX; i++)
		if (aml_bitmap_isset(b, (unsigned int)i) == 1 &&
		    hwloc_bitmap_set(h, (unsigned int)i) != 0) {
			hwloc_bitmap_free(h);
			return NULL;
		}
	return h;
}

/* Check `b` against the allowed set: -AML_EINVAL if empty, -AML_EDOM if
 * not included. */
static int area_hwloc_check_set(const struct aml_bitmap *b,
				hwloc_const_bitmap_t allowed)
{
	hwloc_bitmap_t h;
	int ok;

	if (aml_bitmap_iszero(b))
		return -AML_EINVAL;
	h = area_hwloc_from_aml(b);
	if (h == NULL)
		return -AML_ENOMEM;
	ok = hwloc_bitmap_isincluded(h, allowed);
	hwloc_bitmap_free(h);
	return ok ? AML_SUCCESS : -AML_EDOM;
}

/* One ranked target. */
struct area_hwloc_target {
	int node;
	uint64_t value;
};

static int area_hwloc_cmp_higher(const void *a, const void *b)
{
	const struct area_hwloc_target *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return x->node - y->node;
}

static int area_hwloc_cmp_lower(const void *a, const void *b)
{
	const struct area_hwloc_target *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->node - y->node;
}

static const hwloc_memattr_id_t area_hwloc_memattr_ids[] = {
    [AML_AREA_HWLOC_LOCAL] = HWLOC_MEMATTR_ID_LOCALITY,
    [AML_AREA_HWLOC_BANDWIDTH] = HWLOC_MEMATTR_ID_BANDWIDTH,
    [AML_AREA_HWLOC_LATENCY] = HWLOC_MEMATTR_ID_LATENCY,
    [AML_AREA_HWLOC_CAPACITY] = HWLOC_MEMATTR_ID_CAPACITY,
    [AML_AREA_HWLOC_LOCALITY] = HWLOC_MEMATTR_ID_LOCALITY,
    [AML_AREA_HWLOC_READ_BANDWIDTH] = HWLOC_MEMATTR_ID_READ_BANDWIDTH,
    [AML_AREA_HWLOC_WRITE_BANDWIDTH] = HWLOC_MEMATTR_ID_WRITE_BANDWIDTH,
    [AML_AREA_HWLOC_READ_LATENCY] = HWLOC_MEMATTR_ID_READ_LATENCY,
    [AML_AREA_HWLOC_WRITE_LATENCY] = HWLOC_MEMATTR_ID_WRITE_LATENCY,
};

/* Targets of a memory attribute for `cpus` (NULL: any initiator). */
static int area_hwloc_rank_memattr(hwloc_topology_t t, hwloc_memattr_id_t id,
				   hwloc_const_cpuset_t cpus,
				   struct area_hwloc_target *out, unsigned *n)
{
	struct hwloc_location loc = {.type = HWLOC_LOCATION_TYPE_CPUSET};
	hwloc_obj_t *objs;
	hwloc_uint64_t *vals;
	unsigned long flags = 0;
	unsigned nr = *n;
	int err = AML_SUCCESS;

	loc.location.cpuset = (hwloc_cpuset_t)cpus;
	if (hwloc_memattr_get_flags(t, id, &flags) != 0)
		return -AML_ENOTSUP;
	if (!(flags & HWLOC_MEMATTR_FLAG_NEED_INITIATOR))
		cpus = NULL;
	objs = calloc(nr, sizeof(*objs));
	vals = calloc(nr, sizeof(*vals));
	if (objs == NULL || vals == NULL) {
		err = -AML_ENOMEM;
		goto out;
	}
	if (hwloc_memattr_get_targets(t, id, cpus ? &loc : NULL, 0, &nr, objs,
				      vals) != 0) {
		err = -area_hwloc_errno_to_aml(errno);
		goto out;
	}
	if (nr > *n)
		nr = *n;
	for (unsigned i = 0; i < nr; i++) {
		out[i].node = (int)objs[i]->os_index;
		out[i].value = vals[i];
	}
	qsort(out, nr, sizeof(*out),
	      (flags & HWLOC_MEMATTR_FLAG_HIGHER_FIRST) ? area_hwloc_cmp_higher
							: area_hwloc_cmp_lower);
	*n = nr;
out:
	free(objs);
	free(vals);
	return err;
}

/* Nodes whose locality contains `cpus`, keeping the smallest localities. */
static int area_hwloc_rank_local(hwloc_topology_t t, hwloc_const_cpuset_t cpus,
				 struct area_hwloc_target *out, unsigned *n)
{
	struct hwloc_location loc = {.type = HWLOC_LOCATION_TYPE_CPUSET};
	hwloc_obj_t *objs;
	unsigned nr = *n, kept = 0;

	loc.location.cpuset = (hwloc_cpuset_t)cpus;
	objs = calloc(nr, sizeof(*objs));
	if (objs == NULL)
		return -AML_ENOMEM;
	if (hwloc_get_local_numanode_objs(
		    t, &loc, &nr, objs,
		    HWLOC_LOCAL_NUMANODE_FLAG_LARGER_LOCALITY) != 0) {
		free(objs);
		return -area_hwloc_errno_to_aml(errno);
	}
	if (nr > *n)
		nr = *n;
	for (unsigned i = 0; i < nr; i++) {
		out[i].node = (int)objs[i]->os_index;
		out[i].value = (uint64_t)hwloc_bitmap_weight(objs[i]->cpuset);
	}
	free(objs);
	qsort(out, nr, sizeof(*out), area_hwloc_cmp_lower);
	while (kept < nr && out[kept].value == out[0].value)
		kept++;
	*n = kept;
	return AML_SUCCESS;
}

/*
 * Rank the targets of `criterion` for `cpus` into `out` (room for every
 * node). -AML_ENOTSUP when there is none.
 */
static int area_hwloc_rank(hwloc_topology_t t, enum aml_area_hwloc_criterion c,
			   hwloc_const_cpuset_t cpus,
			   struct area_hwloc_target *out, unsigned *n)
{
	int err;

	if (c == AML_AREA_HWLOC_LOCAL)
		err = area_hwloc_rank_local(t, cpus, out, n);
	else
		err = area_hwloc_rank_memattr(t, area_hwloc_memattr_ids[c],
					      cpus, out, n);
	if (err == AML_SUCCESS && *n == 0)
		err = -AML_ENOTSUP;
	return err;
}

/* Rank for the calling thread: its binding, else the CPU it runs on. */
static int area_hwloc_rank_thread(hwloc_topology_t t,
				  enum aml_area_hwloc_criterion c,
				  struct area_hwloc_target *out, unsigned *n)
{
	const unsigned room = *n;
	hwloc_cpuset_t set = hwloc_bitmap_alloc();
	int err;

	if (set == NULL)
		return -AML_ENOMEM;
	err = -AML_ENOTSUP;
	if (hwloc_get_cpubind(t, set, HWLOC_CPUBIND_THREAD) == 0)
		err = area_hwloc_rank(t, c, set, out, n);
	if (err == -AML_ENOTSUP &&
	    hwloc_get_last_cpu_location(t, set, HWLOC_CPUBIND_THREAD) == 0) {
		*n = room;
		err = area_hwloc_rank(t, c, set, out, n);
	}
	hwloc_bitmap_free(set);
	return err;
}

/* Rank for an AML bitmap of CPUs, or for the calling thread if NULL. */
static int area_hwloc_rank_for(hwloc_topology_t t,
			       enum aml_area_hwloc_criterion c,
			       const struct aml_bitmap *initiator,
			       struct area_hwloc_target *out, unsigned *n)
{
	hwloc_cpuset_t set;
	int err;

	if (initiator == NULL)
		return area_hwloc_rank_thread(t, c, out, n);
	err = area_hwloc_check_set(initiator,
				   hwloc_topology_get_allowed_cpuset(t));
	if (err != AML_SUCCESS)
		return err;
	set = area_hwloc_from_aml(initiator);
	if (set == NULL)
		return -AML_ENOMEM;
	err = area_hwloc_rank(t, c, set, out, n);
	hwloc_bitmap_free(set);
	return err;
}

static unsigned area_hwloc_nnodes(hwloc_topology_t t)
{
	const int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);

	return n > 0 ? (unsigned)n : 1;
}

int aml_area_hwloc_targets(enum aml_area_hwloc_criterion criterion,
			   const struct aml_bitmap *initiator, int *nodes,
			   uint64_t *values, size_t *n)
{
	struct area_hwloc_target *ranked;
	hwloc_topology_t t;
	unsigned nr;
	int err;

	if (n == NULL || (nodes == NULL && *n > 0) ||
	    (unsigned int)criterion >= AREA_HWLOC_NCRITERIA)
		return -AML_EINVAL;
	t = area_hwloc_topo_get();
	if (t == NULL)
		return -AML_ENOTSUP;
	nr = area_hwloc_nnodes(t);
	ranked = calloc(nr, sizeof(*ranked));
	err = ranked ? area_hwloc_rank_for(t, criterion, initiator, ranked, &nr)
		     : -AML_ENOMEM;
	area_hwloc_topo_put();
	if (err == AML_SUCCESS) {
		for (size_t i = 0; i < *n && i < nr; i++) {
			nodes[i] = ranked[i].node;
			if (values != NULL)
				values[i] = ranked[i].value;
		}
		*n = nr;
	}
	free(ranked);
	return err;
}

/* Whether the operating system supports `policy`, per hwloc. */
static int area_hwloc_policy_supported(hwloc_topology_t t,
				       enum aml_area_hwloc_policy policy)
{
	const struct hwloc_topology_membind_support *s =
		hwloc_topology_get_support(t)->membind;

	if (!s->set_area_membind)
		return 0;
	switch (policy) {
	case AML_AREA_HWLOC_POLICY_BIND:
	case AML_AREA_HWLOC_POLICY_PREFERRED:
		return s->bind_membind;
	case AML_AREA_HWLOC_POLICY_INTERLEAVE:
		return s->interleave_membind;
	case AML_AREA_HWLOC_POLICY_FIRSTTOUCH:
		return s->firsttouch_membind;
	case AML_AREA_HWLOC_POLICY_NEXTTOUCH:
		return s->nexttouch_membind;
	default:
		return 1;
	}
}

static int area_hwloc_policy_uses_nodes(enum aml_area_hwloc_policy policy)
{
	return policy != AML_AREA_HWLOC_POLICY_DEFAULT &&
	       policy != AML_AREA_HWLOC_POLICY_FIRSTTOUCH;
}

/* A new area with its data, or NULL. */
static struct aml_area *area_hwloc_area_new(struct aml_area_hwloc_data **data)
{
	struct aml_area *ret;

	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_hwloc_data);
	if (ret == NULL)
		return NULL;
	*data = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					   struct aml_area_hwloc_data);
	ret->ops = &aml_area_hwloc_ops;
	ret->data = (struct aml_area_data *)*data;
	return ret;
}

static int area_hwloc_check_nodeset(const struct aml_bitmap *nodeset,
				    enum aml_area_hwloc_policy policy)
{
	hwloc_topology_t t;
	int err = AML_SUCCESS;

	t = area_hwloc_topo_get();
	if (t == NULL)
		return -AML_ENOTSUP;
	if (!area_hwloc_policy_supported(t, policy))
		err = -AML_ENOTSUP;
	else if (nodeset != NULL && area_hwloc_policy_uses_nodes(policy))
		err = area_hwloc_check_set(
		    nodeset, hwloc_topology_get_allowed_nodeset(t));
	area_hwloc_topo_put();
	return err;
}

int aml_area_hwloc_create(struct aml_area **area,
			  const struct aml_bitmap *nodeset,
			  enum aml_area_hwloc_policy policy)
{
	struct aml_area_hwloc_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	if ((unsigned int)policy >= AREA_HWLOC_NPOLICIES)
		return -AML_EINVAL;
	err = area_hwloc_check_nodeset(nodeset, policy);
	if (err != AML_SUCCESS)
		return err;
	ret = area_hwloc_area_new(&data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data->kind = AREA_HWLOC_NODESET;
	data->policy = policy;
	data->all_nodes =
	    nodeset == NULL || !area_hwloc_policy_uses_nodes(policy);
	if (!data->all_nodes)
		aml_bitmap_copy(&data->nodes, nodeset);
	*area = ret;
	return AML_SUCCESS;
}

/* Check that `criterion` has a target for `initiator` (NULL: anyone). */
static int area_hwloc_check_criterion(enum aml_area_hwloc_criterion criterion,
				      const struct aml_bitmap *initiator)
{
	struct area_hwloc_target *ranked;
	hwloc_topology_t t;
	unsigned nr;
	int err;

	t = area_hwloc_topo_get();
	if (t == NULL)
		return -AML_ENOTSUP;
	nr = area_hwloc_nnodes(t);
	ranked = calloc(nr, sizeof(*ranked));
	if (ranked == NULL)
		err = -AML_ENOMEM;
	else if (initiator != NULL)
		err = area_hwloc_rank_for(t, criterion, initiator, ranked, &nr);
	else if (criterion == AML_AREA_HWLOC_LOCAL)
		err = AML_SUCCESS;
	else
		err = area_hwloc_rank_memattr(
		    t, area_hwloc_memattr_ids[criterion], NULL, ranked, &nr);
	if (err == AML_SUCCESS && nr == 0)
		err = -AML_ENOTSUP;
	area_hwloc_topo_put();
	free(ranked);
	return err;
}

int aml_area_hwloc_create_best(struct aml_area **area,
			       enum aml_area_hwloc_criterion criterion,
			       const struct aml_bitmap *initiator,
			       enum aml_area_hwloc_fallback fallback)
{
	struct aml_area_hwloc_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	if ((unsigned int)criterion >= AREA_HWLOC_NCRITERIA ||
	    (unsigned int)fallback >= AREA_HWLOC_NFALLBACKS)
		return -AML_EINVAL;
	if (initiator != NULL && aml_bitmap_iszero(initiator))
		return -AML_EINVAL;
	err = area_hwloc_check_criterion(criterion, initiator);
	if (err != AML_SUCCESS)
		return err;
	ret = area_hwloc_area_new(&data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data->kind = AREA_HWLOC_BEST;
	data->criterion = criterion;
	data->fallback = fallback;
	data->has_initiator = initiator != NULL;
	if (initiator != NULL)
		aml_bitmap_copy(&data->initiator, initiator);
	*area = ret;
	return AML_SUCCESS;
}

/* How one mapping is bound. */
struct area_hwloc_binding {
	hwloc_nodeset_t nodes;
	hwloc_membind_policy_t policy;
	int flags;
	int skip; /* nothing to bind */
};

static int area_hwloc_nodeset_binding(hwloc_topology_t t,
				      const struct aml_area_hwloc_data *d,
				      struct area_hwloc_binding *b)
{
	static const hwloc_membind_policy_t policies[] = {
		[AML_AREA_HWLOC_POLICY_DEFAULT] = HWLOC_MEMBIND_DEFAULT,
		[AML_AREA_HWLOC_POLICY_BIND] = HWLOC_MEMBIND_BIND,
		[AML_AREA_HWLOC_POLICY_PREFERRED] = HWLOC_MEMBIND_BIND,
		[AML_AREA_HWLOC_POLICY_INTERLEAVE] = HWLOC_MEMBIND_INTERLEAVE,
		[AML_AREA_HWLOC_POLICY_FIRSTTOUCH] = HWLOC_MEMBIND_FIRSTTOUCH,
		[AML_AREA_HWLOC_POLICY_NEXTTOUCH] = HWLOC_MEMBIND_NEXTTOUCH,
	};
	hwloc_bitmap_t set;

	b->skip = d->policy == AML_AREA_HWLOC_POLICY_DEFAULT;
	b->policy = policies[d->policy];
	b->flags = d->policy == AML_AREA_HWLOC_POLICY_BIND ? HWLOC_MEMBIND_STRICT
							   : 0;
	if (d->all_nodes)
		return hwloc_bitmap_copy(b->nodes,
					 hwloc_topology_get_allowed_nodeset(t))
			       ? -AML_ENOMEM
			       : AML_SUCCESS;
	set = area_hwloc_from_aml(&d->nodes);
	if (set == NULL)
		return -AML_ENOMEM;
	hwloc_bitmap_copy(b->nodes, set);
	hwloc_bitmap_free(set);
	return AML_SUCCESS;
}

/* The first target with `size` bytes free, as the kernel says now. */
static int area_hwloc_first_with_room(const struct area_hwloc_target *r,
				      unsigned n, size_t size)
{
	for (unsigned i = 0; i < n; i++) {
		long long freemem = 0;

		if (numa_node_size64(r[i].node, &freemem) >= 0 &&
		    freemem >= 0 && (unsigned long long)freemem >= size)
			return r[i].node;
	}
	return -1;
}

static int area_hwloc_best_binding(hwloc_topology_t t,
				   const struct aml_area_hwloc_data *d,
				   size_t size, struct area_hwloc_binding *b)
{
	struct area_hwloc_target *ranked;
	unsigned nr = area_hwloc_nnodes(t);
	int err, node;

	ranked = calloc(nr, sizeof(*ranked));
	if (ranked == NULL)
		return -AML_ENOMEM;
	err = area_hwloc_rank_for(t, d->criterion,
				  d->has_initiator ? &d->initiator : NULL,
				  ranked, &nr);
	if (err != AML_SUCCESS)
		goto out;
	b->skip = 0;
	b->policy = HWLOC_MEMBIND_BIND;
	b->flags = d->fallback == AML_AREA_HWLOC_FALLBACK_PREFERRED
			   ? 0
			   : HWLOC_MEMBIND_STRICT;
	hwloc_bitmap_zero(b->nodes);
	if (d->fallback == AML_AREA_HWLOC_FALLBACK_ORDERED) {
		node = area_hwloc_first_with_room(ranked, nr, size);
		if (node < 0)
			err = -AML_ENOMEM;
		else
			hwloc_bitmap_set(b->nodes, (unsigned)node);
		goto out;
	}
	/* Local nodes are all equally best; other criteria keep one. */
	if (d->criterion != AML_AREA_HWLOC_LOCAL)
		nr = 1;
	for (unsigned i = 0; i < nr; i++)
		hwloc_bitmap_set(b->nodes, (unsigned)ranked[i].node);
out:
	free(ranked);
	return err;
}

/* Map `size` bytes and bind them as `b` says. */
static void *area_hwloc_map_bound(hwloc_topology_t t,
				  const struct area_hwloc_binding *b,
				  size_t size, int *err)
{
	void *ptr;

	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ptr == MAP_FAILED) {
		*err = errno == ENOMEM ? -AML_ENOMEM : -AML_FAILURE;
		return NULL;
	}
	if (b->skip)
		return ptr;
	if (hwloc_set_area_membind(t, ptr, size, b->nodes, b->policy,
				   b->flags | HWLOC_MEMBIND_BYNODESET) != 0) {
		*err = -area_hwloc_errno_to_aml(errno);
		munmap(ptr, size);
		return NULL;
	}
	return ptr;
}

void *aml_area_hwloc_mmap(const struct aml_area_data *area_data, size_t size,
			  struct aml_area_mmap_options *opts)
{
	const struct aml_area_hwloc_data *d =
		(const struct aml_area_hwloc_data *)area_data;
	struct area_hwloc_binding b = {0};
	hwloc_topology_t t;
	void *ptr = NULL;
	int err;

	if (d == NULL || size == 0 || opts != NULL)
		return aml__fail_null(AML_EINVAL);
	t = area_hwloc_topo_get();
	if (t == NULL)
		return aml__fail_null(AML_ENOTSUP);
	b.nodes = hwloc_bitmap_alloc();
	if (b.nodes == NULL)
		err = -AML_ENOMEM;
	else if (d->kind == AREA_HWLOC_NODESET)
		err = area_hwloc_nodeset_binding(t, d, &b);
	else
		err = area_hwloc_best_binding(t, d, size, &b);
	if (err == AML_SUCCESS)
		ptr = area_hwloc_map_bound(t, &b, size, &err);
	area_hwloc_topo_put();
	hwloc_bitmap_free(b.nodes);
	if (ptr == NULL)
		aml_errno = -err;
	return ptr;
}

int aml_area_hwloc_munmap(const struct aml_area_data *area_data, void *ptr,
			  size_t size)
{
	(void)area_data;
	if (munmap(ptr, size) != 0)
		return errno == EINVAL ? -AML_EINVAL : -AML_FAILURE;
	return AML_SUCCESS;
}

int aml_area_hwloc_fprintf(const struct aml_area_data *area_data,
			   FILE *stream, const char *prefix)
{
	const struct aml_area_hwloc_data *d =
		(const struct aml_area_hwloc_data *)area_data;
	const struct aml_bitmap *set;
	char *s = NULL;
	int n;

	if (d == NULL || stream == NULL)
		return -AML_EINVAL;
	if (prefix == NULL)
		prefix = "";
	set = d->kind == AREA_HWLOC_NODESET ? &d->nodes : &d->initiator;
	if ((d->kind == AREA_HWLOC_NODESET && !d->all_nodes) ||
	    (d->kind == AREA_HWLOC_BEST && d->has_initiator)) {
		s = aml_bitmap_to_string(set);
		if (s == NULL)
			return -AML_ENOMEM;
	}
	if (d->kind == AREA_HWLOC_NODESET)
		n = fprintf(stream, "%s%shwloc area: policy %s, nodes %s\n",
			    prefix, aml__prefix_sep(prefix),
			    area_hwloc_policy_names[d->policy], s ? s : "all");
	else
		n = fprintf(
		    stream,
		    "%s%shwloc area: best %s, initiator %s, fallback %s\n",
		    prefix, aml__prefix_sep(prefix),
		    area_hwloc_criterion_names[d->criterion],
		    s ? s : "calling thread",
		    area_hwloc_fallback_names[d->fallback]);
	free(s);
	return n < 0 ? -AML_FAILURE : AML_SUCCESS;
}

#else /* !AML_HAVE_BACKEND_HWLOC */

void aml__hwloc_finalize(void)
{
}

int aml__hwloc_supported(void)
{
	return 0;
}

int aml_area_hwloc_create(struct aml_area **area,
			  const struct aml_bitmap *nodeset,
			  enum aml_area_hwloc_policy policy)
{
	(void)nodeset;
	(void)policy;
	if (area != NULL)
		*area = NULL;
	return -AML_ENOTSUP;
}

int aml_area_hwloc_create_best(struct aml_area **area,
			       enum aml_area_hwloc_criterion criterion,
			       const struct aml_bitmap *initiator,
			       enum aml_area_hwloc_fallback fallback)
{
	(void)criterion;
	(void)initiator;
	(void)fallback;
	if (area != NULL)
		*area = NULL;
	return -AML_ENOTSUP;
}

int aml_area_hwloc_targets(enum aml_area_hwloc_criterion criterion,
			   const struct aml_bitmap *initiator, int *nodes,
			   uint64_t *values, size_t *n)
{
	(void)criterion;
	(void)initiator;
	(void)nodes;
	(void)values;
	(void)n;
	return -AML_ENOTSUP;
}

void *aml_area_hwloc_mmap(const struct aml_area_data *area_data, size_t size,
			  struct aml_area_mmap_options *opts)
{
	(void)area_data;
	(void)size;
	(void)opts;
	return aml__fail_null(AML_ENOTSUP);
}

int aml_area_hwloc_munmap(const struct aml_area_data *area_data, void *ptr,
			  size_t size)
{
	(void)area_data;
	(void)ptr;
	(void)size;
	return -AML_ENOTSUP;
}

int aml_area_hwloc_fprintf(const struct aml_area_data *area_data,
			   FILE *stream, const char *prefix)
{
	(void)area_data;
	(void)stream;
	(void)prefix;
	return -AML_ENOTSUP;
}

#endif /* AML_HAVE_BACKEND_HWLOC */
