/**
 * @file ipc.h
 * @brief Placed memory shared between processes of one machine.
 *
 * A process maps memory from a Linux area created shareable
 * (::AML_AREA_LINUX_FLAG_SHARED in aml_area_linux_attr::flags), makes a
 * handle of a range of it with aml_ipc_handle_get() and sends the handle's
 * 64 bytes to other processes by any means (a pipe, a file, `MPI_Bcast`).
 * Each of them maps the same pages with aml_ipc_open(): no copy, and the
 * pages, also those first touched by an opener, are placed as the
 * exporting area's policy says, since the policy is the shared object's.
 * Replica sets are shared the same way (aml_replicaset_ipc_handle_get(),
 * aml_replicaset_ipc_open()): one copy per node for every process.
 *
 * @code
 * // exporter
 * struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
 * aml_area_linux_create_attr(&area, nodes, AML_AREA_LINUX_POLICY_INTERLEAVE,
 *                            &attr);
 * double *x = aml_area_mmap(area, size, NULL);
 * struct aml_ipc_handle h;
 * aml_ipc_handle_get(x, size, &h);
 * write(pipe_fd, &h, sizeof(h));
 * // opener
 * read(pipe_fd, &h, sizeof(h));
 * size_t n;
 * double *y = aml_ipc_open(&h, &n);   // same pages as x
 * ...
 * aml_ipc_close(y, n);
 * @endcode
 *
 * How a handle reaches the memory: each mapping of a shareable area is a
 * memfd (an unnamed shared memory object) that the exporter keeps open
 * until it unmaps the mapping through the area. A handle names the
 * exporter's process id and that descriptor's number, the object's device
 * and inode, the range, and a tag (SipHash-2-4 of the handle's other bytes
 * under a random 128-bit key that is stored in the object's first page).
 * aml_ipc_open() opens `/proc/PID/fd/N` with O_PATH (no side effect
 * whatever it names), checks that it is a regular file of this user with
 * that device and inode, reopens it read-write, checks that it is sealed
 * (its size can never change: no mapping of it can fault past its end),
 * reads the key and checks the tag, then maps the range and closes the
 * descriptor. Any field changed, a process or descriptor that is not the
 * exporter's any more, or an object that is not AML's, fails a check:
 * ::AML_EINVAL, never a mapping of other memory.
 *
 * Permissions: the kernel lets a process open another's `/proc/PID/fd/N`
 * when it may read that process's memory (ptrace access mode
 * PTRACE_MODE_READ_FSCREDS: the same user, a process that is dumpable; or
 * CAP_SYS_PTRACE). Yama's `kernel.yama.ptrace_scope` restricts only the
 * attach mode of ptrace(2) (and what needs it: pidfd_getfd(2),
 * process_vm_readv(2) ...), not this: same-user processes that are not
 * each other's ancestors (MPI ranks, siblings under one launcher) open
 * each other's handles under every scope. On top of the kernel's check,
 * aml_ipc_open() refuses objects whose owner is not its effective user
 * (::AML_EPERM), so that root too opens only its own. Not supported: a
 * `/proc` mounted with `hidepid=` or of another pid namespace than the
 * exporter's (handles name pids as the exporter sees them), and exporters
 * that made themselves non-dumpable (prctl(PR_SET_DUMPABLE, 0), or a
 * set-user-ID program), whose `/proc/PID/fd` only root may enter.
 *
 * Lifetime: nothing is ever named in a file system (no file in /dev/shm),
 * so nothing is left behind whatever the way processes end, SIGKILL
 * included: the kernel frees the object when its last descriptor and
 * mapping are gone. The memory lives until the exporter has unmapped it
 * and every opener has closed it or exited; an opener keeps working after
 * the exporter has exited. A handle is valid while its exporter lives and
 * keeps the range mapped: after that, opening it gives ::AML_EINVAL.
 *
 * Thread safety: every function is safe to call from several threads.
 */
#ifndef AML_HIGHER_IPC_H
#define AML_HIGHER_IPC_H

#include <stddef.h>

#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_ipc Sharing between processes
 * @brief Handles of placed memory that other processes of the machine open.
 * @{
 */

/**
 * A handle: 64 plain bytes, to be sent by any means to another process of
 * the same machine and the same user. Its layout is the library's (see
 * the file's description); it holds no pointer.
 */
struct aml_ipc_handle {
	/** The handle's bytes. */
	unsigned char bytes[64];
};

struct aml_replicaset;

/**
 * Make a handle of `[ptr, ptr + size)`, a range of one mapping of a
 * shareable Linux area (::AML_AREA_LINUX_FLAG_SHARED) of this process.
 * `ptr` need not be page aligned. Reads /proc/self/maps, to check that
 * the range is still that mapping.
 * @param ptr: start of the range.
 * @param size: bytes, > 0.
 * @param[out] handle: receives the handle.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `ptr` or `handle`,
 * `size` 0, or a range that is not inside one mapping of a shareable area
 * (other memory, a mapping unmapped since, or opened with aml_ipc_open());
 * -::AML_FAILURE if /proc/self/maps could not be read.
 * Thread safety: safe; the range must not be unmapped meanwhile.
 */
AML_EXPORT int aml_ipc_handle_get(const void *ptr, size_t size,
				  struct aml_ipc_handle *handle);

/**
 * Map the memory of a handle made by another process (or this one): the
 * same pages, read-write, MAP_SHARED.
 * @param handle: the handle.
 * @param[out] size: if not NULL, receives the size of the range.
 * @return the start of the range; NULL with ::aml_errno set:
 * - ::AML_EINVAL: NULL `handle`; bytes that are not a buffer handle of
 *   this library (a replica set's handle included); a handle whose
 *   exporter has exited or unmapped the range; any field changed (tag
 *   mismatch);
 * - ::AML_EPERM: the exporter is another user's process, or its object
 *   another user's (also for root); also a handle changed to name another
 *   user's process that started in the same clock tick as the exporter
 *   (a process is known by its pid and start time, in clock ticks);
 * - ::AML_ENOMEM: no address space or memory for the mapping;
 * - ::AML_FAILURE: another error, `errno` saying which (EMFILE: no file
 *   descriptor left for the moment of opening).
 * Thread safety: safe.
 */
AML_EXPORT void *aml_ipc_open(const struct aml_ipc_handle *handle,
			      size_t *size);

/**
 * Unmap a range mapped by aml_ipc_open(). The memory stays for the
 * exporter and the other openers.
 * @param ptr: what aml_ipc_open() returned.
 * @param size: the size it gave.
 * @return ::AML_SUCCESS; -::AML_EINVAL if `ptr` and `size` are not those
 * of a range opened and not yet closed.
 * Thread safety: safe.
 */
AML_EXPORT int aml_ipc_close(void *ptr, size_t size);

/**
 * Make a handle of a replica set (`<aml/higher/replicaset.h>`) that other
 * processes open with aml_replicaset_ipc_open().
 *
 * The first call on a set made by aml_replicaset_create() moves its
 * copies into one shared object, one slot per node, each slot bound to its
 * node (the kernel's shared policy): every copy is copied once, node by
 * node, and mapped back at its address, so pointers already returned by
 * aml_replicaset_local() and aml_replicaset_on_node() stay valid, and
 * their contents. Later calls return the same handle. On a set opened
 * with aml_replicaset_ipc_open(), returns a handle of this process, which
 * stays valid when the exporter has exited.
 * @param rs: the set.
 * @param[out] handle: receives the handle.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL argument; -::AML_ENOMEM
 * when memory is short for the shared copies (the set stays usable: copies
 * not moved stay private); -::AML_FAILURE otherwise (EMFILE).
 * Thread safety: safe, calls on one set included; no other thread may
 * write the copies during the first call (a copy's pages are replaced:
 * reads see the same bytes throughout).
 */
AML_EXPORT int aml_replicaset_ipc_handle_get(struct aml_replicaset *rs,
					     struct aml_ipc_handle *handle);

/**
 * Open a replica set from a handle of aml_replicaset_ipc_handle_get(): a
 * set whose copies are the exporter's (no copy is made). In each process,
 * aml_replicaset_local() returns the copy on that process's node (or the
 * nearest one). aml_replicaset_init() and aml_replicaset_sync() in any
 * process change the copies of all. aml_replicaset_destroy() unmaps this
 * process's view only: the copies live while any process maps them.
 * @param[out] rs: receives the set; NULL after any failure.
 * @param handle: the handle.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL argument, or a handle
 * that is not a replica set's of this library, stale or changed (as
 * aml_ipc_open()); -::AML_EPERM for another user's set; -::AML_ENOMEM
 * when memory is short; -::AML_FAILURE otherwise.
 * Thread safety: safe.
 */
AML_EXPORT int aml_replicaset_ipc_open(struct aml_replicaset **rs,
				       const struct aml_ipc_handle *handle);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_IPC_H */
