/* Scarce resources. Under an address-space limit (RLIMIT_AS) every kind of
 * mapping (plain, populated, THP, hugetlb, file-backed) fails with
 * AML_ENOMEM and leaves nothing mapped, and works again once the limit is
 * lifted. Then 100,000 areas (10,000 in the guests) are created, used and
 * destroyed with no growth in resident memory or in the process's mappings. */
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "linux_test.h"

#define MIB ((size_t)1 << 20)
#define BIG (128 * MIB)
/* Areas in a row; fewer in the emulated guests, where a system call costs
 * ten times more. */
#define NAREAS 100000
#define NAREAS_VM 10000

struct kind {
	const char *name;
	unsigned long flags; /* AML_AREA_LINUX_FLAG_* */
	int file;	     /* backed by a file */
};

static const struct kind kinds[] = {
    {"plain", 0, 0},
    {"populate", AML_AREA_LINUX_FLAG_POPULATE, 0},
    {"thp", AML_AREA_LINUX_FLAG_THP, 0},
    {"hugetlb", AML_AREA_LINUX_FLAG_HUGETLB, 0},
    {"file", 0, 1},
};

/* A field of /proc/self/status, in kB. */
static long status_kb(const char *field)
{
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	CHECK(v >= 0);
	return v;
}

/* /proc/self/maps, whole, in a malloc'd string. */
static char *read_maps(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *in = fopen("/proc/self/maps", "r");
	int c;

	CHECK(out != NULL && in != NULL);
	while ((c = fgetc(in)) != EOF)
		fputc(c, out);
	fclose(in);
	fclose(out);
	return buf;
}

static long count_lines(const char *s)
{
	long n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* A file of BIG bytes, unlinked; -1 when none can be made here. */
static int big_file(void)
{
	FILE *f = tmpfile();
	int fd;

	CHECK(f != NULL);
	fd = dup(fileno(f));
	fclose(f);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (off_t)BIG), 0);
	return fd;
}

/* Map BIG bytes of `kind`; NULL with aml_errno on failure. */
static void *map_kind(const struct kind *kind, struct aml_area **area, int fd)
{
	struct aml_area_linux_attr attr = {.flags = kind->flags};
	struct aml_area_linux_mmap_options opts = {
	    .flags = MAP_SHARED, .mode = PROT_READ | PROT_WRITE, .fd = fd};
	int err = aml_area_linux_create_attr(
	    area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &attr);

	if (err == -AML_ENOTSUP)
		return NULL;
	CHECK_EQ(err, AML_SUCCESS);
	aml_errno = AML_SUCCESS;
	return aml_area_mmap(*area, BIG,
			     kind->file ? (struct aml_area_mmap_options *)&opts
					: NULL);
}

static void test_limited(void)
{
	struct rlimit saved, low;
	int fd = big_file();

	CHECK_EQ(getrlimit(RLIMIT_AS, &saved), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct kind *kind = &kinds[i];
		struct aml_area *area = NULL;
		char *before, *after, *buf;

		/* Room for the library's own small allocations, not for
		 * the mapping. */
		low = saved;
		low.rlim_cur = (rlim_t)status_kb("VmSize") * 1024 + 32 * MIB;
		before = read_maps();
		CHECK_EQ(setrlimit(RLIMIT_AS, &low), 0);
		buf = map_kind(kind, &area, fd);
		CHECK_EQ(setrlimit(RLIMIT_AS, &saved), 0);
		after = read_maps();
		if (area == NULL) {
			fprintf(stderr, "%s: not supported here\n", kind->name);
			free(before);
			free(after);
			continue;
		}
		CHECK(buf == NULL);
		CHECK_EQ(aml_errno, AML_ENOMEM);
		/* Nothing left mapped, not even a part. */
		CHECK(strcmp(before, after) == 0);
		free(before);
		free(after);

		/* Memory is back: the same call works. */
		if (kind->flags & AML_AREA_LINUX_FLAG_HUGETLB &&
		    test_free_huge_pages(2048) < BIG / (2 * MIB)) {
			fprintf(stderr, "hugetlb: too few free huge pages to "
					"map once the limit is gone\n");
			aml_area_linux_destroy(&area);
			continue;
		}
		aml_area_linux_destroy(&area);
		buf = map_kind(kind, &area, fd);
		CHECK(buf != NULL);
		buf[0] = 1;
		buf[BIG - 1] = 1;
		CHECK_EQ(aml_area_munmap(area, buf, BIG), 0);
		aml_area_linux_destroy(&area);
		fprintf(stderr, "%s: AML_ENOMEM under the limit, then mapped\n",
			kind->name);
	}
	close(fd);
}

/* One area's life: create, map, touch, check, unmap, destroy. */
static void area_life(unsigned long i, const struct aml_bitmap *mask)
{
	static const enum aml_area_linux_policy policies[] = {
	    AML_AREA_LINUX_POLICY_DEFAULT, AML_AREA_LINUX_POLICY_BIND,
	    AML_AREA_LINUX_POLICY_INTERLEAVE, AML_AREA_LINUX_POLICY_PREFERRED};
	const enum aml_area_linux_policy policy = policies[i % 4];
	const size_t size = (1 + i % 3) * test_page_size();
	struct aml_area *area;
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, mask, policy), 0);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	memset(buf, (int)i, size);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
	CHECK(area == NULL);
}

/* What a leak would make grow. */
struct usage {
	long rss_kb;   /* anonymous resident memory */
	size_t heap;   /* malloc's bytes in use */
	long mappings; /* lines of /proc/self/maps */
};

static struct usage usage_now(void)
{
	struct usage u = {status_kb("RssAnon"), mallinfo2().uordblks, 0};
	char *maps = read_maps();

	u.mappings = count_lines(maps);
	free(maps);
	return u;
}

static void test_many_areas(void)
{
	struct aml_bitmap mask;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	const unsigned long nareas =
	    getenv("AML_VM_TOPOLOGY") != NULL ? NAREAS_VM : NAREAS;
	struct usage before, after;
	unsigned long i;

	/* Where THP is "always", a few kB more of malloc's heap can fault a
	 * whole 2 MiB page: that is the kernel's choice, not a leak. */
	CHECK_EQ(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	aml_bitmap_zero(&mask);
	for (int n = 0; n < nn; n++)
		aml_bitmap_set(&mask, (unsigned int)nodes[n]);
	/* Warm up: malloc's arenas and the library's caches settle. */
	for (i = 0; i < 1000; i++)
		area_life(i, &mask);
	before = usage_now();
	for (; i < nareas; i++)
		area_life(i, &mask);
	after = usage_now();
	fprintf(
	    stderr,
	    "%lu areas: anonymous RSS %ld -> %ld kB, malloc'd %zu -> %zu B, "
	    "mappings %ld -> %ld\n",
	    nareas, before.rss_kb, after.rss_kb, before.heap, after.heap,
	    before.mappings, after.mappings);
	/* A sanitizer's allocator keeps freed memory in quarantine and maps
	 * its own regions as it goes: nothing to measure there. */
	if (CHECK_UNDER_ASAN || CHECK_UNDER_TSAN)
		return;
	CHECK(after.heap <= before.heap + 4096);
	CHECK(after.rss_kb - before.rss_kb <= 256);
	CHECK(after.mappings <= before.mappings);
}

int main(void)
{
	if (CHECK_UNDER_ASAN || CHECK_UNDER_TSAN)
		fprintf(stderr, "sanitizer shadow memory: no RLIMIT_AS part\n");
	else
		test_limited();
	test_many_areas();
	return 0;
}
