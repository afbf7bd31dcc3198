/* Shared objects of the Linux area: sealed memfds that another process
 * may map, each described by a header at its start, and the record of the
 * process's mappings of shareable areas. Not installed. */
#ifndef AML_AREA_LINUX_SHARED_H
#define AML_AREA_LINUX_SHARED_H

#include <stdint.h>

#include "area/linux/sys.h"

/* What an object holds; the header says it, and so does every handle. */
enum aml__linux_shared_kind {
	/* One mapping of a shareable Linux area. */
	AML__LINUX_SHARED_BUFFER = 1,
	/* The copies of a replica set, one slot per node. */
	AML__LINUX_SHARED_REPLICAS = 2,
};

/* Bytes of the random key of an object. */
#define AML__LINUX_SHARED_KEY 16

/*
 * The first bytes of every object, then `info_len` bytes of information
 * of its kind; the data starts at `data_off`, a multiple of the page size.
 * A process that may open the object may read it: the key only lets that
 * process check that a handle was made by the exporter, unchanged.
 */
struct aml__linux_shared_header {
	uint64_t magic;
	uint32_t version;
	uint32_t kind;
	uint64_t data_off;
	uint64_t data_len;
	unsigned char key[AML__LINUX_SHARED_KEY];
	uint32_t info_len;
	uint32_t reserved[3];
};

/* An object as a process holds it: its descriptor, identity and header. */
struct aml__linux_shared {
	int fd;
	uint64_t dev, ino;
	struct aml__linux_shared_header header;
};

/*
 * Create an object of `kind` with `data_len` bytes of data (rounded up to
 * the page size) after `info_len` bytes of `info`: a memfd (close-on-exec,
 * mode 0600) whose size is then sealed, so that no process can shrink it
 * under another's mapping. Nothing of it is in a file system: it lives as
 * long as a descriptor or a mapping of it. Returns AML_SUCCESS, or a
 * negated AML code with `obj->fd` -1.
 */
int aml__linux_shared_create(struct aml__linux_shared *obj,
			     enum aml__linux_shared_kind kind, size_t data_len,
			     const void *info, size_t info_len);

/*
 * Describe the object open on `fd` into `obj` (which takes `fd`, not a
 * copy), and copy its information into `info` (at most `info_max` bytes;
 * `*info_len` receives its length). Returns AML_SUCCESS, or -AML_EINVAL
 * when `fd` is not an object of this layout (not a sealed memfd, header
 * wrong, sizes inconsistent, information longer than `info_max`).
 */
int aml__linux_shared_read(struct aml__linux_shared *obj, int fd, void *info,
			   size_t info_max, size_t *info_len);

/* mmap(2) for a shareable area: a new object of `size` bytes of data,
 * mapped MAP_SHARED with `prot` and `flags` (MAP_ANONYMOUS and a shared
 * type required, MAP_HUGETLB refused: -AML_EINVAL), then recorded, in
 * `*ptr`. Returns AML_SUCCESS, or a negated AML code with `*ptr` NULL and
 * nothing left mapped or open. */
int aml__linux_shared_mmap(void *hint, size_t size, int prot, int flags,
			   void **ptr);

/* munmap(2) of a range of shareable mappings, dropping them from the
 * record; the object of a mapping unmapped whole is closed. Returns
 * AML_SUCCESS or a negated AML code. */
int aml__linux_shared_munmap(void *ptr, size_t size);

/*
 * The object mapped over [ptr, ptr + size), a range of one recorded
 * mapping that /proc/self/maps still shows as that object's, in `obj`
 * (its descriptor stays the record's), and the offset in it of `ptr`.
 * Returns AML_SUCCESS, -AML_EINVAL for another range, or -AML_FAILURE if
 * /proc/self/maps could not be read.
 */
int aml__linux_shared_find(const void *ptr, size_t size,
			   struct aml__linux_shared *obj, uint64_t *offset);

#endif /* AML_AREA_LINUX_SHARED_H */
