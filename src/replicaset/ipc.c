/* Replica sets shared between processes (<aml/higher/ipc.h>): the copies
 * in one shared object, slot k holding the copy of the k-th node of the
 * set, each slot bound to its node by the object's own policy. */
#include "aml/higher/ipc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "aml/area/linux.h"
#include "aml/dma.h"
#include "internal.h"
#include "ipc/ipc.h"
#include "replicaset/replicaset.h"

/* What the object says of the set, after its header. */
struct replicas_info {
	uint64_t size;	 /* bytes of one copy */
	uint32_t nslots; /* copies */
	uint32_t reserved;
	uint32_t node[AML_BITMAP_MAX]; /* slot -> node, ascending */
};

#define INFO_LEN(nslots)                                                       \
	(offsetof(struct replicas_info, node) + (nslots) * sizeof(uint32_t))

static size_t replicas_stride(size_t size)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);

	return (size + psize - 1) & ~(psize - 1);
}

/*
 * Move the copy on `node` into its slot at `off` of the object: map the
 * slot, bind it as the copy's area says (which sets the object's policy
 * there), copy, then move that mapping over the copy's, whose private
 * pages go. The copy keeps its address.
 */
static int replicas_move(struct aml_replicaset *rs, int fd, int node,
			 uint64_t off)
{
	const size_t stride = replicas_stride(rs->size);
	void *slot = mmap(NULL, stride, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  (off_t)off);
	int err;

	if (slot == MAP_FAILED)
		return -AML_ENOMEM;
	err = aml_area_linux_migrate(rs->area[node], slot, stride, NULL, NULL,
				     NULL);
	if (err == AML_SUCCESS)
		err = aml_dma_copy(rs->dma, slot, rs->copy[node], rs->size);
	if (err == AML_SUCCESS &&
	    mremap(slot, stride, stride, MREMAP_MAYMOVE | MREMAP_FIXED,
		   rs->copy[node]) == MAP_FAILED)
		err = errno == ENOMEM ? -AML_ENOMEM : -AML_FAILURE;
	if (err != AML_SUCCESS)
		munmap(slot, stride);
	return err;
}

/* The first share of a set made here: its copies move into an object. */
static int replicas_share(struct aml_replicaset *rs)
{
	struct replicas_info *info = calloc(1, sizeof(*info));
	struct aml__linux_shared obj = {.fd = -1};
	const size_t stride = replicas_stride(rs->size);
	uint32_t k = 0;
	int err;

	if (info == NULL)
		return -AML_ENOMEM;
	for (int n = 0; n < rs->nnodes; n++)
		if (rs->copy[n] != NULL)
			info->node[k++] = (uint32_t)n;
	info->size = rs->size;
	info->nslots = k;
	/* A set has a copy at least (aml_replicaset_create()). */
	if (stride > SIZE_MAX / k)
		err = -AML_ENOMEM;
	else
		err = aml__linux_shared_create(&obj, AML__LINUX_SHARED_REPLICAS,
					       stride * k, info, INFO_LEN(k));
	for (uint32_t s = 0; err == AML_SUCCESS && s < k; s++)
		err = replicas_move(rs, obj.fd, (int)info->node[s],
				    obj.header.data_off + (uint64_t)s * stride);
	free(info);
	if (err == AML_SUCCESS)
		rs->shared = obj;
	else if (obj.fd >= 0)
		close(obj.fd);
	return err;
}

/* Sharing is rare: one lock for every set keeps two first calls from
 * moving the copies twice. */
static pthread_mutex_t replicas_lock = PTHREAD_MUTEX_INITIALIZER;

int aml_replicaset_ipc_handle_get(struct aml_replicaset *rs,
				  struct aml_ipc_handle *handle)
{
	int err = AML_SUCCESS;

	if (rs == NULL || handle == NULL)
		return -AML_EINVAL;
	pthread_mutex_lock(&replicas_lock);
	if (rs->shared.fd < 0)
		err = replicas_share(rs);
	if (err == AML_SUCCESS)
		err =
		    aml__ipc_handle_of(&rs->shared, rs->shared.header.data_off,
				       rs->shared.header.data_len, handle);
	pthread_mutex_unlock(&replicas_lock);
	return err;
}

/* Whether an object's information describes a set that fills it. */
static int replicas_info_ok(const struct replicas_info *info, size_t len,
			    const struct aml__linux_shared *obj)
{
	const uint64_t n = info->nslots;

	if (len < INFO_LEN(0) || n == 0 || n > AML_BITMAP_MAX ||
	    len != INFO_LEN(n) || info->size == 0 || info->size > SIZE_MAX ||
	    replicas_stride(info->size) * n != obj->header.data_len)
		return 0;
	for (uint64_t s = 0; s < n; s++)
		if (info->node[s] >= AML_BITMAP_MAX ||
		    (s > 0 && info->node[s] <= info->node[s - 1]))
			return 0;
	return 1;
}

/*
 * Map every slot, each in a mapping of its own, with an unmapped page
 * after it: numa_maps then shows each copy with its node's policy, and a
 * read past a copy faults rather than reading the next one.
 */
static int replicas_view(struct aml_replicaset *rs,
			 const struct replicas_info *info)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);
	const size_t stride = replicas_stride(rs->size), step = stride + psize;
	const uint64_t off = rs->shared.header.data_off;

	if (step < stride || info->nslots > SIZE_MAX / step)
		return -AML_ENOMEM;
	rs->view_len = step * info->nslots;
	rs->view = mmap(NULL, rs->view_len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rs->view == MAP_FAILED) {
		rs->view = NULL;
		return -AML_ENOMEM;
	}
	for (uint32_t s = 0; s < info->nslots; s++) {
		void *at = (char *)rs->view + s * step;

		if (mmap(at, stride, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, rs->shared.fd,
			 (off_t)(off + (uint64_t)s * stride)) == MAP_FAILED)
			return -AML_ENOMEM;
		rs->copy[info->node[s]] = at;
	}
	return AML_SUCCESS;
}

/* A set over the object `obj` describes (taking its descriptor). */
static int replicas_open(struct aml_replicaset **rs,
			 const struct aml__linux_shared *obj,
			 const struct replicas_info *info)
{
	const int nnodes = (int)info->node[info->nslots - 1] + 1;
	int err = aml__replicaset_alloc(rs, (size_t)info->size, nnodes);

	if (*rs == NULL) {
		close(obj->fd);
		return err;
	}
	(*rs)->shared = *obj;
	if (err == AML_SUCCESS)
		err = replicas_view(*rs, info);
	if (err != AML_SUCCESS) {
		aml_replicaset_destroy(rs);
		return err;
	}
	aml__replicaset_nearest(*rs);
	return AML_SUCCESS;
}

int aml_replicaset_ipc_open(struct aml_replicaset **rs,
			    const struct aml_ipc_handle *handle)
{
	struct replicas_info *info;
	struct aml__linux_shared obj;
	struct aml__ipc_fields f;
	size_t len;
	int err;

	if (rs == NULL)
		return -AML_EINVAL;
	*rs = NULL;
	if (handle == NULL)
		return -AML_EINVAL;
	info = malloc(sizeof(*info));
	if (info == NULL)
		return -AML_ENOMEM;
	err = aml__ipc_attach(handle, AML__LINUX_SHARED_REPLICAS, &f, &obj,
			      info, sizeof(*info), &len);
	if (err == AML_SUCCESS && (!replicas_info_ok(info, len, &obj) ||
				   f.offset != obj.header.data_off ||
				   f.size != obj.header.data_len)) {
		close(obj.fd);
		err = -AML_EINVAL;
	}
	if (err == AML_SUCCESS)
		err = replicas_open(rs, &obj, info);
	free(info);
	return err;
}
