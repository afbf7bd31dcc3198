/* The bytes of a handle (<aml/higher/ipc.h>): what they say, and their
 * tag. Not installed. */
#ifndef AML_IPC_HANDLE_H
#define AML_IPC_HANDLE_H

#include <stdint.h>

#include "aml/higher/ipc.h"

/* What a handle says, once its bytes are read. */
struct aml__ipc_fields {
	/* enum aml__linux_shared_kind of the object. */
	unsigned int kind;
	/* The exporter: its pid, and its start time (clock ticks after
	 * boot, /proc/PID/stat), which a later process of the same pid does
	 * not share. */
	uint32_t pid;
	uint64_t start;
	/* The exporter's descriptor of the object, and the object's
	 * identity (stat(2)'s st_dev and st_ino). */
	uint32_t fd;
	uint64_t dev, ino;
	/* The range: bytes from the object's start. */
	uint64_t offset, size;
};

/* Write `f` into `h`, with the tag under `key` (16 bytes). */
void aml__ipc_handle_make(const struct aml__ipc_fields *f,
			  const unsigned char *key, struct aml_ipc_handle *h);

/* Read `h` into `f`. Returns AML_SUCCESS, or -AML_EINVAL for bytes that
 * are not a handle of this version (magic, kind, reserved bytes, pid or
 * descriptor out of range, empty range, range past 2^64). The tag is not
 * checked: see aml__ipc_handle_tag_ok(). */
int aml__ipc_handle_parse(const struct aml_ipc_handle *h,
			  struct aml__ipc_fields *f);

/* Whether `h`'s tag is that of its other bytes under `key`. */
int aml__ipc_handle_tag_ok(const struct aml_ipc_handle *h,
			   const unsigned char *key);

#endif /* AML_IPC_HANDLE_H */
