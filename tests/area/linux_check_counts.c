/* CTest labels: unprivileged */
/* aml_area_linux_check_binding() answers a large range whose pages need
 * only lie on a set of nodes (bind, preferred) from the node counts of
 * /proc/self/numa_maps, without a page walk: the answer must be the walk's.
 * A page moved off the nodes makes the check fail; a page moved off them
 * outside the range, in the same mapping, does not. numa_maps opens are
 * counted (this program's open is the one libaml calls). */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "linux_test.h"

#define MIB ((size_t)1 << 20)
#define SIZE (32 * MIB)

static volatile long numa_maps_opens;

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (strcmp(path, "/proc/self/numa_maps") == 0)
		numa_maps_opens++;
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

/* Sanitizers make the process's resident memory larger than the range:
 * numa_maps is then not worth reading, and not read. */
static const int sanitized = CHECK_UNDER_ASAN || CHECK_UNDER_TSAN;

static int check(struct aml_area *area, char *buf, size_t size, long *opens)
{
	const long before = numa_maps_opens;
	const int ret =
	    aml_area_linux_check_binding(test_data(area), buf, size);

	*opens = sanitized ? -1 : numa_maps_opens - before;
	return ret;
}

/* Move page `i` of `buf` to `node`. */
static void move_page(char *buf, size_t i, int node)
{
	void *page = buf + i * test_page_size();
	int status = -1;

	CHECK_EQ(move_pages(0, 1, &page, &node, &status, MPOL_MF_MOVE), 0);
	CHECK_EQ(status, node);
}

static void test_policy(enum aml_area_linux_policy policy, const int *nodes,
			int nn)
{
	const size_t psize = test_page_size();
	struct aml_bitmap mask;
	struct aml_area *area;
	long opens;
	char *buf;

	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, (unsigned int)nodes[0]);
	CHECK_EQ(aml_area_linux_create(&area, &mask, policy), 0);
	buf = aml_area_mmap(area, SIZE, NULL);
	CHECK(buf != NULL);
	/* A page moved out of a huge page would take the whole 2 MiB. */
	CHECK_EQ(madvise(buf, SIZE, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, SIZE);
	CHECK_EQ(check(area, buf, SIZE, &opens), 1);
	CHECK(opens == 1 || sanitized);
	/* Small ranges walk their pages. */
	CHECK_EQ(check(area, buf, 16 * psize, &opens), 1);
	CHECK(opens == 0 || sanitized);
	if (nn > 1) {
		/* The last page moves off: the whole range fails... */
		move_page(buf, SIZE / psize - 1, nodes[1]);
		CHECK_EQ(check(area, buf, SIZE, &opens), 0);
		CHECK(opens == 1 || sanitized);
		/* ...a range without it does not, though its mapping
		 * counts a page off the node. */
		CHECK_EQ(check(area, buf, SIZE - psize, &opens), 1);
		CHECK(opens == 1 || sanitized);
	}
	CHECK_EQ(aml_area_munmap(area, buf, SIZE), 0);
	aml_area_linux_destroy(&area);
}

int main(void)
{
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);

	if (access("/proc/self/numa_maps", R_OK) != 0)
		SKIP("no /proc/self/numa_maps (kernel without NUMA)");
	test_policy(AML_AREA_LINUX_POLICY_BIND, nodes, nn);
	test_policy(AML_AREA_LINUX_POLICY_PREFERRED, nodes, nn);
	test_policy(AML_AREA_LINUX_POLICY_INTERLEAVE, nodes, 1);
	if (nn == 1)
		fprintf(stderr, "one node: no page to move off it\n");
	return 0;
}
