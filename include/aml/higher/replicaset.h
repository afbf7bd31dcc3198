/**
 * @file replicaset.h
 * @brief Replicas: one copy of a buffer on each node of a set.
 *
 * A replica set holds one copy of a `size`-byte buffer on each of a set of
 * NUMA nodes (by default every node this process may allocate on, its
 * `mems_allowed`). Each copy comes from a Linux area bound to its node.
 * aml_replicaset_init() and aml_replicaset_sync() fill every copy in
 * parallel with a Linux copy engine whose workers copy each replica from
 * CPUs of its node. aml_replicaset_local() gives a thread the copy on the
 * node of the CPU it runs on or, when that node has no copy (a node left
 * out of the set, or a thread on a node without memory), the copy on the
 * nearest node by numa_distance() (ties: the lowest node id).
 *
 * Replicas are meant for read-mostly data: writes to one copy reach the
 * others only through aml_replicaset_sync().
 *
 * Processes of one machine share a set's copies through
 * aml_replicaset_ipc_handle_get() and aml_replicaset_ipc_open() of
 * `<aml/higher/ipc.h>`: one copy per node for all of them.
 */
#ifndef AML_HIGHER_REPLICASET_H
#define AML_HIGHER_REPLICASET_H

#include <stddef.h>

#include "aml/utils/bitmap.h"
#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_replicaset Replicas
 * @brief A copy of a buffer on each NUMA node.
 * @{
 */

/** A set of replicas; opaque. */
struct aml_replicaset;

/**
 * Map one copy of `size` bytes on each node of `nodes`. The copies hold
 * zeros until aml_replicaset_init().
 * @param[out] rs: receives the set; NULL after any failure.
 * @param size: bytes per copy, > 0.
 * @param nodes: the nodes; NULL for every node this process may use.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `rs`, `size` 0 or an
 * empty `nodes`; -::AML_EDOM if `nodes` names a node that does not exist
 * or that this process may not allocate on; -::AML_ENOMEM when memory (or
 * a node's memory) is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_replicaset_create(struct aml_replicaset **rs, size_t size,
				     const struct aml_bitmap *nodes);

/**
 * Fill every copy with the `size` bytes at `src`, in parallel.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `rs` or `src`, or a
 * `src` overlapping a copy (no copy is changed); -::AML_ENOMEM when memory
 * is short.
 * Thread safety: no other thread may use the copies meanwhile.
 */
AML_EXPORT int aml_replicaset_init(struct aml_replicaset *rs, const void *src);

/**
 * The copy for the calling thread: the one on the node of the CPU it runs
 * on, or the one on the nearest node that has a copy.
 * @return the copy; NULL with ::aml_errno = ::AML_EINVAL for a NULL `rs`.
 * Thread safety: safe. A thread that migrates to another node afterwards
 * keeps the pointer it got; call again to follow it.
 */
AML_EXPORT void *aml_replicaset_local(struct aml_replicaset *rs);

/**
 * The copy on `node`.
 * @return the copy; NULL with ::aml_errno = ::AML_EINVAL for a NULL `rs`,
 * or ::AML_EDOM for a node that has no copy in the set.
 * Thread safety: safe.
 */
AML_EXPORT void *aml_replicaset_on_node(struct aml_replicaset *rs, int node);

/**
 * Copy the copy on `from_node` to every other copy, in parallel.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `rs`; -::AML_EDOM for a
 * node without a copy; -::AML_ENOMEM when memory is short.
 * Thread safety: no other thread may use the copies meanwhile.
 */
AML_EXPORT int aml_replicaset_sync(struct aml_replicaset *rs, int from_node);

/**
 * Unmap every copy, free the set and set `*rs` to NULL. NULL and a pointer
 * to NULL are accepted. For a set shared with other processes
 * (`<aml/higher/ipc.h>`), only this process's mappings go: the copies live
 * while another process maps them.
 * Thread safety: no other thread may use the set during or after the call.
 */
AML_EXPORT void aml_replicaset_destroy(struct aml_replicaset **rs);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_REPLICASET_H */
