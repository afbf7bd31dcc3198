/*
 * Access measurement by soft-dirty bits (CONFIG_MEM_SOFT_DIRTY): bit 55 of
 * a page's /proc/self/pagemap entry says whether it was written since
 * the last write of "4" to /proc/self/clear_refs, which clears the bits of
 * the whole process. Writes only; any user.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aml.h"
#include "tiering/method.h"

#define SOFT_DIRTY (1ULL << 55)
/* Pagemap entries read per pread(2). */
#define CHUNK 4096

struct sd_state {
	int pagemap, clear_refs;
	uint64_t buf[CHUNK];
};

static int clear(int fd)
{
	return pwrite(fd, "4", 1, 0) == 1 ? 0 : -1;
}

static int dirty(int pagemap, const volatile char *p)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)p / aml__tiering_page_size() * 8);

	if (pread(pagemap, &e, sizeof(e), off) != (ssize_t)sizeof(e))
		return -1;
	return (e & SOFT_DIRTY) != 0;
}

/* A kernel without soft-dirty accepts the clear and never sets the bit. */
static int sd_probe(void)
{
	size_t len = aml__tiering_page_size();
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int cr = open("/proc/self/clear_refs", O_WRONLY);
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc = -AML_ENOTSUP;

	if (pm >= 0 && cr >= 0 && p != MAP_FAILED) {
		p[0] = 1;
		if (clear(cr) == 0 && dirty(pm, p) == 0) {
			p[0] = 2;
			if (dirty(pm, p) == 1)
				rc = AML_SUCCESS;
		}
	}
	if (p != MAP_FAILED)
		munmap((void *)p, len);
	if (pm >= 0)
		close(pm);
	if (cr >= 0)
		close(cr);
	return rc;
}

static int sd_open(void **out, unsigned int interval_ms)
{
	struct sd_state *s;

	(void)interval_ms;
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -AML_ENOMEM;
	s->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	s->clear_refs = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (s->pagemap < 0 || s->clear_refs < 0) {
		if (s->pagemap >= 0)
			close(s->pagemap);
		if (s->clear_refs >= 0)
			close(s->clear_refs);
		munmap(s, sizeof(*s));
		return -AML_ENOTSUP;
	}
	*out = s;
	return AML_SUCCESS;
}

static void sd_close(void *state)
{
	struct sd_state *s = state;

	close(s->pagemap);
	close(s->clear_refs);
	munmap(s, sizeof(*s));
}

static int sd_add(void *state, struct aml__tiering_range *r)
{
	(void)state;
	(void)r;
	return AML_SUCCESS;
}

static void sd_remove(void *state, struct aml__tiering_range *r)
{
	(void)state;
	(void)r;
}

static int sd_sample(void *state, struct aml__tiering_range *r)
{
	struct sd_state *s = state;
	size_t page = aml__tiering_page_size();

	for (size_t i = 0; i < r->npages; i += CHUNK) {
		size_t n = r->npages - i < CHUNK ? r->npages - i : CHUNK;
		off_t off = (off_t)((r->start / page + i) * 8);

		if (pread(s->pagemap, s->buf, n * 8, off) != (ssize_t)(n * 8))
			return -AML_FAILURE;
		for (size_t k = 0; k < n; k++)
			r->weight[i + k] = (s->buf[k] & SOFT_DIRTY) ? 255 : 0;
	}
	return AML_SUCCESS;
}

/* One clear for every range, once all are read. */
static int sd_end(void *state)
{
	struct sd_state *s = state;

	return clear(s->clear_refs) == 0 ? AML_SUCCESS : -AML_FAILURE;
}

const struct aml__tiering_method aml__tiering_softdirty = {
    .id = AML_TIERING_METHOD_SOFT_DIRTY,
    .name = "soft-dirty",
    .probe = sd_probe,
    .open = sd_open,
    .close = sd_close,
    .add = sd_add,
    .remove = sd_remove,
    .end = sd_end,
    .sample = sd_sample,
};
