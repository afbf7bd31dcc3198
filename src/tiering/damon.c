/*
 * Access measurement by DAMON's virtual-address monitoring, driven
 * through its sysfs files (CONFIG_DAMON_VADDR and CONFIG_DAMON_SYSFS,
 * root). It sees reads as well as writes: DAMON samples the accessed bit
 * of the page tables.
 *
 * The tiering takes the system's only kdamond (DAMON's sysfs lets one
 * user set kdamonds up at a time: there must be none when it starts). It
 * monitors this process's managed ranges as regions of one page each (up
 * to REGIONS pages; above, DAMON's own adaptive regions of several pages,
 * each sampled at one), sampling every `sample_us` (a tenth of the epoch)
 * and aggregating at every sample, so that a region's access count is 0
 * or 1 and its age counts the samples since that changed. Two "stat"
 * schemes list, when asked, the regions accessed at the last sample and
 * those idle for at most `cap` samples. The regions accessed in an epoch
 * are those of the first list, and those of the second younger than a
 * reference page of our own that the previous epoch wrote before asking
 * (two such pages, in turn).
 *
 * x86 sets a page's accessed bit only when it walks the page table, and
 * Linux clears the bit for DAMON without flushing the TLB, so a page that
 * stays in the TLB would look idle: each epoch flushes the process's TLB
 * (changing the protection of FLUSH pages of our own, more than the 33
 * pages below which Linux flushes page by page), so that the first access
 * to each page after it walks the table again.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "aml.h"
#include "tiering/method.h"

#define KDAMONDS "/sys/kernel/mm/damon/admin/kdamonds"
#define KD KDAMONDS "/0"
#define CTX KD "/contexts/0"
/* Page-sized regions up to this many pages monitored: DAMON walks the
 * page table twice per region and sample. */
#define REGIONS 1024
/* Initial regions written at most (DAMON splits them further). */
#define INITIAL REGIONS
/* Pages of our own: gap, reference 0, gap, reference 1, gap, then the
 * FLUSH pages whose protection change flushes the TLB. */
#define FLUSH 64
#define AUX (5 + FLUSH)
#define REF_PAGE(i) (1 + 2 * (i))
/* DAMON's update of the address space's layout, which would replace the
 * regions written here: once an hour (microseconds). */
#define HOUR_US "3600000000"
#define UINT_MAX_S "4294967295"
#define ULONG_MAX_S "18446744073709551615"

struct span {
	uintptr_t start, end;
	long age; /* samples idle; -1: accessed at the last sample */
};

/* A growing array of spans, in an anonymous mapping. */
struct spans {
	struct span *v;
	size_t n, cap;
};

struct damon_state {
	struct spans ranges; /* managed, by address */
	struct spans hits;   /* accessed in the epoch */
	char *aux;
	unsigned long sample_us, cap;
	unsigned long long last_ns;
	int on, dirty, cur;
};

static size_t page(void)
{
	return aml__tiering_page_size();
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

static int put(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, v, strlen(v));
	close(fd);
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

/* Write `v` (a string, or the number `n` when `v` is NULL) to the file
 * whose path `fmt` formats. */
static int putf(const char *v, unsigned long n, const char *fmt, ...)
{
	char path[192], num[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (v == NULL) {
		snprintf(num, sizeof(num), "%lu", n);
		v = num;
	}
	return put(path, v);
}

/* The number in file `name` of directory `dir` (AT_FDCWD: a path). */
static int get_at(int dir, const char *name, unsigned long *out)
{
	char buf[32];
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*out = strtoul(buf, NULL, 0);
	return 0;
}

static int spans_push(struct spans *s, const struct span *sp)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : page() / sizeof(*sp);
		void *v =
		    s->v ? mremap(s->v, s->cap * sizeof(*sp), cap * sizeof(*sp),
				  MREMAP_MAYMOVE)
			 : mmap(NULL, cap * sizeof(*sp), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (v == MAP_FAILED)
			return -AML_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *sp;
	return AML_SUCCESS;
}

static void spans_free(struct spans *s)
{
	if (s->v != NULL)
		munmap(s->v, s->cap * sizeof(*s->v));
}

/* Whether DAMON's sysfs is free, ours to write, and has vaddr: set one
 * kdamond up, read its operations, and take it down again. */
static int damon_probe(void)
{
	char ops[128];
	unsigned long nr;
	int fd, rc = -AML_ENOTSUP;
	ssize_t n = -1;

	if (access(KDAMONDS "/nr_kdamonds", W_OK) != 0 ||
	    get_at(AT_FDCWD, KDAMONDS "/nr_kdamonds", &nr) != 0 || nr != 0)
		return -AML_ENOTSUP;
	if (put(KDAMONDS "/nr_kdamonds", "1") == 0 &&
	    put(KD "/contexts/nr_contexts", "1") == 0 &&
	    (fd = open(CTX "/avail_operations", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, ops, sizeof(ops) - 1);
		close(fd);
	}
	if (n > 0) {
		ops[n] = '\0';
		if (!strncmp(ops, "vaddr\n", 6) || strstr(ops, "\nvaddr\n"))
			rc = AML_SUCCESS;
	}
	(void)put(KDAMONDS "/nr_kdamonds", "0");
	return rc;
}

/* Scheme 0 lists the regions accessed at the last sample; scheme 1 the
 * idle ones of age `cap` at most. Both only count ("stat"). */
static int schemes(unsigned long cap)
{
	static const char *const files[] = {"action",
					    "access_pattern/sz/min",
					    "access_pattern/sz/max",
					    "access_pattern/nr_accesses/min",
					    "access_pattern/nr_accesses/max",
					    "access_pattern/age/min",
					    "access_pattern/age/max"};
	static const char *const values[2][7] = {
	    {"stat", "0", ULONG_MAX_S, "1", UINT_MAX_S, "0", UINT_MAX_S},
	    {"stat", "0", ULONG_MAX_S, "0", "0", "0", NULL},
	};
	int rc = put(CTX "/schemes/nr_schemes", "2");

	for (int i = 0; i < 2; i++)
		for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++)
			rc = rc ? rc
				: putf(values[i][f], cap, CTX "/schemes/%d/%s",
				       i, files[f]);
	return rc;
}

static int configure(const struct damon_state *s)
{
	const char *mon = CTX "/monitoring_attrs/intervals/";

	if (put(KDAMONDS "/nr_kdamonds", "1") ||
	    put(KD "/contexts/nr_contexts", "1") ||
	    put(CTX "/operations", "vaddr") ||
	    putf(NULL, s->sample_us, "%ssample_us", mon) ||
	    putf(NULL, s->sample_us, "%saggr_us", mon) ||
	    putf(HOUR_US, 0, "%supdate_us", mon) ||
	    put(CTX "/targets/nr_targets", "1") ||
	    putf(NULL, (unsigned long)getpid(), CTX "/targets/0/pid_target"))
		return -1;
	return schemes(s->cap);
}

static void damon_close(void *state)
{
	struct damon_state *s = state;

	if (s->on)
		(void)put(KD "/state", "off");
	(void)put(KDAMONDS "/nr_kdamonds", "0");
	spans_free(&s->ranges);
	spans_free(&s->hits);
	if (s->aux != NULL)
		munmap(s->aux, AUX * page());
	munmap(s, sizeof(*s));
}

static int damon_open(void **out, unsigned int interval_ms)
{
	struct damon_state *s;
	unsigned long nr;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -AML_ENOMEM;
	s->sample_us = interval_ms >= 10 ? interval_ms * 100UL : 1000;
	/* Four epochs of idleness listed at first (grow_cap() adapts). */
	s->cap = 40;
	s->aux = mmap(NULL, AUX * page(), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->aux == MAP_FAILED) {
		s->aux = NULL;
		damon_close(s);
		return -AML_ENOMEM;
	}
	memset(s->aux, 1, AUX * page());
	/* Taken meanwhile by another user: not ours to overwrite. */
	if (get_at(AT_FDCWD, KDAMONDS "/nr_kdamonds", &nr) != 0 || nr != 0) {
		munmap(s->aux, AUX * page());
		munmap(s, sizeof(*s));
		return -AML_ENOTSUP;
	}
	if (configure(s) != 0) {
		damon_close(s);
		return -AML_ENOTSUP;
	}
	*out = s;
	return AML_SUCCESS;
}

static int put_region(size_t i, uintptr_t start, uintptr_t end)
{
	return putf(NULL, start, CTX "/targets/0/regions/%zu/start", i) ||
	       putf(NULL, end, CTX "/targets/0/regions/%zu/end", i);
}

/* The next span by address among the ranges (from `*r`) and the two
 * reference pages (from `*f`); 0 when none is left. */
static int next_span(const struct damon_state *s, size_t *r, int *f,
		     struct span *out)
{
	struct span ref = {0};

	if (*f < 2) {
		ref.start = (uintptr_t)s->aux + REF_PAGE(*f) * page();
		ref.end = ref.start + page();
	}
	if (*r < s->ranges.n &&
	    (*f == 2 || s->ranges.v[*r].start < ref.start)) {
		*out = s->ranges.v[(*r)++];
		return 1;
	}
	if (*f == 2)
		return 0;
	*out = ref;
	(*f)++;
	return 1;
}

/* The regions DAMON starts from: each range in chunks (of one page when
 * there are few pages) and the reference pages, by address; and the
 * bounds on the count of regions that keep them of one page each. */
static int write_regions(const struct damon_state *s)
{
	size_t total = 2, count = 0, chunk, i = 0, r = 0;
	struct span sp;
	int f = 0, rc = 0;

	for (size_t k = 0; k < s->ranges.n; k++)
		total += (s->ranges.v[k].end - s->ranges.v[k].start) / page();
	chunk = (total + INITIAL - 1) / INITIAL * page();
	while (next_span(s, &r, &f, &sp))
		count += (sp.end - sp.start + chunk - 1) / chunk;
	if (putf(NULL, count, CTX "/targets/0/regions/nr_regions") ||
	    putf(NULL, total > REGIONS ? 2 * REGIONS : 2 * total + 8,
		 CTX "/monitoring_attrs/nr_regions/max") ||
	    putf(NULL,
		 total > REGIONS ? REGIONS
		 : total < 3	 ? 3
				 : total,
		 CTX "/monitoring_attrs/nr_regions/min"))
		return -1;
	r = 0;
	f = 0;
	while (rc == 0 && next_span(s, &r, &f, &sp))
		for (uintptr_t a = sp.start; rc == 0 && a < sp.end; a += chunk)
			rc = put_region(
			    i++, a, a + chunk < sp.end ? a + chunk : sp.end);
	return rc;
}

static void touch(struct damon_state *s, int ref)
{
	((volatile char *)s->aux)[REF_PAGE(ref) * page()]++;
}

static int flush_tlb(struct damon_state *s)
{
	char *p = s->aux + (AUX - FLUSH) * page();
	size_t len = FLUSH * page();

	if (mprotect(p, len, PROT_READ) != 0 ||
	    mprotect(p, len, PROT_READ | PROT_WRITE) != 0)
		return -1;
	/* Writable again, so that the next change flushes too. */
	for (size_t i = 0; i < FLUSH; i++)
		((volatile char *)p)[i * page()]++;
	return 0;
}

/* Stop, write the regions of the ranges managed now, start (if any). */
static int restart(struct damon_state *s)
{
	if (s->on && put(KD "/state", "off") != 0)
		return -1;
	s->on = 0;
	s->dirty = 0;
	if (s->ranges.n == 0)
		return 0;
	if (write_regions(s) != 0 ||
	    putf(NULL, s->cap, CTX "/schemes/1/access_pattern/age/max") ||
	    put(KD "/state", "on") != 0)
		return -1;
	s->on = 1;
	if (flush_tlb(s) != 0)
		return -1;
	touch(s, 0);
	touch(s, 1);
	s->last_ns = now_ns();
	return 0;
}

/* Scheme 1 must list every region idle since the previous epoch: keep
 * its age limit above twice the samples of the last epoch (a change
 * takes a restart: committing it would lose DAMON's regions). */
static void grow_cap(struct damon_state *s, unsigned long long ns)
{
	unsigned long need = (unsigned long)(ns / 1000 / s->sample_us) * 2 + 8;

	if (need > s->cap) {
		s->cap = 2 * need;
		s->dirty = 1;
	}
}

/* One listed region: directory `name` of the scheme's tried regions. */
static int read_region(int dir, const char *name, int scheme, struct span *sp)
{
	char path[300];
	unsigned long v[3] = {0};
	static const char *const files[] = {"start", "end", "age"};

	for (int f = 0; f < (scheme == 1 ? 3 : 2); f++) {
		snprintf(path, sizeof(path), "%s/%s", name, files[f]);
		if (get_at(dir, path, &v[f]) != 0)
			return -1;
	}
	sp->start = v[0];
	sp->end = v[1];
	sp->age = scheme == 1 ? (long)v[2] : -1;
	return 0;
}

/* Append the regions scheme `scheme` was tried on to s->hits (their
 * directories are numbered by one count over both schemes). */
static int read_scheme(struct damon_state *s, int scheme)
{
	char path[160];
	struct dirent *e;
	struct span sp;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), CTX "/schemes/%d/tried_regions", scheme);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			rc = read_region(dirfd(d), e->d_name, scheme, &sp) ||
			     spans_push(&s->hits, &sp);
	closedir(d);
	return rc;
}

/* Keep the regions accessed since the reference page written at the
 * previous epoch: younger than it (or all listed if it is not). */
static void keep_epoch(struct damon_state *s)
{
	uintptr_t ref = (uintptr_t)s->aux + REF_PAGE(s->cur ^ 1) * page();
	long ref_age = LONG_MAX;
	size_t n = 0;

	for (size_t i = 0; i < s->hits.n; i++)
		if (s->hits.v[i].start == ref)
			ref_age = s->hits.v[i].age;
	for (size_t i = 0; i < s->hits.n; i++)
		if (s->hits.v[i].age == -1 || s->hits.v[i].age < ref_age)
			s->hits.v[n++] = s->hits.v[i];
	s->hits.n = n;
}

/* The regions accessed since the previous epoch's snapshot into
 * s->hits. */
static int snapshot(struct damon_state *s)
{
	unsigned long long t0 = now_ns();

	if (flush_tlb(s) != 0)
		return -1;
	touch(s, s->cur);
	if (put(KD "/state", "update_schemes_tried_regions") != 0 ||
	    read_scheme(s, 0) != 0 || read_scheme(s, 1) != 0)
		return -1;
	keep_epoch(s);
	s->cur ^= 1;
	grow_cap(s, t0 - s->last_ns);
	s->last_ns = t0;
	return 0;
}

/* A snapshot, then the changes of ranges or of the age limit (by a
 * restart, which also starts the next epoch's reference). */
static int damon_begin(void *state)
{
	struct damon_state *s = state;

	s->hits.n = 0;
	if (s->on && snapshot(s) != 0)
		return -AML_FAILURE;
	if (s->dirty && restart(s) != 0)
		return -AML_FAILURE;
	return AML_SUCCESS;
}

static int damon_sample(void *state, struct aml__tiering_range *r)
{
	struct damon_state *s = state;
	uintptr_t end = r->start + r->size;

	memset(r->weight, 0, r->npages);
	for (size_t i = 0; i < s->hits.n; i++) {
		uintptr_t a = s->hits.v[i].start, b = s->hits.v[i].end;

		a = a > r->start ? a : r->start;
		b = b < end ? b : end;
		if (a < b)
			memset(r->weight + (a - r->start) / page(), 255,
			       (b - a + page() - 1) / page());
	}
	return AML_SUCCESS;
}

static int damon_add(void *state, struct aml__tiering_range *r)
{
	struct damon_state *s = state;
	struct span sp = {.start = r->start, .end = r->start + r->size};
	size_t i;

	if (spans_push(&s->ranges, &sp) != AML_SUCCESS)
		return -AML_ENOMEM;
	/* Into place, by address. */
	for (i = s->ranges.n - 1; i > 0 && s->ranges.v[i - 1].start > sp.start;
	     i--)
		s->ranges.v[i] = s->ranges.v[i - 1];
	s->ranges.v[i] = sp;
	if (restart(s) == 0)
		return AML_SUCCESS;
	/* DAMON refused the regions: back to those it had. */
	memmove(s->ranges.v + i, s->ranges.v + i + 1,
		(--s->ranges.n - i) * sizeof(sp));
	(void)restart(s);
	return -AML_EBUSY;
}

static void damon_remove(void *state, struct aml__tiering_range *r)
{
	struct damon_state *s = state;
	size_t n = 0;

	for (size_t i = 0; i < s->ranges.n; i++)
		if (s->ranges.v[i].start != r->start)
			s->ranges.v[n++] = s->ranges.v[i];
	s->ranges.n = n;
	/* A failure leaves DAMON watching memory no longer managed: what it
	 * reports there is ignored. */
	(void)restart(s);
}

const struct aml__tiering_method aml__tiering_damon = {
    .id = AML_TIERING_METHOD_DAMON,
    .name = "damon",
    .probe = damon_probe,
    .open = damon_open,
    .close = damon_close,
    .add = damon_add,
    .remove = damon_remove,
    .begin = damon_begin,
    .sample = damon_sample,
};
