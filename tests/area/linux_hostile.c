/* Hostile arguments to the Linux area, each once a bug: a hugetlb mapping
 * asked for in the mmap options and left behind after a failure; a fixed
 * mapping at NULL; MAP_FIXED_NOREPLACE ignored by THP areas; ranges that
 * wrap past the end of the address space or leave the user's part of it. */
#include <fcntl.h>
#include <signal.h>
#include <time.h>

#include "linux_test.h"

#define MIB ((size_t)1 << 20)

static size_t psize;

/* Lines of /proc/self/maps naming `what`, read without allocating. */
static int maps_count(const char *what)
{
	static char buf[1 << 20];
	ssize_t len = 0, n;
	int fd = open("/proc/self/maps", O_RDONLY), count = 0;

	CHECK(fd >= 0);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (char *p = strstr(buf, what); p != NULL; p = strstr(p + 1, what))
		count++;
	return count;
}

/* Whether any page of [p, p + len) is mapped. */
static int any_mapped(const void *p, size_t len)
{
	unsigned char vec;

	for (size_t off = 0; off < len; off += psize)
		if (mincore((char *)p + off, psize, &vec) == 0 ||
		    errno != ENOMEM)
			return 1;
	return 0;
}

/* A: a failed hugetlb mapping of the options leaves nothing behind. */
static void test_hugetlb_option_cleanup(void)
{
	struct aml_area_linux_mmap_options opts = {
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE |
		     MAP_POPULATE,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1};
	const int before = maps_count("anon_hugepage");

	for (int i = 0; i < 4; i++) {
		char *p;

		aml_errno = AML_SUCCESS;
		p = aml_area_mmap(&aml_area_linux, psize,
				  (struct aml_area_mmap_options *)&opts);
		if (p != NULL) {
			/* Huge pages were free: a whole one was mapped. */
			CHECK_EQ(aml_area_munmap(&aml_area_linux, p, 2 * MIB),
				 0);
			continue;
		}
		CHECK(aml_errno == AML_ENOMEM || aml_errno == AML_ENOTSUP);
	}
	CHECK_EQ(maps_count("anon_hugepage"), before);
}

/* B: MAP_FIXED and MAP_FIXED_NOREPLACE at NULL are refused. */
static void test_fixed_null(void)
{
	const int fixed[] = {MAP_FIXED, MAP_FIXED_NOREPLACE};

	for (int i = 0; i < 2; i++) {
		struct aml_area_linux_mmap_options opts = {
		    .ptr = NULL,
		    .flags = MAP_PRIVATE | MAP_ANONYMOUS | fixed[i],
		    .mode = PROT_READ | PROT_WRITE,
		    .fd = -1};

		aml_errno = AML_SUCCESS;
		CHECK(aml_area_mmap(&aml_area_linux, psize,
				    (struct aml_area_mmap_options *)&opts) ==
		      NULL);
		CHECK_EQ(aml_errno, AML_EINVAL);
		CHECK(!any_mapped(NULL, psize));
	}
}

/* C: a THP area maps MAP_FIXED_NOREPLACE at the hint, unaligned or not,
 * and fails where something is mapped already. */
static void test_thp_noreplace(void)
{
	const struct aml_area_linux_attr attr = {.flags =
						     AML_AREA_LINUX_FLAG_THP};
	struct aml_area_linux_mmap_options opts = {
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1};
	struct aml_area *area;
	char *hole, *hint, *p;
	uintptr_t aligned;

	if (aml_area_linux_create_attr(&area, NULL,
				       AML_AREA_LINUX_POLICY_DEFAULT,
				       &attr) == -AML_ENOTSUP) {
		fprintf(stderr, "no transparent huge pages: C left out\n");
		return;
	}
	/* A free hole of 16 MiB; the hint is a page past a 2 MiB
	 * boundary in it. */
	hole =
	    mmap(NULL, 16 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED);
	CHECK_EQ(munmap(hole, 16 * MIB), 0);
	aligned = ((uintptr_t)hole + 2 * MIB - 1) & ~(uintptr_t)(2 * MIB - 1);
	hint = (char *)aligned + 2 * MIB + psize;
	opts.ptr = hint;
	p = aml_area_mmap(area, 4 * MIB, (struct aml_area_mmap_options *)&opts);
	CHECK(p == hint);
	/* Nothing mapped around it. */
	CHECK(!any_mapped(hint - 2 * MIB, 2 * MIB));
	CHECK(!any_mapped(hint + 4 * MIB, 2 * MIB));
	/* Taken now: refused, and the mapping is intact. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, 4 * MIB,
			    (struct aml_area_mmap_options *)&opts) == NULL);
	CHECK(aml_errno != AML_SUCCESS);
	CHECK(any_mapped(hint, 4 * MIB));
	CHECK_EQ(aml_area_munmap(area, p, 4 * MIB), 0);
	aml_area_linux_destroy(&area);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "a range past the end took over 10 s\n";
	write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

/* D: a range that wraps, or ends past the user address space, is refused
 * at once by every function taking one. */
static void test_wrapping_ranges(void)
{
	struct aml_area *area;
	struct aml_linux_placement pl;
	const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 4095, SIZE_MAX / 2,
				(size_t)1 << 57};
	char *buf, map[16];
	int node = 0, status[4];

	CHECK_EQ(aml_area_linux_create(&area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 0);
	buf = aml_area_mmap(area, 4 * psize, NULL);
	CHECK(buf != NULL);
	memset(buf, 1, 4 * psize);
	signal(SIGALRM, on_alarm);
	alarm(10);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const size_t s = sizes[i];

		CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, s),
			 -AML_EINVAL);
		CHECK_EQ(aml_linux_inspect(buf, s, 0, &pl), -AML_EINVAL);
		CHECK_EQ(aml_linux_query_pages(buf, s, status, 0), -AML_EINVAL);
		CHECK_EQ(aml_linux_page_map(buf, s, map, sizeof(map)),
			 -AML_EINVAL);
		CHECK_EQ(aml_linux_placement_fprintf(stderr, "", buf, s),
			 -AML_EINVAL);
		CHECK_EQ(
		    aml_linux_move_pages(buf, s, &node, 1, NULL, NULL, NULL),
		    -AML_EINVAL);
		CHECK_EQ(aml_area_linux_migrate(area, buf, s, NULL, NULL, NULL),
			 -AML_EINVAL);
		CHECK_EQ(aml_linux_populate(buf, s, 1, 0), -AML_EINVAL);
		CHECK_EQ(aml_area_munmap(area, buf, s), -AML_EINVAL);
		CHECK_EQ(aml_linux_npages(buf, s), 0);
	}
	alarm(0);
	/* The buffer is intact. */
	for (size_t i = 0; i < 4 * psize; i++)
		CHECK_EQ(buf[i], 1);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, 4 * psize),
		 1);
	CHECK_EQ(aml_area_munmap(area, buf, 4 * psize), 0);
	aml_area_linux_destroy(&area);
}

int main(void)
{
	psize = test_page_size();
	test_hugetlb_option_cleanup();
	test_fixed_null();
	test_thp_noreplace();
	test_wrapping_ranges();
	return 0;
}
