#include "aml/area/linux.h"

#include <limits.h>
#include <stdatomic.h>

#include "area/linux-internal.h"
#include "internal.h"

/* The PMD size: the unit of transparent huge pages (x86-64, arm64 4K). */
#define LINUX_PMD_SIZE ((size_t)2 << 20)

#define LINUX_FLAGS                                                          \
	(AML_AREA_LINUX_FLAG_POPULATE | AML_AREA_LINUX_FLAG_THP |            \
	 AML_AREA_LINUX_FLAG_HUGETLB)

struct aml_area_linux_data {
	/* Nodes of the policy; empty for the default area (no nodes). */
	struct aml_bitmap nodemask;
	enum aml_area_linux_policy policy;
	/* The MPOL_* mode given to mbind(2). */
	int mode;
	/* mbind(2)'s maxnode for `nodemask`: the kernel copies and checks
	 * every word up to it, so pass no more than the mask needs. */
	unsigned long maxnode;
	/* AML_AREA_LINUX_FLAG_* */
	unsigned long flags;
	/* Hugetlbfs page size and its MAP_HUGE_* bits, with FLAG_HUGETLB. */
	size_t hugetlb_size;
	int hugetlb_bits;
	unsigned int populate_threads;
	/* Weights of the area's own (0: none) and their unit in bytes. */
	size_t weight_unit;
	unsigned char weights[AML_BITMAP_MAX];
};

/* maxnode naming nodes up to `last`: the kernel reads maxnode - 1 bits. */
static unsigned long linux_maxnode(int last)
{
	return last < 0 ? 2 : (unsigned long)last + 2;
}

struct linux_policy {
	const char *name;
	int mode;
};

static const struct linux_policy linux_policies[] = {
	[AML_AREA_LINUX_POLICY_DEFAULT] = {"default", MPOL_DEFAULT},
	[AML_AREA_LINUX_POLICY_BIND] = {"bind", MPOL_BIND},
	[AML_AREA_LINUX_POLICY_PREFERRED] = {"preferred", MPOL_PREFERRED},
	[AML_AREA_LINUX_POLICY_INTERLEAVE] = {"interleave", MPOL_INTERLEAVE},
	[AML_AREA_LINUX_POLICY_PREFERRED_MANY] = {"preferred-many",
						  MPOL_PREFERRED_MANY},
	[AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE] = {
		"weighted-interleave", MPOL_WEIGHTED_INTERLEAVE},
	[AML_AREA_LINUX_POLICY_LOCAL] = {"local", MPOL_LOCAL},
};

#define LINUX_NPOLICIES (sizeof(linux_policies) / sizeof(*linux_policies))

static struct aml_area_linux_data linux_default_data = {
	.policy = AML_AREA_LINUX_POLICY_DEFAULT,
	.mode = MPOL_DEFAULT,
};

struct aml_area_ops aml_area_linux_ops = {
	.mmap = aml_area_linux_mmap,
	.munmap = aml_area_linux_munmap,
	.fprintf = aml_area_linux_fprintf,
};

struct aml_area aml_area_linux = {
	.ops = &aml_area_linux_ops,
	.data = (struct aml_area_data *)&linux_default_data,
};

static int linux_is_subset(const struct aml_bitmap *a,
			   const struct aml_bitmap *b)
{
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (a->mask[i] & ~b->mask[i])
			return 0;
	return 1;
}

/* Policies the running kernel has, probed once (bit per policy). */
static pthread_once_t linux_probe_once = PTHREAD_ONCE_INIT;
static unsigned int linux_supported;

/* mbind(2) of a scratch page with each newer mode: EINVAL means absent. */
static void linux_probe(void)
{
	const size_t psize = aml_linux_page_size();
	struct aml_bitmap allowed, first;
	void *p;

	for (unsigned int i = 0; i <= AML_AREA_LINUX_POLICY_INTERLEAVE; i++)
		linux_supported |= 1U << i;
	if (aml_linux_mems_allowed(&allowed) != AML_SUCCESS)
		return;
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, (unsigned int)aml_bitmap_first(&allowed));
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (unsigned int i = AML_AREA_LINUX_POLICY_INTERLEAVE + 1;
	     i < LINUX_NPOLICIES; i++) {
		const int mode = linux_policies[i].mode;
		const int ok = mode == MPOL_LOCAL
				       ? mbind(p, psize, mode, NULL, 0, 0) == 0
				       : mbind(p, psize, mode, first.mask,
					       LINUX_MAXNODE, 0) == 0;

		if (ok)
			linux_supported |= 1U << i;
	}
	munmap(p, psize);
}

int aml_area_linux_policy_supported(const enum aml_area_linux_policy policy)
{
	if ((unsigned int)policy >= LINUX_NPOLICIES)
		return -AML_EINVAL;
	pthread_once(&linux_probe_once, linux_probe);
	return (linux_supported >> policy) & 1U;
}

#define LINUX_WEIGHTS_DIR "/sys/kernel/mm/mempolicy/weighted_interleave"

int aml_area_linux_weights(unsigned char *weights, size_t nweights)
{
	int found = 0;

	if (weights == NULL || nweights == 0)
		return -AML_EINVAL;
	if (access(LINUX_WEIGHTS_DIR, F_OK) != 0)
		return -AML_ENOTSUP;
	for (size_t n = 0; n < nweights; n++) {
		char path[128];
		unsigned int w = 0;
		FILE *f;

		weights[n] = 0;
		snprintf(path, sizeof(path), LINUX_WEIGHTS_DIR "/node%zu", n);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%u", &w) == 1 && w <= UCHAR_MAX) {
			weights[n] = (unsigned char)w;
			found++;
		}
		fclose(f);
	}
	return found;
}

/* The system's default hugetlbfs page size, from /proc/meminfo; 0 if none. */
static size_t linux_default_hugetlb_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Whether the system has hugetlbfs pages of `size` bytes. */
static int linux_hugetlb_size_exists(size_t size)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB",
		 size / 1024);
	return access(path, F_OK) == 0;
}

/* Check the hugetlb page size, setting it in `data`. */
static int linux_set_hugetlb(struct aml_area_linux_data *data, size_t size)
{
	if (size == 0)
		size = linux_default_hugetlb_size();
	if (size == 0 || (size & (size - 1)) != 0 ||
	    !linux_hugetlb_size_exists(size))
		return -AML_ENOTSUP;
	data->hugetlb_size = size;
	data->hugetlb_bits = __builtin_ctzl(size) << MAP_HUGE_SHIFT;
	return AML_SUCCESS;
}

static int linux_set_weights(struct aml_area_linux_data *data,
			     const struct aml_area_linux_attr *attr)
{
	const size_t psize = aml_linux_page_size();

	if (attr->weights == NULL)
		return attr->weight_unit == 0 ? AML_SUCCESS : -AML_EINVAL;
	if (data->policy != AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE)
		return -AML_EINVAL;
	data->weight_unit = attr->weight_unit ? attr->weight_unit
					      : LINUX_PMD_SIZE;
	if (data->weight_unit % psize != 0)
		return -AML_EINVAL;
	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)n) != 1)
			continue;
		if (attr->weights[n] == 0)
			return -AML_EINVAL;
		data->weights[n] = attr->weights[n];
	}
	return AML_SUCCESS;
}

static int linux_set_attr(struct aml_area_linux_data *data,
			  const struct aml_area_linux_attr *attr)
{
	int err;

	if (attr->flags & ~LINUX_FLAGS)
		return -AML_EINVAL;
	if ((attr->flags & AML_AREA_LINUX_FLAG_THP) &&
	    (attr->flags & AML_AREA_LINUX_FLAG_HUGETLB))
		return -AML_EINVAL;
	err = linux_set_weights(data, attr);
	if (err != AML_SUCCESS)
		return err;
	if ((attr->flags & AML_AREA_LINUX_FLAG_THP) &&
	    access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0)
		return -AML_ENOTSUP;
	if (attr->flags & AML_AREA_LINUX_FLAG_HUGETLB) {
		err = linux_set_hugetlb(data, attr->hugetlb_page_size);
		if (err != AML_SUCCESS)
			return err;
	}
	data->flags = attr->flags;
	data->populate_threads = attr->populate_threads;
	return AML_SUCCESS;
}

int aml_area_linux_create_attr(struct aml_area **area,
			       const struct aml_bitmap *nodemask,
			       const enum aml_area_linux_policy policy,
			       const struct aml_area_linux_attr *attr)
{
	struct aml_bitmap allowed;
	struct aml_area_linux_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	if ((unsigned int)policy >= LINUX_NPOLICIES)
		return -AML_EINVAL;
	if (nodemask != NULL && aml_bitmap_iszero(nodemask))
		return -AML_EINVAL;
	err = aml_linux_mems_allowed(&allowed);
	if (err != AML_SUCCESS)
		return err;
	if (nodemask != NULL && !linux_is_subset(nodemask, &allowed))
		return -AML_EDOM;
	/* Weights of the area's own need no kernel support. */
	if ((attr == NULL || attr->weights == NULL) &&
	    aml_area_linux_policy_supported(policy) != 1)
		return -AML_ENOTSUP;

	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_linux_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					  struct aml_area_linux_data);
	aml_bitmap_copy(&data->nodemask, nodemask ? nodemask : &allowed);
	data->policy = policy;
	data->mode = linux_policies[policy].mode;
	data->maxnode = linux_maxnode(aml_bitmap_last(&data->nodemask));
	err = attr ? linux_set_attr(data, attr) : AML_SUCCESS;
	if (err != AML_SUCCESS) {
		free(ret);
		return err;
	}
	ret->ops = &aml_area_linux_ops;
	ret->data = (struct aml_area_data *)data;
	*area = ret;
	return AML_SUCCESS;
}

int aml_area_linux_create(struct aml_area **area,
			  const struct aml_bitmap *nodemask,
			  const enum aml_area_linux_policy policy)
{
	return aml_area_linux_create_attr(area, nodemask, policy, NULL);
}

void aml_area_linux_destroy(struct aml_area **area)
{
	if (area == NULL || *area == &aml_area_linux)
		return;
	free(*area);
	*area = NULL;
}

/* Total of the area's own weights over its nodes. */
static size_t linux_weight_total(const struct aml_area_linux_data *data)
{
	size_t total = 0;

	for (int n = 0; n < AML_BITMAP_MAX; n++)
		total += data->weights[n];
	return total;
}

/* Node of weight unit `u` of a mapping, for an area with weights. */
static int linux_weighted_node(const struct aml_area_linux_data *data,
			       size_t u, size_t total)
{
	size_t target = u % total;

	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		if (target < data->weights[n])
			return n;
		target -= data->weights[n];
	}
	return -1;
}

/* Bind runs of units to single nodes, by the area's own weights; units
 * count from `origin`. */
static int linux_bind_weights(const struct aml_area_linux_data *data,
			      uintptr_t origin, void *ptr, size_t size,
			      unsigned int flags)
{
	const size_t unit = data->weight_unit, total = linux_weight_total(data);
	const uintptr_t end = (uintptr_t)ptr + size;
	uintptr_t a = (uintptr_t)ptr;

	while (a < end) {
		size_t u = (a - origin) / unit;
		const int node = linux_weighted_node(data, u, total);
		struct aml_bitmap one;
		uintptr_t run_end;

		for (size_t k = 0;
		     k < total && linux_weighted_node(data, u, total) == node;
		     k++)
			u++;
		run_end = origin + u * unit;
		if (run_end > end)
			run_end = end;
		aml_bitmap_zero(&one);
		aml_bitmap_set(&one, (unsigned int)node);
		if (mbind((void *)a, run_end - a, MPOL_BIND, one.mask,
			  linux_maxnode(node), flags) != 0)
			return -aml_linux_errno_to_aml(errno);
		a = run_end;
	}
	return AML_SUCCESS;
}

/* Apply the area's policy to a range; `flags` are MPOL_MF_* flags. */
static int linux_bind(const struct aml_area_linux_data *data,
		      uintptr_t origin, void *ptr, size_t size,
		      unsigned int flags)
{
	int ret;

	if (data->mode == MPOL_DEFAULT)
		return AML_SUCCESS;
	if (data->weight_unit != 0)
		return linux_bind_weights(data, origin, ptr, size, flags);
	if (data->mode == MPOL_LOCAL)
		ret = mbind(ptr, size, MPOL_LOCAL, NULL, 0, flags);
	else
		ret = mbind(ptr, size, data->mode, data->nodemask.mask,
			    data->maxnode, flags);
	return ret == 0 ? AML_SUCCESS : -aml_linux_errno_to_aml(errno);
}

static int linux_check_flags(int flags, int fd, off_t offset)
{
	const int type = flags & MAP_TYPE;

	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    type != MAP_SHARED_VALIDATE)
		return -AML_EINVAL;
	/* mmap(2) reports a negative offset as EOVERFLOW: too late to tell
	 * it from a size that does not fit. */
	if (!(flags & MAP_ANONYMOUS) && (fd < 0 || offset < 0))
		return -AML_EINVAL;
	return AML_SUCCESS;
}

/* Why a MAP_HUGETLB mmap(2) failed: the size missing, or pages short. */
static int linux_hugetlb_error(int flags, int err)
{
	const int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
	const size_t size = shift ? (size_t)1 << shift
				  : linux_default_hugetlb_size();

	if (size == 0 || !linux_hugetlb_size_exists(size))
		return AML_ENOTSUP;
	return aml_linux_errno_to_aml(err);
}

/* mmap(2) `size` bytes aligned to the PMD size, for transparent huge pages:
 * map more, then trim both ends. */
static void *linux_mmap_thp(void *hint, size_t size, int prot, int flags,
			    int fd, off_t offset)
{
	const size_t psize = aml_linux_page_size();
	const size_t len = (size + psize - 1) & ~(psize - 1);
	const size_t over = len + LINUX_PMD_SIZE - psize;
	uintptr_t raw, start;
	void *p;

	if (size < LINUX_PMD_SIZE || (flags & MAP_FIXED) || over < len)
		return mmap(hint, size, prot, flags, fd, offset);
	p = mmap(hint, over, prot, flags, fd, offset);
	if (p == MAP_FAILED)
		return p;
	raw = (uintptr_t)p;
	start = (raw + LINUX_PMD_SIZE - 1) & ~(uintptr_t)(LINUX_PMD_SIZE - 1);
	if (start != raw)
		munmap(p, start - raw);
	if (raw + over != start + len)
		munmap((void *)(start + len), raw + over - start - len);
	/* A file mapping's offset moved with its start: only anonymous. */
	return (void *)start;
}

/*
 * Threads that populate the area's mappings: the attribute, else 0
 * (automatic) where the policy alone places each page, and 1 where the
 * faulting CPU does (first touch, or the nearest of several nodes), so
 * that pages land where the caller's own touch would put them.
 */
static unsigned int linux_populate_threads(const struct aml_area_linux_data *d)
{
	if (d->populate_threads != 0 || d->weight_unit != 0)
		return d->populate_threads;
	switch (d->mode) {
	case MPOL_INTERLEAVE:
	case MPOL_WEIGHTED_INTERLEAVE:
	case MPOL_PREFERRED:
		return 0;
	case MPOL_BIND:
	case MPOL_PREFERRED_MANY:
		return aml_bitmap_nset(&d->nodemask) == 1 ? 0 : 1;
	default: /* MPOL_DEFAULT follows the calling thread's policy */
		return 1;
	}
}

/* Huge pages, policy, population, after mmap(2). */
static int linux_prepare(const struct aml_area_linux_data *data, void *ptr,
			 size_t size, int prot, int populate, int hugetlb)
{
	int err;

	if ((data->flags & AML_AREA_LINUX_FLAG_THP) &&
	    madvise(ptr, size, MADV_HUGEPAGE) != 0)
		return -aml_linux_errno_to_aml(errno);
	err = linux_bind(data, (uintptr_t)ptr, ptr, size, 0);
	if (err != AML_SUCCESS || !populate || !(prot & PROT_READ))
		return err;
	err = aml_linux_populate_run(ptr, size, (prot & PROT_WRITE) != 0,
				     linux_populate_threads(data));
	/* EFAULT: a fault would raise SIGBUS, e.g. no huge page left on the
	 * policy's nodes. */
	if (err == -AML_FAILURE && errno == EFAULT && hugetlb)
		return -AML_ENOMEM;
	return err;
}

void *aml_area_linux_mmap(const struct aml_area_data *area_data, size_t size,
			  struct aml_area_mmap_options *opts)
{
	const struct aml_area_linux_data *data =
		(const struct aml_area_linux_data *)area_data;
	const struct aml_area_linux_mmap_options *o =
		(const struct aml_area_linux_mmap_options *)opts;
	struct aml_area_linux_mmap_options def = {
		.ptr = NULL,
		.flags = MAP_PRIVATE | MAP_ANONYMOUS,
		.mode = PROT_READ | PROT_WRITE,
		.fd = -1,
		.offset = 0,
	};
	int flags, populate, err;
	void *ptr;

	if (data == NULL || size == 0)
		return aml_fail_null(AML_EINVAL);
	if (o == NULL)
		o = &def;
	err = linux_check_flags(o->flags, o->fd, o->offset);
	if (err != AML_SUCCESS)
		return aml_fail_null(-err);
	/* Populate after binding, so that the policy places the pages. */
	populate = (o->flags & MAP_POPULATE) ||
		   (data->flags & AML_AREA_LINUX_FLAG_POPULATE);
	flags = o->flags & ~MAP_POPULATE;
	if (data->flags & AML_AREA_LINUX_FLAG_HUGETLB) {
		flags |= MAP_HUGETLB | data->hugetlb_bits;
		size = (size + data->hugetlb_size - 1) &
		       ~(data->hugetlb_size - 1);
	}

	if ((data->flags & AML_AREA_LINUX_FLAG_THP) && (flags & MAP_ANONYMOUS))
		ptr = linux_mmap_thp(o->ptr, size, o->mode, flags, o->fd,
				     o->offset);
	else
		ptr = mmap(o->ptr, size, o->mode, flags, o->fd, o->offset);
	if (ptr == MAP_FAILED)
		return aml_fail_null(flags & MAP_HUGETLB
					     ? linux_hugetlb_error(flags, errno)
					     : aml_linux_errno_to_aml(errno));
	err = linux_prepare(data, ptr, size, o->mode, populate,
			    (flags & MAP_HUGETLB) != 0);
	if (err != AML_SUCCESS) {
		munmap(ptr, size);
		return aml_fail_null(-err);
	}
	return ptr;
}

int aml_area_linux_munmap(const struct aml_area_data *area_data, void *ptr,
			  const size_t size)
{
	const struct aml_area_linux_data *data =
		(const struct aml_area_linux_data *)area_data;
	size_t len = size;

	if (data != NULL && (data->flags & AML_AREA_LINUX_FLAG_HUGETLB))
		len = (size + data->hugetlb_size - 1) &
		      ~(data->hugetlb_size - 1);
	if (munmap(ptr, len) != 0)
		return -aml_linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* Print the area's attributes, if any, after its policy. */
static int linux_fprintf_attr(const struct aml_area_linux_data *data,
			      FILE *stream)
{
	int n = 0, ret = 0;

	if (data->flags & AML_AREA_LINUX_FLAG_POPULATE)
		n += ret = fprintf(stream, ", populate");
	if (ret >= 0 && (data->flags & AML_AREA_LINUX_FLAG_THP))
		n += ret = fprintf(stream, ", thp");
	if (ret >= 0 && (data->flags & AML_AREA_LINUX_FLAG_HUGETLB))
		n += ret = fprintf(stream, ", hugetlb %zu kB",
				   data->hugetlb_size / 1024);
	for (int i = 0; ret >= 0 && i < AML_BITMAP_MAX; i++)
		if (data->weights[i])
			n += ret = fprintf(stream, ", weight %d:%u", i,
					   data->weights[i]);
	return ret < 0 ? -AML_FAILURE : n;
}

int aml_area_linux_fprintf(const struct aml_area_data *area_data,
			   FILE *stream, const char *prefix)
{
	const struct aml_area_linux_data *data =
		(const struct aml_area_linux_data *)area_data;
	char *nodes;
	int n, ret;

	if (data == NULL || stream == NULL)
		return -AML_EINVAL;
	nodes = aml_bitmap_to_string(&data->nodemask);
	if (nodes == NULL)
		return -AML_ENOMEM;
	n = fprintf(stream, "%slinux area: policy %s, nodes %s",
		    prefix ? prefix : "", linux_policies[data->policy].name,
		    *nodes ? nodes : "any");
	free(nodes);
	ret = linux_fprintf_attr(data, stream);
	if (n < 0 || ret < 0 || fprintf(stream, "\n") < 0)
		return -AML_FAILURE;
	return n + ret + 1;
}

/* The policy in force at `addr` matches the area's. */
static int linux_policy_matches(const struct aml_area_linux_data *data,
				void *addr)
{
	struct aml_bitmap nodes, expect;
	int mode;

	aml_bitmap_zero(&nodes);
	if (get_mempolicy(&mode, nodes.mask, LINUX_MAXNODE, addr,
			  MPOL_F_ADDR) != 0)
		return -AML_FAILURE;
	/* Weights of the area's own: one node of the mask per run. */
	if (data->weight_unit != 0)
		return mode == MPOL_BIND && aml_bitmap_nset(&nodes) == 1 &&
		       linux_is_subset(&nodes, &data->nodemask);
	if (mode != data->mode)
		return 0;
	if (data->mode == MPOL_DEFAULT || data->mode == MPOL_LOCAL)
		return 1;
	aml_bitmap_copy(&expect, &data->nodemask);
	/* The kernel keeps one node for preferred: the lowest. */
	if (data->mode == MPOL_PREFERRED) {
		aml_bitmap_zero(&expect);
		aml_bitmap_set(&expect, (unsigned int)aml_bitmap_first(
						&data->nodemask));
	}
	return aml_bitmap_isequal(&nodes, &expect);
}

/*
 * A cyclic placement: unit i of the pattern (interleave: one node after
 * the other; weighted: w(n) units of each node n) with an unknown phase.
 * Candidate phases shrink as placed pages are seen.
 */
struct linux_cycle {
	size_t shift; /* log2 of the unit: base page or PMD */
	size_t period;
	int *pattern;  /* node of each position of the period */
	size_t *phase; /* candidate phases */
	size_t nphase; /* SIZE_MAX: not started */
};

static void linux_cycle_page(struct linux_cycle *c, uintptr_t addr, int node)
{
	const size_t u = addr >> c->shift;
	size_t k = 0;

	if (c->nphase == SIZE_MAX) {
		c->nphase = 0;
		for (size_t p = 0; p < c->period; p++)
			if (c->pattern[(u + p) % c->period] == node)
				c->phase[c->nphase++] = p;
		return;
	}
	for (size_t i = 0; i < c->nphase; i++)
		if (c->pattern[(u + c->phase[i]) % c->period] == node)
			c->phase[k++] = c->phase[i];
	c->nphase = k;
}

struct linux_page_check {
	const struct aml_area_linux_data *data;
	uintptr_t start; /* of the mapping, for weights of the area's own */
	size_t total;    /* of those weights */
	int first;       /* lowest node of the mask */
	struct linux_cycle small, huge;
	int ok;
	/* The range checked; the query may cover whole PMD units around it. */
	uintptr_t range_start, range_end;
	/* Pages of the PMD unit being gathered. */
	uintptr_t *unit_addr;
	int *unit_status;
	size_t unit_pages, unit_n;
};

/* Whether a placed page is where the area wants it, cycles aside. */
static int linux_page_allowed(const struct linux_page_check *c,
			      uintptr_t addr, int node)
{
	const struct aml_area_linux_data *d = c->data;

	if (d->weight_unit != 0)
		return node == linux_weighted_node(d, (addr - c->start) /
								d->weight_unit,
						   c->total);
	switch (d->mode) {
	case MPOL_DEFAULT:
	case MPOL_LOCAL:
		return 1;
	case MPOL_PREFERRED:
		return node == c->first;
	default:
		return aml_bitmap_isset(&d->nodemask, (unsigned int)node) == 1;
	}
}

static void linux_check_page(struct linux_page_check *c, uintptr_t addr,
			     int node, int in_huge)
{
	struct linux_cycle *cycle = in_huge ? &c->huge : &c->small;

	if (node < 0 || node >= AML_BITMAP_MAX)
		return; /* not placed yet */
	if (!linux_page_allowed(c, addr, node)) {
		c->ok = 0;
		return;
	}
	if (cycle->pattern == NULL)
		return;
	linux_cycle_page(cycle, addr, node);
	if (cycle->nphase == 0)
		c->ok = 0;
}

/*
 * Check the pages of one PMD-sized unit that lie in the range. A huge page
 * is present whole, on one node: a unit that is not so holds base pages
 * only, and the pages of a small range on one node are no huge page.
 */
static int linux_check_unit(struct linux_page_check *c, const uintptr_t *addr,
			    const int *status, size_t n)
{
	int in_huge = n > 1 && status[0] >= 0;

	for (size_t i = 1; i < n; i++)
		if (status[i] != status[0])
			in_huge = 0;
	for (size_t i = 0; i < n && c->ok; i++)
		if (addr[i] >= c->range_start && addr[i] < c->range_end)
			linux_check_page(c, addr[i], status[i], in_huge);
	return c->ok ? 0 : 1;
}

/* Gather the pages of each PMD-sized unit, then check it. */
static int linux_check_collect(void *arg, uintptr_t addr, int status)
{
	struct linux_page_check *c = arg;

	c->unit_addr[c->unit_n] = addr;
	c->unit_status[c->unit_n++] = status;
	if (c->unit_n < c->unit_pages)
		return 0;
	c->unit_n = 0;
	return linux_check_unit(c, c->unit_addr, c->unit_status,
				c->unit_pages);
}

/* Check each page alone: no cycle tells huge pages from base pages. */
static int linux_check_each(void *arg, uintptr_t addr, int status)
{
	struct linux_page_check *c = arg;

	linux_check_page(c, addr, status, 0);
	return c->ok ? 0 : 1;
}

/*
 * Check the pages [s, e) of one PMD unit, which the range covers in part.
 * Pages there on different nodes (or not placed) are no huge page; only
 * when they share one node do the unit's other pages tell.
 */
static int linux_check_partial(struct linux_page_check *c, uintptr_t s,
			       uintptr_t e)
{
	const uintptr_t unit = s & ~(uintptr_t)(LINUX_PMD_SIZE - 1);
	size_t n;
	int ret, one_node = 1;

	c->unit_n = 0;
	ret = aml_linux_pages_foreach((void *)s, e - s, linux_check_collect,
				      c);
	if (ret != 0)
		return ret;
	n = c->unit_n;
	for (size_t i = 0; i < n; i++)
		if (c->unit_status[i] < 0 ||
		    c->unit_status[i] != c->unit_status[0])
			one_node = 0;
	if (one_node) {
		/* The whole unit: checked once its last page is in. */
		c->unit_n = 0;
		return aml_linux_pages_foreach((void *)unit, LINUX_PMD_SIZE,
					       linux_check_collect, c);
	}
	c->unit_n = 0;
	return linux_check_unit(c, c->unit_addr, c->unit_status, n);
}

/*
 * Check [range_start, range_end) by PMD units, where interleave cycles
 * differ for huge and base pages: whole units at once, and a partial unit
 * at either end as linux_check_partial() says.
 */
static int linux_check_units(struct linux_page_check *c)
{
	const uintptr_t mask = ~(uintptr_t)(LINUX_PMD_SIZE - 1);
	const uintptr_t e = c->range_end;
	uintptr_t a = c->range_start;
	int ret = 0;

	while (a < e && ret == 0) {
		const uintptr_t unit_end = (a & mask) + LINUX_PMD_SIZE;
		uintptr_t b;

		if ((a & ~mask) == 0 && unit_end <= e) {
			b = e & mask;
			c->unit_n = 0;
			ret = aml_linux_pages_foreach((void *)a, b - a,
						      linux_check_collect, c);
		} else {
			b = unit_end < e ? unit_end : e;
			ret = linux_check_partial(c, a, b);
		}
		a = b;
	}
	return ret;
}

/* The pattern of interleave (weights 1) or weighted interleave. */
static int *linux_cycle_pattern(const struct aml_area_linux_data *data,
				size_t *period)
{
	const int first = aml_bitmap_first(&data->nodemask);
	const int last = aml_bitmap_last(&data->nodemask);
	unsigned char w[AML_BITMAP_MAX];
	size_t n = 0;
	int *pattern;

	memset(w, 1, sizeof(w));
	if (data->mode == MPOL_WEIGHTED_INTERLEAVE &&
	    aml_area_linux_weights(w, AML_BITMAP_MAX) < 0)
		return NULL;
	*period = 0;
	for (int i = first; i <= last; i++)
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)i) == 1)
			*period += w[i] ? w[i] : 1;
	pattern = malloc(*period * sizeof(*pattern));
	if (pattern == NULL)
		return NULL;
	for (int i = first; i <= last; i++)
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)i) == 1)
			for (int k = 0; k < (w[i] ? w[i] : 1); k++)
				pattern[n++] = i;
	return pattern;
}

static int linux_cycle_init(struct linux_page_check *c)
{
	const struct aml_area_linux_data *d = c->data;
	size_t period;

	if (d->weight_unit != 0 ||
	    (d->mode != MPOL_INTERLEAVE && d->mode != MPOL_WEIGHTED_INTERLEAVE))
		return AML_SUCCESS;
	c->small.pattern = linux_cycle_pattern(d, &period);
	c->small.phase = malloc(period * sizeof(size_t));
	c->huge.phase = malloc(period * sizeof(size_t));
	if (c->small.pattern == NULL || !c->small.phase || !c->huge.phase)
		return -AML_ENOMEM;
	c->small.period = c->huge.period = period;
	c->huge.pattern = c->small.pattern;
	c->small.shift = (size_t)__builtin_ctzl(aml_linux_page_size());
	c->huge.shift = (size_t)__builtin_ctzl(LINUX_PMD_SIZE);
	c->small.nphase = c->huge.nphase = SIZE_MAX;
	return AML_SUCCESS;
}

int aml_area_linux_check_binding(struct aml_area_linux_data *area_data,
				 void *ptr, size_t size)
{
	const size_t psize = aml_linux_page_size();
	struct linux_page_check c = {0};
	int ret;

	if (area_data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	ret = linux_policy_matches(area_data, ptr);
	if (ret != 1)
		return ret;
	ret = linux_policy_matches(area_data, (char *)ptr + size - 1);
	if (ret != 1)
		return ret;

	c.data = area_data;
	c.start = (uintptr_t)ptr;
	c.total = linux_weight_total(area_data);
	c.first = aml_bitmap_first(&area_data->nodemask);
	c.ok = 1;
	c.range_start = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	c.range_end = (uintptr_t)ptr + size;
	c.unit_pages = psize < LINUX_PMD_SIZE ? LINUX_PMD_SIZE / psize : 1;
	c.unit_addr = malloc(c.unit_pages * sizeof(*c.unit_addr));
	c.unit_status = malloc(c.unit_pages * sizeof(*c.unit_status));
	ret = c.unit_addr && c.unit_status ? AML_SUCCESS : -AML_ENOMEM;
	/* A cycle over one node, or seen on one page, cannot fail: then
	 * neither huge pages nor whole PMD units matter. */
	if (ret == AML_SUCCESS && aml_bitmap_nset(&area_data->nodemask) > 1 &&
	    aml_linux_npages(ptr, size) > 1)
		ret = linux_cycle_init(&c);
	if (ret == AML_SUCCESS && c.small.pattern != NULL)
		ret = linux_check_units(&c);
	else if (ret == AML_SUCCESS)
		ret = aml_linux_pages_foreach(ptr, size, linux_check_each, &c);
	if (ret >= 0)
		ret = c.ok;
	else if (ret != -AML_ENOMEM)
		ret = -AML_FAILURE;
	free(c.unit_addr);
	free(c.unit_status);
	free(c.small.pattern);
	free(c.small.phase);
	free(c.huge.phase);
	return ret;
}

/* Compare each page before and after a move, one batch at a time. */
struct linux_migration {
	struct linux_page_check check;
	/* Interleave: the round-robin pattern, by base page index. */
	int *pattern;
	size_t period;
	size_t moved, failed;
	int *status;
	size_t i;
};

/*
 * mbind(2) with MPOL_MF_MOVE only moves pages off the policy's nodes: pages
 * of an interleave range already on one of them stay. Move those to their
 * round-robin node, the one the kernel gives a new page of an anonymous
 * mapping at that address (base page index modulo the pattern).
 */
static int linux_migrate_pattern(struct linux_migration *m, void **pages,
				 unsigned long n, int *target)
{
	const size_t psize = aml_linux_page_size();
	int st[LINUX_QUERY_PAGES];

	for (unsigned long i = 0; i < n; i++)
		target[i] = m->pattern[((uintptr_t)pages[i] / psize) %
				       m->period];
	if (move_pages(0, n, pages, target, st, MPOL_MF_MOVE) < 0)
		return -aml_linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* Whether page `i` of a batch ended where the area wants it. */
static int linux_migrated_well(const struct linux_migration *m, void *page,
			       int node, int target)
{
	if (m->pattern != NULL)
		return node == target;
	return linux_page_allowed(&m->check, (uintptr_t)page, node);
}

static int linux_migrate_batch(struct linux_migration *m, void **pages,
			       unsigned long n)
{
	const size_t psize = aml_linux_page_size();
	int before[LINUX_QUERY_PAGES], after[LINUX_QUERY_PAGES];
	int target[LINUX_QUERY_PAGES];
	int err;

	if (move_pages(0, n, pages, NULL, before, 0) != 0)
		return -aml_linux_errno_to_aml(errno);
	err = linux_bind(m->check.data, m->check.start, pages[0], n * psize,
			 MPOL_MF_MOVE);
	if (err == AML_SUCCESS && m->pattern != NULL)
		err = linux_migrate_pattern(m, pages, n, target);
	if (err != AML_SUCCESS)
		return err;
	if (move_pages(0, n, pages, NULL, after, 0) != 0)
		return -aml_linux_errno_to_aml(errno);
	for (unsigned long i = 0; i < n; i++) {
		int st = aml_linux_page_status(after[i]);

		const int ok = linux_migrated_well(m, pages[i], st, target[i]);

		if (st >= 0 && !ok) {
			m->failed++;
			st = -EBUSY;
		} else if (st >= 0 && before[i] >= 0 && st != before[i]) {
			m->moved++;
		}
		if (m->status != NULL)
			m->status[m->i] = st;
		m->i++;
	}
	return AML_SUCCESS;
}

int aml_area_linux_migrate(const struct aml_area *area, void *ptr,
			   size_t size, size_t *moved, size_t *failed,
			   int *status)
{
	const size_t psize = aml_linux_page_size();
	struct linux_migration m = {.status = status};
	uintptr_t a = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	const uintptr_t end = (uintptr_t)ptr + size;
	int err = AML_SUCCESS;

	if (area == NULL || area->ops != &aml_area_linux_ops ||
	    area->data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	m.check.data = (const struct aml_area_linux_data *)area->data;
	m.check.start = a;
	m.check.total = linux_weight_total(m.check.data);
	m.check.first = aml_bitmap_first(&m.check.data->nodemask);
	if (m.check.data->weight_unit == 0 &&
	    (m.check.data->mode == MPOL_INTERLEAVE ||
	     m.check.data->mode == MPOL_WEIGHTED_INTERLEAVE)) {
		m.pattern = linux_cycle_pattern(m.check.data, &m.period);
		if (m.pattern == NULL)
			return -AML_ENOMEM;
	}
	while (a < end && err == AML_SUCCESS) {
		void *pages[LINUX_QUERY_PAGES];
		unsigned long n = 0;

		for (; a < end && n < LINUX_QUERY_PAGES; a += psize)
			pages[n++] = (void *)a;
		err = linux_migrate_batch(&m, pages, n);
	}
	if (err == -AML_FAILURE && (errno == EFAULT || errno == ENOMEM))
		err = -AML_EINVAL;
	if (moved != NULL)
		*moved = m.moved;
	if (failed != NULL)
		*failed = m.failed;
	free(m.pattern);
	return err;
}
