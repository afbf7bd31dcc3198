/* CTest labels: threads */
/* The Linux area: creation, options of mmap, errors, fprintf, check_binding.
 * Runs on any node count: nodes come from the process's mems_allowed. */
#include <aml.h>
#include <aml/area/linux.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"

#define NPOLICIES 4

static const enum aml_area_linux_policy policies[NPOLICIES] = {
    AML_AREA_LINUX_POLICY_DEFAULT,
    AML_AREA_LINUX_POLICY_BIND,
    AML_AREA_LINUX_POLICY_PREFERRED,
    AML_AREA_LINUX_POLICY_INTERLEAVE,
};
static const char *const names[NPOLICIES] = {"default", "bind", "preferred",
					     "interleave"};
static const int modes[NPOLICIES] = {MPOL_DEFAULT, MPOL_BIND, MPOL_PREFERRED,
				     MPOL_INTERLEAVE};

static size_t psize;
static struct aml_bitmap allowed; /* mems_allowed */
static int first_node;

/* A pointer that is never a valid area, to see *area reset on failure. */
static struct aml_area sentinel;

static void init_nodes(void)
{
	struct bitmask *m = numa_get_mems_allowed();

	CHECK(m != NULL);
	aml_bitmap_copy_from_ulong(&allowed, m->maskp, m->size);
	numa_bitmask_free(m);
	CHECK_EQ(aml_bitmap_iszero(&allowed), 0);
	first_node = aml_bitmap_first(&allowed);
	psize = (size_t)sysconf(_SC_PAGESIZE);
}

static struct aml_area_linux_data *ldata(const struct aml_area *area)
{
	return (struct aml_area_linux_data *)area->data;
}

/* The policy in force at addr, as the kernel reports it. */
static void policy_at(void *addr, int *mode, struct aml_bitmap *nodes)
{
	aml_bitmap_zero(nodes);
	CHECK_EQ(
	    get_mempolicy(mode, nodes->mask, AML_BITMAP_MAX, addr, MPOL_F_ADDR),
	    0);
}

/* The kernel reports, on [buf, buf + size), the policy area k asks for. */
static void check_policy(void *buf, size_t size, int k,
			 const struct aml_bitmap *mask)
{
	struct aml_bitmap nodes, expect;
	int mode;

	for (size_t off = 0; off < size; off += psize) {
		policy_at((char *)buf + off, &mode, &nodes);
		CHECK_EQ(mode, modes[k]);
		aml_bitmap_zero(&expect);
		if (modes[k] == MPOL_PREFERRED)
			aml_bitmap_set(&expect,
				       (unsigned int)aml_bitmap_first(mask));
		else if (modes[k] != MPOL_DEFAULT)
			aml_bitmap_copy(&expect, mask);
		CHECK_EQ(aml_bitmap_isequal(&nodes, &expect), 1);
	}
}

/* Protection of the mapping holding addr, from /proc/self/maps ("rw-p");
 * 0 when /proc is not there. */
static int maps_perms(void *addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		found = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
	}
	fclose(f);
	CHECK(found);
	return 1;
}

/* Whether the kernel may read, and write, one byte at addr: write(2) and
 * read(2) fail with EFAULT instead of the process faulting. */
static int probe_readable(void *addr)
{
	int fd[2], ok;

	CHECK_EQ(pipe(fd), 0);
	ok = write(fd[1], addr, 1) == 1;
	CHECK(ok || errno == EFAULT);
	close(fd[0]);
	close(fd[1]);
	return ok;
}

static int probe_writable(void *addr)
{
	int fd[2], ok;
	char c = 0;

	CHECK_EQ(pipe(fd), 0);
	CHECK_EQ(write(fd[1], &c, 1), 1);
	ok = read(fd[0], addr, 1) == 1;
	CHECK(ok || errno == EFAULT);
	close(fd[0]);
	close(fd[1]);
	return ok;
}

/* Whether [addr, addr + len) is mapped at all. */
static int is_mapped(void *addr, size_t len)
{
	unsigned char vec[64];

	CHECK(len / psize <= sizeof(vec));
	if (mincore(addr, len, vec) == 0)
		return 1;
	CHECK_EQ(errno, ENOMEM);
	return 0;
}

/* Number of resident pages of [addr, addr + len). */
static size_t resident(void *addr, size_t len)
{
	unsigned char vec[256];
	size_t n = 0;

	CHECK(len / psize <= sizeof(vec));
	CHECK_EQ(mincore(addr, len, vec), 0);
	for (size_t i = 0; i < (len + psize - 1) / psize; i++)
		n += vec[i] & 1;
	return n;
}

/* A free range of `len` bytes: mapped then unmapped. */
static void *free_range(size_t len)
{
	void *p =
	    mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK_EQ(munmap(p, len), 0);
	return p;
}

static char *print(const struct aml_area *area, const char *prefix, int *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL);
	*n = aml_area_fprintf(f, prefix, area);
	CHECK_EQ(fclose(f), 0);
	return buf;
}

/* ---- creation ---------------------------------------------------------- */

static void expect_create_fails(const struct aml_bitmap *mask, int policy,
				int err)
{
	struct aml_area *area = &sentinel;

	CHECK_EQ(aml_area_linux_create(&area, mask,
				       (enum aml_area_linux_policy)policy),
		 err);
	CHECK(area == NULL);
}

static void test_create(void)
{
	struct aml_bitmap mask;
	struct aml_area *area;
	const int maxnode = numa_max_node();

	CHECK_EQ(aml_area_linux_create(NULL, NULL, AML_AREA_LINUX_POLICY_BIND),
		 -AML_EINVAL);

	for (int k = 0; k < NPOLICIES; k++) {
		/* NULL nodemask: mems_allowed. */
		area = &sentinel;
		CHECK_EQ(aml_area_linux_create(&area, NULL, policies[k]),
			 AML_SUCCESS);
		CHECK(area != NULL && area != &sentinel);
		CHECK(area->ops == &aml_area_linux_ops);
		CHECK(area->data != NULL);
		aml_area_linux_destroy(&area);
		CHECK(area == NULL);

		/* One node, and every allowed node given explicitly. */
		aml_bitmap_zero(&mask);
		aml_bitmap_set(&mask, (unsigned int)first_node);
		CHECK_EQ(aml_area_linux_create(&area, &mask, policies[k]),
			 AML_SUCCESS);
		aml_area_linux_destroy(&area);
		CHECK_EQ(aml_area_linux_create(&area, &allowed, policies[k]),
			 AML_SUCCESS);
		aml_area_linux_destroy(&area);

		/* Empty nodemask. */
		aml_bitmap_zero(&mask);
		expect_create_fails(&mask, policies[k], -AML_EINVAL);

		/* Nodes beyond the machine. */
		if (maxnode < AML_BITMAP_MAX - 1) {
			aml_bitmap_zero(&mask);
			aml_bitmap_set(&mask, AML_BITMAP_MAX - 1);
			expect_create_fails(&mask, policies[k], -AML_EDOM);
			aml_bitmap_zero(&mask);
			aml_bitmap_set(&mask, (unsigned int)maxnode + 1);
			expect_create_fails(&mask, policies[k], -AML_EDOM);
			/* ...even next to a valid node. */
			aml_bitmap_set(&mask, (unsigned int)first_node);
			expect_create_fails(&mask, policies[k], -AML_EDOM);
			aml_bitmap_fill(&mask);
			expect_create_fails(&mask, policies[k], -AML_EDOM);
		}
	}

	/* Unknown policies. */
	expect_create_fails(NULL, 1000, -AML_EINVAL);
	expect_create_fails(NULL, -1, -AML_EINVAL);
	expect_create_fails(&allowed, 0x7fffffff, -AML_EINVAL);

	/* Destroy is NULL-safe and leaves the default area alone. */
	aml_area_linux_destroy(NULL);
	area = NULL;
	aml_area_linux_destroy(&area);
	CHECK(area == NULL);
	area = &aml_area_linux;
	aml_area_linux_destroy(&area);
	CHECK(area == &aml_area_linux);
	CHECK(aml_area_linux.ops == &aml_area_linux_ops);
}

/* The nodemask is copied: changing the caller's afterwards changes nothing. */
static void test_nodemask_copied(void)
{
	struct aml_bitmap mask;
	struct aml_area *area;
	char *before, *after;
	int n;

	aml_bitmap_copy(&mask, &allowed);
	CHECK_EQ(aml_area_linux_create(&area, &mask,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	before = print(area, "", &n);
	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, AML_BITMAP_MAX - 1);
	after = print(area, "", &n);
	CHECK(strcmp(before, after) == 0);

	void *buf = aml_area_mmap(area, 4 * psize, NULL);
	CHECK(buf != NULL);
	check_policy(buf, 4 * psize, 3, &allowed);
	CHECK_EQ(aml_area_munmap(area, buf, 4 * psize), AML_SUCCESS);
	free(before);
	free(after);
	aml_area_linux_destroy(&area);
}

/* ---- fprintf ----------------------------------------------------------- */

static void test_fprintf(void)
{
	struct aml_bitmap one;
	struct aml_area *area;
	char expect[8192], *nodes, *s;
	int n;

	nodes = aml_bitmap_to_string(&allowed);
	CHECK(nodes != NULL);
	for (int k = 0; k < NPOLICIES; k++) {
		/* Default and local name no nodes. */
		const int over = policies[k] != AML_AREA_LINUX_POLICY_DEFAULT &&
				 policies[k] != AML_AREA_LINUX_POLICY_LOCAL;

		CHECK_EQ(aml_area_linux_create(&area, NULL, policies[k]),
			 AML_SUCCESS);
		snprintf(expect, sizeof(expect),
			 "> linux area: policy %s%s%s\n", names[k],
			 !over				  ? ""
			 : aml_bitmap_nset(&allowed) == 1 ? " over node "
							  : " over nodes ",
			 over ? nodes : "");
		s = print(area, "> ", &n);
		if (strcmp(s, expect) != 0) {
			fprintf(stderr, "printed \"%s\", expected \"%s\"\n", s,
				expect);
			exit(1);
		}
		CHECK_EQ(n, AML_SUCCESS);
		free(s);
		/* NULL prefix: none. */
		s = print(area, NULL, &n);
		CHECK(strcmp(s, expect + 2) == 0);
		free(s);
		/* A prefix that ends in no space: set apart with ": ". */
		s = print(area, "area", &n);
		CHECK(strncmp(s, "area: linux area: ", 18) == 0);
		free(s);
		aml_area_linux_destroy(&area);
	}
	free(nodes);

	aml_bitmap_zero(&one);
	aml_bitmap_set(&one, (unsigned int)first_node);
	CHECK_EQ(aml_area_linux_create(&area, &one,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	snprintf(expect, sizeof(expect),
		 "linux area: policy interleave over node %d\n", first_node);
	s = print(area, "", &n);
	CHECK(strcmp(s, expect) == 0);
	free(s);

	/* Errors. */
	CHECK_EQ(aml_area_linux_fprintf(NULL, stdout, ""), -AML_EINVAL);
	CHECK_EQ(aml_area_linux_fprintf(area->data, NULL, ""), -AML_EINVAL);
	char ro[8] = "";
	FILE *f = fmemopen(ro, sizeof(ro), "r");
	CHECK(f != NULL);
	CHECK_EQ(aml_area_linux_fprintf(area->data, f, ""), -AML_FAILURE);
	fclose(f);
	aml_area_linux_destroy(&area);

	/* The default area has no nodes of its own. */
	s = print(&aml_area_linux, "", &n);
	CHECK(strcmp(s, "linux area: policy default\n") == 0);
	CHECK_EQ(n, AML_SUCCESS);
	free(s);
}

/* ---- mmap with the default options -------------------------------------- */

static void test_mmap_defaults(void)
{
	const size_t size = 16 * psize;
	struct aml_area *area[NPOLICIES];
	unsigned char *buf[NPOLICIES];
	char perms[5];

	for (int k = 0; k < NPOLICIES; k++) {
		CHECK_EQ(aml_area_linux_create(&area[k], NULL, policies[k]),
			 AML_SUCCESS);
		buf[k] = aml_area_mmap(area[k], size, NULL);
		CHECK(buf[k] != NULL);
		CHECK_EQ((uintptr_t)buf[k] % psize, 0);
		/* Mapped, not populated: check_binding does not fault. */
		CHECK_EQ(resident(buf[k], size), 0);
		CHECK_EQ(
		    aml_area_linux_check_binding(ldata(area[k]), buf[k], size),
		    1);
		CHECK_EQ(resident(buf[k], size), 0);
		check_policy(buf[k], size, k, &allowed);
		if (maps_perms(buf[k], perms))
			CHECK(strcmp(perms, "rw-p") == 0);
		for (size_t i = 0; i < size; i++)
			CHECK_EQ(buf[k][i], 0);
		memset(buf[k], k + 1, size);
		CHECK_EQ(resident(buf[k], size), 16);
		CHECK_EQ(
		    aml_area_linux_check_binding(ldata(area[k]), buf[k], size),
		    1);
		/* Any sub-range, unaligned too. */
		CHECK_EQ(aml_area_linux_check_binding(ldata(area[k]),
						      buf[k] + 100, 3 * psize),
			 1);
	}

	/* A buffer of another policy does not match. */
	for (int k = 0; k < NPOLICIES; k++)
		for (int j = 0; j < NPOLICIES; j++)
			CHECK_EQ(aml_area_linux_check_binding(ldata(area[k]),
							      buf[j], size),
				 k == j);

	/* Same policy, other nodes (when there are several). */
	if (aml_bitmap_nset(&allowed) > 1) {
		struct aml_bitmap one;
		struct aml_area *a;

		aml_bitmap_zero(&one);
		aml_bitmap_set(&one, (unsigned int)aml_bitmap_last(&allowed));
		for (int k = 1; k < NPOLICIES; k++) {
			CHECK_EQ(aml_area_linux_create(&a, &one, policies[k]),
				 AML_SUCCESS);
			CHECK_EQ(aml_area_linux_check_binding(ldata(a), buf[k],
							      size),
				 0);
			aml_area_linux_destroy(&a);
		}
	}

	/* The default area's buffers have no policy. */
	unsigned char *d = aml_area_mmap(&aml_area_linux, size, NULL);
	CHECK(d != NULL);
	memset(d, 1, size);
	check_policy(d, size, 0, &allowed);
	CHECK_EQ(aml_area_linux_check_binding(ldata(&aml_area_linux), d, size),
		 1);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area[1]), d, size), 0);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, d, size), AML_SUCCESS);

	/* A range that is not mapped, wholly or in part: the kernel cannot
	 * say. */
	void *gone = free_range(4 * psize);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area[1]), gone, psize),
		 -AML_FAILURE);
	CHECK_EQ(aml_area_munmap(area[3], buf[3] + size - psize, psize),
		 AML_SUCCESS);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area[3]), buf[3], size),
		 -AML_FAILURE);
	CHECK_EQ(
	    aml_area_linux_check_binding(ldata(area[3]), buf[3], size - psize),
	    1);

	/* Bad arguments. */
	CHECK_EQ(aml_area_linux_check_binding(NULL, buf[1], size), -AML_EINVAL);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area[1]), NULL, size),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area[1]), buf[1], 0),
		 -AML_EINVAL);

	for (int k = 0; k < NPOLICIES; k++) {
		CHECK_EQ(aml_area_munmap(area[k], buf[k], size), AML_SUCCESS);
		CHECK(!is_mapped(buf[k], size));
		aml_area_linux_destroy(&area[k]);
	}
}

/* Pages placed on one node, then given area k's policy without moving
 * them: the policy matches, the placement does not (several nodes only). */
static void test_check_binding_misplaced(void)
{
	const size_t size = 8 * psize;
	struct aml_bitmap last, first;
	struct aml_area *on_last, *area;
	char *buf;

	if (aml_bitmap_nset(&allowed) < 2)
		return;
	aml_bitmap_zero(&last);
	aml_bitmap_set(&last, (unsigned int)aml_bitmap_last(&allowed));
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, (unsigned int)first_node);
	CHECK_EQ(
	    aml_area_linux_create(&on_last, &last, AML_AREA_LINUX_POLICY_BIND),
	    AML_SUCCESS);
	for (int k = 1; k < NPOLICIES; k++) {
		const struct aml_bitmap *mask =
		    modes[k] == MPOL_BIND ? &first : &allowed;

		CHECK_EQ(aml_area_linux_create(&area, mask, policies[k]),
			 AML_SUCCESS);
		buf = aml_area_mmap(on_last, size, NULL);
		CHECK(buf != NULL);
		memset(buf, 1, size);
		CHECK_EQ(
		    aml_area_linux_check_binding(ldata(on_last), buf, size), 1);
		CHECK_EQ(
		    mbind(buf, size, modes[k], mask->mask, AML_BITMAP_MAX, 0),
		    0);
		check_policy(buf, size, k, mask);
		CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf, size),
			 0);
		CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
		aml_area_linux_destroy(&area);
	}
	aml_area_linux_destroy(&on_last);
}

/* ---- mmap options ------------------------------------------------------- */

static struct aml_area_mmap_options *o(struct aml_area_linux_mmap_options *x)
{
	return (struct aml_area_mmap_options *)x;
}

static void test_hint_and_fixed(struct aml_area *area, int k)
{
	struct aml_area_linux_mmap_options opts = {
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	};
	char *hint, *res, *buf;

	/* An address hint on a free range is taken. */
	hint = free_range(4 * psize);
	opts.ptr = hint;
	buf = aml_area_mmap(area, 4 * psize, o(&opts));
	CHECK(buf == hint);
	memset(buf, 3, 4 * psize);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf, 4 * psize), 1);
	CHECK_EQ(aml_area_munmap(area, buf, 4 * psize), AML_SUCCESS);

	/* MAP_FIXED replaces the middle of a reservation. */
	res = mmap(NULL, 6 * psize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	CHECK(res != MAP_FAILED);
	opts.ptr = res + psize;
	opts.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	buf = aml_area_mmap(area, 2 * psize, o(&opts));
	CHECK(buf == res + psize);
	memset(buf, 4, 2 * psize);
	check_policy(buf, 2 * psize, k, &allowed);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf, 2 * psize), 1);
	CHECK(!probe_readable(res));
	CHECK(!probe_readable(res + 3 * psize));

	/* MAP_FIXED on an unaligned address: rejected, nothing changed. */
	opts.ptr = res + 3 * psize + 1;
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, psize, o(&opts)) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CHECK(!probe_readable(res + 3 * psize));
	CHECK_EQ(munmap(res, 6 * psize), 0);
}

static void test_flags_and_protection(struct aml_area *area, int k)
{
	struct aml_area_linux_mmap_options opts = {
	    .ptr = NULL,
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	    .offset = 0,
	};
	const size_t size = 8 * psize;
	char perms[5];
	char *buf;

	/* MAP_POPULATE: every page placed, by the area's policy. */
	buf = aml_area_mmap(area, size, o(&opts));
	CHECK(buf != NULL);
	CHECK_EQ(resident(buf, size), 8);
	check_policy(buf, size, k, &allowed);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);

	/* MAP_NORESERVE and friends pass through. */
	opts.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	buf = aml_area_mmap(area, size, o(&opts));
	CHECK(buf != NULL);
	memset(buf, 1, size);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);

	/* Read-only: readable, zero, not writable; still bound. */
	opts.flags = MAP_PRIVATE | MAP_ANONYMOUS;
	opts.mode = PROT_READ;
	buf = aml_area_mmap(area, size, o(&opts));
	CHECK(buf != NULL);
	if (maps_perms(buf, perms))
		CHECK(strcmp(perms, "r--p") == 0);
	CHECK(probe_readable(buf));
	CHECK(!probe_writable(buf));
	CHECK_EQ(buf[size - 1], 0);
	check_policy(buf, size, k, &allowed);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);

	/* No access at all. */
	opts.mode = PROT_NONE;
	buf = aml_area_mmap(area, size, o(&opts));
	CHECK(buf != NULL);
	if (maps_perms(buf, perms))
		CHECK(strcmp(perms, "---p") == 0);
	CHECK(!probe_readable(buf));
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);

	/* Shared anonymous: shared with a child, and bound. */
	opts.flags = MAP_SHARED | MAP_ANONYMOUS;
	opts.mode = PROT_READ | PROT_WRITE;
	buf = aml_area_mmap(area, size, o(&opts));
	CHECK(buf != NULL);
	if (maps_perms(buf, perms))
		CHECK(strcmp(perms, "rw-s") == 0);
	check_policy(buf, size, k, &allowed);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		memset(buf, 0x77, size);
		_exit(0);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(buf[0], 0x77);
	CHECK_EQ(buf[size - 1], 0x77);
	CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);

	/* mmap(2) takes MAP_SHARED_VALIDATE for files only. */
	opts.flags = MAP_SHARED_VALIDATE | MAP_ANONYMOUS;
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, size, o(&opts)) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
}

/* Whether pages placed before the area's policy applied (page cache of a
 * file) still lie where area k puts them: yes on one node, or when any
 * allowed node is right. */
static int placement_known(int k)
{
	return aml_bitmap_nset(&allowed) == 1 || modes[k] == MPOL_DEFAULT ||
	       modes[k] == MPOL_BIND;
}

/*
 * Shared then private mappings of a file of 8 empty pages, at an offset of
 * 2 pages: content, writes, the policy in force. `fresh_placed` says that
 * pages the shared mapping creates follow the area's policy (shmem files
 * do; the page cache of other files follows the task's policy).
 */
static void test_file(struct aml_area *area, int k, int fd, int fresh_placed)
{
	struct aml_area_linux_mmap_options opts = {
	    .ptr = NULL,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = fd,
	    .offset = (off_t)(2 * psize),
	};
	const int types[] = {MAP_SHARED, MAP_SHARED_VALIDATE, MAP_PRIVATE};
	const size_t size = 3 * psize;
	char c, *buf;

	CHECK_EQ(ftruncate(fd, (off_t)(8 * psize)), 0);
	for (int t = 0; t < 3; t++) {
		opts.flags = types[t];
		buf = aml_area_mmap(area, size, o(&opts));
		CHECK(buf != NULL);
		check_policy(buf, size, k, &allowed);
		if (t == 0) {
			/* Shared: writes reach the file at the offset. */
			for (size_t i = 0; i < 3; i++)
				memset(buf + i * psize, 'c' + (int)i, psize);
			CHECK_EQ(msync(buf, size, MS_SYNC), 0);
			for (off_t i = 0; i < 8; i++) {
				CHECK_EQ(pread(fd, &c, 1, i * (off_t)psize), 1);
				CHECK_EQ(c, i >= 2 && i < 5 ? 'a' + i : 0);
			}
			if (fresh_placed || placement_known(k))
				CHECK_EQ(aml_area_linux_check_binding(
					     ldata(area), buf, size),
					 1);
		}
		/* The mapping starts at the offset. */
		CHECK_EQ(buf[0], 'c');
		CHECK_EQ(buf[psize], 'd');
		CHECK_EQ(buf[size - 1], 'e');
		if (placement_known(k))
			CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf,
							      size),
				 1);
		/* Writes reach the file only when shared; a private write
		 * makes a private page, placed by the area. */
		buf[1] = (char)('X' + t);
		CHECK_EQ(msync(buf, size, MS_SYNC), 0);
		CHECK_EQ(pread(fd, &c, 1, (off_t)(2 * psize + 1)), 1);
		CHECK_EQ(c, types[t] == MAP_PRIVATE ? 'X' + 1 : 'X' + t);
		if (types[t] == MAP_PRIVATE)
			CHECK_EQ(aml_area_linux_check_binding(ldata(area), buf,
							      psize),
				 1);
		CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
	}

	/* Offsets that are not a page multiple, or negative. */
	const off_t bad[] = {1, (off_t)psize - 1, (off_t)psize + 8,
			     -(off_t)psize, -1};
	for (int t = 0; t < 3; t++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
			opts.flags = types[t];
			opts.offset = bad[i];
			aml_errno = AML_SUCCESS;
			CHECK(aml_area_mmap(area, size, o(&opts)) == NULL);
			CHECK_EQ(aml_errno, AML_EINVAL);
		}
	}
}

static int memfd(void)
{
	int fd = (int)syscall(SYS_memfd_create, "aml-test", 0);

	CHECK(fd >= 0);
	return fd;
}

/* A regular file in a writable directory, unlinked; -1 if none is. */
static int regular_file(void)
{
	const char *dirs[] = {getenv("TMPDIR"), "/tmp", "/var/tmp", "."};
	char path[4096];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		if (dirs[i] == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/aml-test-XXXXXX", dirs[i]);
		int fd = mkstemp(path);
		if (fd < 0)
			continue;
		unlink(path);
		return fd;
	}
	return -1;
}

static void test_files(struct aml_area *area, int k)
{
	int fd = memfd();

	test_file(area, k, fd, 1);
	close(fd);

	fd = regular_file();
	if (fd < 0) {
		if (k == 0)
			fprintf(stderr,
				"note: no writable directory, regular file "
				"mappings not tested\n");
		return;
	}
	test_file(area, k, fd, 0);
	close(fd);
}

static void expect_mmap_fails(struct aml_area *area, size_t size,
			      struct aml_area_linux_mmap_options *opts, int err)
{
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, size, o(opts)) == NULL);
	CHECK_EQ(aml_errno, err);
}

static int overcommit_mode(void)
{
	FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
	int mode = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &mode) != 1)
		mode = -1;
	fclose(f);
	return mode;
}

static void test_mmap_errors(struct aml_area *area)
{
	struct aml_area_linux_mmap_options opts = {
	    .ptr = NULL,
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	    .offset = 0,
	};
	const size_t tib = (size_t)1 << 40;
	int fd;

	/* Sizes. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_linux_mmap(area->data, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_linux_mmap(NULL, psize, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	expect_mmap_fails(area, 0, NULL, AML_EINVAL);
	expect_mmap_fails(area, SIZE_MAX, NULL, AML_ENOMEM);
	expect_mmap_fails(area, SIZE_MAX - 4095, NULL, AML_ENOMEM);
	expect_mmap_fails(area, SIZE_MAX / 2 + 1, NULL, AML_ENOMEM);
	expect_mmap_fails(area, SIZE_MAX, &opts, AML_ENOMEM);
	/* More than the machine has: refused unless overcommit is forced. */
	if (overcommit_mode() == 0 || overcommit_mode() == 2)
		expect_mmap_fails(area, tib, NULL, AML_ENOMEM);
	/* ...but taken with MAP_NORESERVE under the heuristic. */
	if (overcommit_mode() == 0 && !CHECK_UNDER_TSAN) {
		opts.flags |= MAP_NORESERVE;
		char *big = aml_area_mmap(area, tib, o(&opts));
		CHECK(big != NULL);
		big[tib / 2] = 1;
		CHECK_EQ(aml_area_munmap(area, big, tib), AML_SUCCESS);
	}

	/* Flags without a mapping type, or with an unknown one. */
	opts.flags = MAP_ANONYMOUS;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);
	opts.flags = MAP_TYPE | MAP_ANONYMOUS;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);
	opts.flags = 0;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);

	/* A file mapping without a file. */
	opts.flags = MAP_PRIVATE;
	opts.fd = -1;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);
	opts.flags = MAP_SHARED;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);
	/* A closed file descriptor. */
	fd = memfd();
	close(fd);
	opts.fd = fd;
	expect_mmap_fails(area, psize, &opts, AML_EINVAL);
}

/* When mbind(2) fails on a new mapping, the mapping is released.
 * mbind must split the VMA that the new mapping merged into; with the
 * process at vm.max_map_count, the split (and mbind) fails with ENOMEM. */
static void test_mbind_failure(struct aml_area *area)
{
	struct aml_area_linux_mmap_options opts = {
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	};
	FILE *f;
	long max = -1;
	size_t npages;
	char *neighbour, *fill, *buf;

	/* ThreadSanitizer maps and unmaps its own shadow memory around the
	 * process's calls: at the limit its munmap fails and it aborts. */
	if (CHECK_UNDER_TSAN) {
		fprintf(stderr, "note: under ThreadSanitizer, mbind failure "
				"not tested\n");
		return;
	}
	f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld", &max) != 1)
			max = -1;
		fclose(f);
	}
	if (max < 0 || max > (1L << 18)) {
		fprintf(stderr,
			"note: vm.max_map_count %ld, mbind failure "
			"not tested\n",
			max);
		return;
	}

	/* A writable page with a free page after it. */
	neighbour = mmap(NULL, 2 * psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(neighbour != MAP_FAILED);
	CHECK_EQ(munmap(neighbour + psize, psize), 0);

	/* Split a reservation, page by page, until the kernel refuses: the
	 * process then holds vm.max_map_count mappings. No allocation from
	 * here on, as it might need a new mapping. */
	npages = 2 * (size_t)max + 8;
	fill = mmap(NULL, npages * psize, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(fill != MAP_FAILED);
	size_t i;
	for (i = 1; i < npages; i += 2)
		if (mprotect(fill + i * psize, psize, PROT_READ) != 0)
			break;
	CHECK(i < npages);
	CHECK_EQ(errno, ENOMEM);

	/* The new mapping extends the neighbour's VMA; binding it needs a
	 * split, which fails. */
	opts.ptr = neighbour + psize;
	aml_errno = AML_SUCCESS;
	buf = aml_area_mmap(area, psize, o(&opts));
	int err = aml_errno;
	int mapped = is_mapped(neighbour + psize, psize);
	CHECK_EQ(munmap(fill, npages * psize), 0);

	CHECK(buf == NULL);
	CHECK_EQ(err, AML_ENOMEM);
	CHECK(!mapped);
	CHECK(is_mapped(neighbour, psize));

	/* Once below the limit, the same call works. */
	buf = aml_area_mmap(area, psize, o(&opts));
	CHECK(buf == neighbour + psize);
	CHECK_EQ(aml_area_munmap(area, buf, psize), AML_SUCCESS);
	CHECK_EQ(munmap(neighbour, psize), 0);
}

/* ---- munmap ------------------------------------------------------------- */

static void test_munmap(struct aml_area *area)
{
	char *buf = aml_area_mmap(area, 4 * psize, NULL);

	CHECK(buf != NULL);
	CHECK_EQ(aml_area_munmap(area, NULL, 0), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, buf + 1, psize), -AML_EINVAL);
	CHECK_EQ(aml_area_linux_munmap(area->data, buf + 1, psize),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, buf, SIZE_MAX), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, NULL, psize), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, buf, 0), -AML_EINVAL);
	CHECK(is_mapped(buf, 4 * psize));
	/* Part of a mapping, then the rest. */
	CHECK_EQ(aml_area_munmap(area, buf + psize, psize), AML_SUCCESS);
	CHECK(!is_mapped(buf + psize, psize));
	CHECK(is_mapped(buf, psize));
	CHECK_EQ(aml_area_munmap(area, buf, 4 * psize), AML_SUCCESS);
	CHECK(!is_mapped(buf, psize));
	CHECK(!is_mapped(buf + 3 * psize, psize));
}

int main(void)
{
	if (numa_available() < 0)
		SKIP("libnuma reports no NUMA support");
	init_nodes();

	test_create();
	test_nodemask_copied();
	test_fprintf();
	test_mmap_defaults();
	test_check_binding_misplaced();
	for (int k = 0; k < NPOLICIES; k++) {
		struct aml_area *area;

		CHECK_EQ(aml_area_linux_create(&area, NULL, policies[k]),
			 AML_SUCCESS);
		test_hint_and_fixed(area, k);
		test_flags_and_protection(area, k);
		test_files(area, k);
		test_mmap_errors(area);
		test_munmap(area);
		if (k != 0)
			test_mbind_failure(area);
		aml_area_linux_destroy(&area);
	}
	/* The default area, through the same options. */
	test_hint_and_fixed(&aml_area_linux, 0);
	test_flags_and_protection(&aml_area_linux, 0);
	test_files(&aml_area_linux, 0);
	test_mmap_errors(&aml_area_linux);
	test_munmap(&aml_area_linux);
	return 0;
}
