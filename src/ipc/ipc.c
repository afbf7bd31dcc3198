/* Sharing placed memory between processes (<aml/higher/ipc.h>): handles
 * of shareable areas' mappings, and opening them through /proc/PID/fd. */
#include "aml/higher/ipc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "internal.h"
#include "ipc/ipc.h"

/* The start time of process `pid` (field 22 of /proc/PID/stat, after the
 * name in parentheses, which may hold anything). Returns 0, or -1 with
 * errno set. */
static int ipc_start_time(unsigned long pid, uint64_t *start)
{
	char path[64], buf[1024], *p, *save = NULL;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%lu/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == 0)
		errno = ESRCH;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* Fields 3 (state) to 22 (start time). */
	for (int field = 3; p != NULL && field <= 22; field++)
		p = strtok_r(field == 3 ? p + 1 : NULL, " ", &save);
	if (p == NULL)
		return errno = EINVAL, -1;
	*start = strtoull(p, NULL, 10);
	return 0;
}

int aml__ipc_handle_of(const struct aml__linux_shared *obj, uint64_t offset,
		       uint64_t size, struct aml_ipc_handle *h)
{
	struct aml__ipc_fields f = {
	    .kind = obj->header.kind,
	    .pid = (uint32_t)getpid(),
	    .fd = (uint32_t)obj->fd,
	    .dev = obj->dev,
	    .ino = obj->ino,
	    .offset = offset,
	    .size = size,
	};

	if (ipc_start_time(f.pid, &f.start) != 0)
		return -AML_FAILURE;
	aml__ipc_handle_make(&f, obj->header.key, h);
	return AML_SUCCESS;
}

int aml_ipc_handle_get(const void *ptr, size_t size,
		       struct aml_ipc_handle *handle)
{
	struct aml__linux_shared obj;
	uint64_t offset;
	int err;

	if (ptr == NULL || size == 0 || handle == NULL)
		return -AML_EINVAL;
	err = aml__linux_shared_find(ptr, size, &obj, &offset);
	if (err != AML_SUCCESS)
		return err;
	return aml__ipc_handle_of(&obj, offset, size, handle);
}

/* The AML code of a failed open(2) of /proc/PID/fd/N. */
static int ipc_open_error(int err)
{
	if (err == EACCES || err == EPERM)
		return -AML_EPERM;
	if (err == ENOENT || err == ENOTDIR || err == ESRCH)
		return -AML_EINVAL; /* descriptor or process gone */
	errno = err;
	return -AML_FAILURE;
}

/* Check what an O_PATH descriptor names, then open it read-write. */
static int ipc_reopen(int path_fd, const struct aml__ipc_fields *f, int *fd)
{
	char path[64];
	struct stat st;

	if (fstat(path_fd, &st) != 0)
		return -AML_FAILURE;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_dev != f->dev ||
	    (uint64_t)st.st_ino != f->ino)
		return -AML_EINVAL;
	/* The kernel let us in; AML shares with the same user only, root
	 * included. */
	if (st.st_uid != geteuid())
		return -AML_EPERM;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", path_fd);
	*fd = open(path, O_RDWR | O_CLOEXEC);
	return *fd >= 0 ? AML_SUCCESS : ipc_open_error(errno);
}

/*
 * This process's own descriptor of the object the handle names: the
 * exporter must be the process that made it (same start time), and its
 * descriptor the object (same device and inode). O_PATH first: opening
 * whatever another process has under that number (a terminal, a FIFO)
 * must do nothing.
 */
static int ipc_reach(const struct aml__ipc_fields *f, int *fd)
{
	char path[64];
	uint64_t start;
	int path_fd, err;

	if (ipc_start_time(f->pid, &start) != 0)
		return ipc_open_error(errno);
	if (start != f->start)
		return -AML_EINVAL; /* the exporter exited; its pid reused */
	snprintf(path, sizeof(path), "/proc/%lu/fd/%lu", (unsigned long)f->pid,
		 (unsigned long)f->fd);
	path_fd = open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return ipc_open_error(errno);
	err = ipc_reopen(path_fd, f, fd);
	close(path_fd);
	return err;
}

int aml__ipc_attach(const struct aml_ipc_handle *h, unsigned int kind,
		    struct aml__ipc_fields *f, struct aml__linux_shared *obj,
		    void *info, size_t info_max, size_t *info_len)
{
	const struct aml__linux_shared_header *hd = &obj->header;
	int fd, err;

	if (aml__ipc_handle_parse(h, f) != AML_SUCCESS || f->kind != kind)
		return -AML_EINVAL;
	err = ipc_reach(f, &fd);
	if (err != AML_SUCCESS)
		return err;
	err = aml__linux_shared_read(obj, fd, info, info_max, info_len);
	if (err == AML_SUCCESS &&
	    (hd->kind != kind || !aml__ipc_handle_tag_ok(h, hd->key) ||
	     f->offset < hd->data_off ||
	     f->offset + f->size > hd->data_off + hd->data_len))
		err = -AML_EINVAL;
	if (err != AML_SUCCESS)
		close(fd);
	return err;
}

/* Ranges opened and not closed yet, for aml_ipc_close() to check. */
struct ipc_opened {
	void *ptr;
	size_t size;
	void *base; /* the mapping: whole pages around the range */
	size_t len;
};

static pthread_mutex_t ipc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipc_opened *ipc_opened;
static size_t ipc_count, ipc_cap;
static pthread_once_t ipc_once = PTHREAD_ONCE_INIT;

/* A child forked while another thread held the lock gets it free. */
static void ipc_prefork(void)
{
	pthread_mutex_lock(&ipc_lock);
}

static void ipc_postfork(void)
{
	pthread_mutex_unlock(&ipc_lock);
}

static void ipc_init(void)
{
	pthread_atfork(ipc_prefork, ipc_postfork, ipc_postfork);
}

static void ipc_lock_take(void)
{
	pthread_once(&ipc_once, ipc_init);
	pthread_mutex_lock(&ipc_lock);
}

static int ipc_record(const struct ipc_opened *o)
{
	int err = 0;

	ipc_lock_take();
	if (ipc_count == ipc_cap) {
		size_t cap = ipc_cap ? 2 * ipc_cap : 16;
		struct ipc_opened *a = realloc(ipc_opened, cap * sizeof(*a));

		if (a != NULL) {
			ipc_opened = a;
			ipc_cap = cap;
		}
	}
	if (ipc_count < ipc_cap)
		ipc_opened[ipc_count++] = *o;
	else
		err = -1;
	pthread_mutex_unlock(&ipc_lock);
	return err;
}

/* Map the range of an attached object; closes `obj->fd`. */
static void *ipc_map(const struct aml__ipc_fields *f,
		     const struct aml__linux_shared *obj)
{
	const uint64_t psize = (uint64_t)sysconf(_SC_PAGESIZE);
	const uint64_t first = f->offset & ~(psize - 1);
	struct ipc_opened o = {.size = (size_t)f->size};
	const uint64_t len =
	    (f->offset - first + f->size + psize - 1) & ~(psize - 1);

	o.len = (size_t)len;
	o.base = mmap(NULL, o.len, PROT_READ | PROT_WRITE, MAP_SHARED, obj->fd,
		      (off_t)first);
	close(obj->fd);
	if (o.base == MAP_FAILED)
		return aml__fail_null(errno == ENOMEM ? AML_ENOMEM
						      : AML_FAILURE);
	o.ptr = (char *)o.base + (f->offset - first);
	if (ipc_record(&o) == 0)
		return o.ptr;
	munmap(o.base, o.len);
	return aml__fail_null(AML_ENOMEM);
}

void *aml_ipc_open(const struct aml_ipc_handle *handle, size_t *size)
{
	struct aml__linux_shared obj;
	struct aml__ipc_fields f;
	size_t info_len;
	void *ptr;
	int err;

	if (handle == NULL)
		return aml__fail_null(AML_EINVAL);
	err = aml__ipc_attach(handle, AML__LINUX_SHARED_BUFFER, &f, &obj, NULL,
			      0, &info_len);
	if (err != AML_SUCCESS)
		return aml__fail_null(-err);
	ptr = ipc_map(&f, &obj);
	if (ptr != NULL && size != NULL)
		*size = (size_t)f.size;
	return ptr;
}

int aml_ipc_close(void *ptr, size_t size)
{
	struct ipc_opened o = {0};
	int found = 0;

	ipc_lock_take();
	for (size_t i = 0; i < ipc_count && !found; i++)
		if (ipc_opened[i].ptr == ptr && ipc_opened[i].size == size &&
		    ptr != NULL) {
			o = ipc_opened[i];
			ipc_opened[i] = ipc_opened[--ipc_count];
			found = 1;
		}
	pthread_mutex_unlock(&ipc_lock);
	if (!found)
		return -AML_EINVAL;
	return munmap(o.base, o.len) == 0 ? AML_SUCCESS : -AML_FAILURE;
}
