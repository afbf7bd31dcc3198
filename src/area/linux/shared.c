#include "area/linux/shared.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* Flags of older C libraries' headers. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

/* "AMLSHOBJ", little-endian. */
#define SHARED_MAGIC 0x4a424f48534c4d41ULL
#define SHARED_VERSION 1
/* Seals every object carries: its size never changes, nor its seals. */
#define SHARED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* The random key of an object. Not for secrecy from the processes that
 * may open it (they read it): non-blocking randomness is enough. */
static int shared_key(unsigned char *key)
{
	ssize_t n = getrandom(key, AML__LINUX_SHARED_KEY, GRND_INSECURE);

	if (n < 0 && errno == EINVAL) /* before Linux 5.6 */
		n = getrandom(key, AML__LINUX_SHARED_KEY, GRND_NONBLOCK);
	return n == AML__LINUX_SHARED_KEY ? AML_SUCCESS : -AML_FAILURE;
}

/* A memfd, refused exec rights where the kernel knows how (6.3+). */
static int shared_memfd(void)
{
	const unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd = memfd_create("aml-shared", flags | MFD_NOEXEC_SEAL);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("aml-shared", flags);
	return fd;
}

static int shared_identify(struct aml__linux_shared *obj, struct stat *st)
{
	if (fstat(obj->fd, st) != 0)
		return -AML_FAILURE;
	obj->dev = st->st_dev;
	obj->ino = st->st_ino;
	return AML_SUCCESS;
}

/* Size, header, information, seals of a new object. */
static int shared_fill(struct aml__linux_shared *obj, const void *info,
		       size_t info_len)
{
	const struct aml__linux_shared_header *h = &obj->header;
	struct stat st;

	if (fchmod(obj->fd, 0600) != 0 ||
	    ftruncate(obj->fd, (off_t)(h->data_off + h->data_len)) != 0)
		return -aml__linux_errno_to_aml(errno);
	if (pwrite(obj->fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) ||
	    (info_len != 0 &&
	     pwrite(obj->fd, info, info_len, sizeof(*h)) != (ssize_t)info_len))
		return errno == ENOSPC ? -AML_ENOMEM : -AML_FAILURE;
	if (fcntl(obj->fd, F_ADD_SEALS, SHARED_SEALS) != 0)
		return -AML_FAILURE;
	return shared_identify(obj, &st);
}

int aml__linux_shared_create(struct aml__linux_shared *obj,
			     enum aml__linux_shared_kind kind, size_t data_len,
			     const void *info, size_t info_len)
{
	const size_t psize = aml__linux_page_size();
	struct aml__linux_shared_header *h = &obj->header;
	const size_t head = sizeof(*h) + info_len;
	int err;

	memset(obj, 0, sizeof(*obj));
	obj->fd = -1;
	if (info_len > UINT32_MAX || data_len > (size_t)INT64_MAX / 2 ||
	    head > (size_t)INT64_MAX / 2)
		return -AML_ENOMEM;
	h->magic = SHARED_MAGIC;
	h->version = SHARED_VERSION;
	h->kind = kind;
	h->data_off = (head + psize - 1) & ~(uint64_t)(psize - 1);
	h->data_len = (data_len + psize - 1) & ~(uint64_t)(psize - 1);
	h->info_len = (uint32_t)info_len;
	err = shared_key(h->key);
	if (err != AML_SUCCESS)
		return err;
	obj->fd = shared_memfd();
	if (obj->fd < 0)
		return errno == EMFILE || errno == ENFILE
			   ? -AML_FAILURE
			   : -aml__linux_errno_to_aml(errno);
	err = shared_fill(obj, info, info_len);
	if (err != AML_SUCCESS) {
		close(obj->fd);
		obj->fd = -1;
	}
	return err;
}

/* Whether a header read from a file of `size` bytes is one of ours. */
static int shared_header_ok(const struct aml__linux_shared_header *h,
			    uint64_t size)
{
	const uint64_t psize = aml__linux_page_size();

	return h->magic == SHARED_MAGIC && h->version == SHARED_VERSION &&
	       h->data_off % psize == 0 && h->data_len % psize == 0 &&
	       h->data_len != 0 && h->data_off >= sizeof(*h) + h->info_len &&
	       h->data_off <= size && size - h->data_off == h->data_len;
}

int aml__linux_shared_read(struct aml__linux_shared *obj, int fd, void *info,
			   size_t info_max, size_t *info_len)
{
	struct aml__linux_shared_header *h = &obj->header;
	const int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;

	memset(obj, 0, sizeof(*obj));
	obj->fd = fd;
	/* Only a memfd has seals; ours cannot change size. */
	if (seals < 0 || (seals & SHARED_SEALS) != SHARED_SEALS ||
	    shared_identify(obj, &st) != AML_SUCCESS || !S_ISREG(st.st_mode))
		return -AML_EINVAL;
	if (pread(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) ||
	    !shared_header_ok(h, (uint64_t)st.st_size) ||
	    h->info_len > info_max)
		return -AML_EINVAL;
	*info_len = h->info_len;
	if (h->info_len != 0 &&
	    pread(fd, info, h->info_len, sizeof(*h)) != (ssize_t)h->info_len)
		return -AML_EINVAL;
	return AML_SUCCESS;
}

/*
 * The record: every mapping made by a shareable area and not unmapped
 * through it since, with the object it maps. Parts of one mapping left by
 * a partial unmap share the object (counted references); the object's
 * descriptor is closed with its last part. A short array under one mutex,
 * never held across a system call: handles are made rarely, and mappings
 * of shareable areas are few (each holds a descriptor).
 */
struct shared_ref {
	struct aml__linux_shared obj;
	unsigned int refs;
	struct shared_ref *next_dead;
};

struct shared_entry {
	uintptr_t start, end;
	uint64_t off; /* offset in the object of `start` */
	struct shared_ref *ref;
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_entry *shared_entries;
static size_t shared_count, shared_cap;
/* Objects whose last reference went, to close once the lock is free. */
static struct shared_ref *shared_dead;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

/* A child forked while another thread held the lock gets it free. */
static void shared_prefork(void)
{
	pthread_mutex_lock(&shared_lock);
}

static void shared_postfork(void)
{
	pthread_mutex_unlock(&shared_lock);
}

static void shared_init(void)
{
	pthread_atfork(shared_prefork, shared_postfork, shared_postfork);
}

static void shared_lock_take(void)
{
	pthread_once(&shared_once, shared_init);
	pthread_mutex_lock(&shared_lock);
}

/* Unlock, then close the objects that lost their last reference. */
static void shared_unlock(void)
{
	struct shared_ref *dead = shared_dead;

	shared_dead = NULL;
	pthread_mutex_unlock(&shared_lock);
	while (dead != NULL) {
		struct shared_ref *next = dead->next_dead;

		close(dead->obj.fd);
		free(dead);
		dead = next;
	}
}

/* With the lock held. */
static void shared_unref(struct shared_ref *ref)
{
	if (--ref->refs != 0)
		return;
	ref->next_dead = shared_dead;
	shared_dead = ref;
}

/* Room for one more entry; with the lock held. */
static int shared_reserve(void)
{
	struct shared_entry *e;
	size_t cap;

	if (shared_count < shared_cap)
		return 0;
	cap = shared_cap ? shared_cap * 2 : 16;
	e = realloc(shared_entries, cap * sizeof(*e));
	if (e == NULL)
		return -1;
	shared_entries = e;
	shared_cap = cap;
	return 0;
}

/* Forget [a, b) of every entry; with the lock held. An entry cut in its
 * middle becomes two. */
static void shared_cut(uintptr_t a, uintptr_t b)
{
	for (size_t i = 0; i < shared_count; i++) {
		struct shared_entry *e = &shared_entries[i];

		if (e->end <= a || e->start >= b)
			continue;
		if (e->start >= a && e->end <= b) {
			shared_unref(e->ref);
			shared_entries[i--] = shared_entries[--shared_count];
		} else if (e->start >= a) {
			e->off += b - e->start;
			e->start = b;
		} else if (e->end <= b) {
			e->end = a;
		} else if (shared_reserve() == 0) {
			e = &shared_entries[i];
			shared_entries[shared_count++] = (struct shared_entry){
			    b, e->end, e->off + (b - e->start), e->ref};
			e->ref->refs++;
			e->end = a;
		}
		/* Without room for a split, the entry keeps the hole; the
		 * check of /proc/self/maps refuses handles there. */
	}
}

/* Record a new mapping of `ref`'s object (one reference, taken over). */
static int shared_record(void *p, size_t len, struct shared_ref *ref)
{
	int err = 0;

	shared_lock_take();
	/* MAP_FIXED may have replaced recorded mappings. */
	shared_cut((uintptr_t)p, (uintptr_t)p + len);
	if (shared_reserve() == 0)
		shared_entries[shared_count++] =
		    (struct shared_entry){(uintptr_t)p, (uintptr_t)p + len,
					  ref->obj.header.data_off, ref};
	else
		err = -1;
	shared_unlock();
	return err;
}

int aml__linux_shared_mmap(void *hint, size_t size, int prot, int flags,
			   void **ptr)
{
	const int type = flags & MAP_TYPE;
	struct shared_ref *ref;
	int err;

	*ptr = NULL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_HUGETLB) ||
	    (type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return -AML_EINVAL;
	ref = calloc(1, sizeof(*ref));
	if (ref == NULL)
		return -AML_ENOMEM;
	ref->refs = 1;
	err = aml__linux_shared_create(&ref->obj, AML__LINUX_SHARED_BUFFER,
				       size, NULL, 0);
	if (err != AML_SUCCESS) {
		free(ref);
		return err;
	}
	*ptr = mmap(hint, size, prot, flags & ~MAP_ANONYMOUS, ref->obj.fd,
		    (off_t)ref->obj.header.data_off);
	if (*ptr == MAP_FAILED)
		err = -aml__linux_errno_to_aml(errno);
	else if (shared_record(*ptr, ref->obj.header.data_len, ref) != 0)
		err = munmap(*ptr, size) == 0 ? -AML_ENOMEM : -AML_FAILURE;
	else
		return AML_SUCCESS;
	*ptr = NULL;
	close(ref->obj.fd);
	free(ref);
	return err;
}

int aml__linux_shared_munmap(void *ptr, size_t size)
{
	const size_t psize = aml__linux_page_size();
	const uintptr_t a = (uintptr_t)ptr;

	if (a % psize != 0)
		return -AML_EINVAL;
	if (size == 0)
		return munmap(ptr, size) == 0 ? AML_SUCCESS : -AML_EINVAL;
	/* Forgotten before the kernel unmaps: a mapping another thread
	 * makes at the same address afterwards is never forgotten with it. */
	shared_lock_take();
	shared_cut(a, a + ((size + psize - 1) & ~(psize - 1)));
	shared_unlock();
	if (munmap(ptr, size) != 0)
		return -aml__linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* The entry holding [a, b), copied, its object held; with the lock. */
static int shared_lookup(uintptr_t a, uintptr_t b, struct shared_entry *out)
{
	for (size_t i = 0; i < shared_count; i++)
		if (shared_entries[i].start <= a &&
		    b <= shared_entries[i].end) {
			*out = shared_entries[i];
			out->ref->refs++;
			return 0;
		}
	return -1;
}

/*
 * Whether /proc/self/maps shows [a, b) as mappings of `obj`'s object at
 * the offsets `e` says, without a hole: a range unmapped with munmap(2)
 * directly, and mapped again with something else, is not exported.
 */
static int shared_maps_agree(const struct shared_entry *e, uintptr_t a,
			     uintptr_t b)
{
	unsigned long s, t, ino;
	unsigned long long pgoff;
	unsigned int major, minor;
	uintptr_t next = a;
	char *line = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		return -1;
	while (next < b && getline(&line, &len, f) > 0) {
		if (sscanf(line, "%lx-%lx %*s %llx %x:%x %lu", &s, &t, &pgoff,
			   &major, &minor, &ino) != 6 ||
		    t <= next)
			continue;
		if (s > next || ino != e->ref->obj.ino ||
		    makedev(major, minor) != e->ref->obj.dev ||
		    pgoff + (next - s) != e->off + (next - e->start))
			break;
		next = t;
	}
	free(line);
	fclose(f);
	return next >= b;
}

int aml__linux_shared_find(const void *ptr, size_t size,
			   struct aml__linux_shared *obj, uint64_t *offset)
{
	const uintptr_t a = (uintptr_t)ptr, b = a + size;
	struct shared_entry e;
	int found, agree;

	if (ptr == NULL || size == 0 || b < a)
		return -AML_EINVAL;
	shared_lock_take();
	found = shared_lookup(a, b, &e) == 0;
	shared_unlock();
	if (!found)
		return -AML_EINVAL;
	/* The object is held meanwhile: its descriptor stays open. */
	agree = shared_maps_agree(&e, a, b);
	if (agree == 1) {
		*obj = e.ref->obj;
		*offset = e.off + (a - e.start);
	}
	shared_lock_take();
	shared_unref(e.ref);
	shared_unlock();
	if (agree < 0)
		return -AML_FAILURE;
	return agree == 1 ? AML_SUCCESS : -AML_EINVAL;
}
