/* Handles of shared objects, for the replica sets' sharing
 * (src/replicaset/ipc.c). Not installed. */
#ifndef AML_IPC_IPC_H
#define AML_IPC_IPC_H

#include "area/linux/shared.h"
#include "ipc/handle.h"

/* A handle of `size` bytes at `offset` of `obj`, exported by this
 * process through `obj->fd`. Returns AML_SUCCESS, or -AML_FAILURE if
 * /proc/self/stat could not be read. */
int aml__ipc_handle_of(const struct aml__linux_shared *obj, uint64_t offset,
		       uint64_t size, struct aml_ipc_handle *h);

/*
 * Open the object of handle `h`, of `kind`: the handle read into `f`, the
 * object's descriptor (this process's own) and header into `obj`, and its
 * information into `info` (see aml__linux_shared_read()). Returns
 * AML_SUCCESS, or (nothing left open) -AML_EINVAL for a handle that is not
 * one of `kind`, stale, or changed; -AML_EPERM for another user's
 * process or object; -AML_FAILURE otherwise.
 */
int aml__ipc_attach(const struct aml_ipc_handle *h, unsigned int kind,
		    struct aml__ipc_fields *f, struct aml__linux_shared *obj,
		    void *info, size_t info_max, size_t *info_len);

#endif /* AML_IPC_IPC_H */
