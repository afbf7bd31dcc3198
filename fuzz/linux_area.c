/*
 * Random sequences of Linux-area calls: create with random masks, policies
 * and attributes; mmap with random sizes, options and flags (MAP_HUGETLB,
 * MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE...); munmap; check_binding;
 * the inspection calls; populate; migrate and move_pages. It aborts on a
 * result that is neither success nor an error the header documents, and on
 * any mapping left behind: the library's mmap(2) and munmap(2) calls are
 * wrapped (linked with --wrap), so the mappings it holds are known exactly
 * and compared, range by range, with those this program expects and with
 * /proc/self/maps.
 *
 * MAP_FIXED only ever targets an arena at a fixed address far from where
 * the kernel places mappings by itself, so that it cannot replace memory
 * of the allocator or of the fuzzer.
 */
#include <fcntl.h>
#include <linux/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aml.h"
#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __real_munmap(void *addr, size_t len);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off);
int __wrap_munmap(void *addr, size_t len);

#define MIB ((size_t)1 << 20)
#define ARENA ((uintptr_t)0x300000000000)
#define ARENA_SIZE (2048 * MIB)
#define FILE_SIZE (32 * MIB)
#define MAX_AREAS 4
#define MAX_MAPS 8
#define MAX_OPS 48
#define MAX_RANGES 512

#define FAIL_IF(cond)                                                          \
	do {                                                                   \
		if (cond) {                                                    \
			fprintf(stderr, "linux_area: %s (line %d)\n", #cond,   \
				__LINE__);                                     \
			abort();                                               \
		}                                                              \
	} while (0)

/* ---- sets of address ranges -------------------------------------------- */

struct range {
	uintptr_t start, end;
};

struct ranges {
	size_t n;
	struct range r[MAX_RANGES];
};

static void ranges_sub(struct ranges *s, uintptr_t start, uintptr_t end)
{
	struct ranges out = {0};

	for (size_t i = 0; i < s->n; i++) {
		const struct range r = s->r[i];

		if (r.end <= start || r.start >= end) {
			out.r[out.n++] = r;
			continue;
		}
		if (r.start < start)
			out.r[out.n++] = (struct range){r.start, start};
		if (r.end > end)
			out.r[out.n++] = (struct range){end, r.end};
	}
	FAIL_IF(out.n >= MAX_RANGES);
	*s = out;
}

static void ranges_add(struct ranges *s, uintptr_t start, uintptr_t end)
{
	ranges_sub(s, start, end);
	s->r[s->n++] = (struct range){start, end};
}

/* Whether [start, end) is covered by the union of `s`. */
static int ranges_cover(const struct ranges *s, uintptr_t start, uintptr_t end)
{
	int progress = 1;

	while (start < end && progress) {
		progress = 0;
		for (size_t i = 0; i < s->n; i++)
			if (s->r[i].start <= start && s->r[i].end > start) {
				start = s->r[i].end;
				progress = 1;
			}
	}
	return start >= end;
}

/* Whether `a` and `b` cover the same addresses. */
static int ranges_same(const struct ranges *a, const struct ranges *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!ranges_cover(b, a->r[i].start, a->r[i].end))
			return 0;
	for (size_t i = 0; i < b->n; i++)
		if (!ranges_cover(a, b->r[i].start, b->r[i].end))
			return 0;
	return 1;
}

/* ---- what the library maps, what the kernel says ----------------------- */

/* Calls are tracked only while an input runs: libFuzzer's own are not
 * the library's. */
static int tracking;
static struct ranges held;     /* mapped by the library, not unmapped */
static struct ranges expected; /* what it should hold */
static size_t psize, huge_default;

static size_t round_up(size_t n, size_t unit)
{
	return n > SIZE_MAX - unit + 1 ? SIZE_MAX & ~(unit - 1)
				       : (n + unit - 1) & ~(unit - 1);
}

/* The length mmap(2) really maps for these flags. */
static size_t mapped_length(size_t len, int flags)
{
	const int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

	if (!(flags & MAP_HUGETLB))
		return round_up(len, psize);
	return round_up(len, shift ? (size_t)1 << shift : huge_default);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	void *p = __real_mmap(addr, len, prot, flags, fd, off);

	if (p != MAP_FAILED && tracking)
		ranges_add(&held, (uintptr_t)p,
			   (uintptr_t)p + mapped_length(len, flags));
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int ret = __real_munmap(addr, len);

	if (ret == 0 && tracking)
		ranges_sub(&held, (uintptr_t)addr,
			   (uintptr_t)addr + round_up(len, psize));
	return ret;
}

/* /proc/self/maps as ranges (neighbours merged), read without malloc. */
static void read_maps(struct ranges *out)
{
	static char buf[1 << 20];
	ssize_t len = 0, n;
	int fd = open("/proc/self/maps", O_RDONLY);
	char *line;

	FAIL_IF(fd < 0);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	out->n = 0;
	for (line = buf; *line != '\0';) {
		char *end;
		uintptr_t a = strtoull(line, &end, 16);
		uintptr_t b = strtoull(end + 1, &end, 16);

		if (out->n > 0 && out->r[out->n - 1].end == a)
			out->r[out->n - 1].end = b;
		else if (out->n < MAX_RANGES)
			out->r[out->n++] = (struct range){a, b};
		line = strchr(end, '\n');
		if (line == NULL)
			break;
		line++;
	}
}

static void dump_ranges(const char *what, const struct ranges *s)
{
	fprintf(stderr, "%s:", what);
	for (size_t i = 0; i < s->n; i++)
		fprintf(stderr, " %lx-%lx", (unsigned long)s->r[i].start,
			(unsigned long)s->r[i].end);
	fprintf(stderr, "\n");
}

/*
 * After every call: the library holds exactly the expected mappings; the
 * kernel has them; and in the arena, nothing else is mapped.
 */
static void check_mappings(void)
{
	static struct ranges maps;

	read_maps(&maps);
	/* A hugetlb munmap(2) of an unaligned length may unmap the whole
	 * huge page: trust the kernel for what is gone. */
	for (size_t i = 0; i < held.n; i++)
		if (!ranges_cover(&maps, held.r[i].start, held.r[i].end)) {
			ranges_sub(&held, held.r[i].start, held.r[i].end);
			i = (size_t)-1;
		}
	if (!ranges_same(&held, &expected)) {
		dump_ranges("held by the library", &held);
		dump_ranges("expected", &expected);
		FAIL_IF(!ranges_same(&held, &expected));
	}
	for (size_t i = 0; i < maps.n; i++) {
		uintptr_t a = maps.r[i].start, b = maps.r[i].end;

		if (a < ARENA)
			a = ARENA;
		if (b > ARENA + ARENA_SIZE)
			b = ARENA + ARENA_SIZE;
		FAIL_IF(a < b && !ranges_cover(&expected, a, b));
	}
}

/* ---- the input ---------------------------------------------------------- */

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned int u8(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint32_t u32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | u8(in);
	return v;
}

static unsigned int pick(struct input *in, unsigned int n)
{
	return u8(in) % n;
}

/* ---- the state ---------------------------------------------------------- */

struct mapping {
	char *ptr;
	size_t size;	 /* as asked */
	size_t len;	 /* as mapped */
	int area;	 /* index in areas */
	int touchable;	 /* writing it cannot fault */
	int hugetlb_opt; /* MAP_HUGETLB from the options */
};

static struct aml_area *areas[MAX_AREAS];
static struct mapping maps[MAX_MAPS];
static int nmaps;
static int memfd = -1;
static int allowed[AML_BITMAP_MAX], nallowed;
static FILE *devnull;

static int is_one_of(int v, const int *ok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v == ok[i])
			return 1;
	return 0;
}

#define EXPECT_ONE_OF(v, ...)                                                  \
	do {                                                                   \
		const int ok_[] = {__VA_ARGS__};                               \
		const int v_ = (v);                                            \
		if (!is_one_of(v_, ok_, sizeof(ok_) / sizeof(ok_[0]))) {       \
			fprintf(stderr, "linux_area: %s gave %d (line %d)\n",  \
				#v, v_, __LINE__);                             \
			abort();                                               \
		}                                                              \
	} while (0)

/*
 * Set up, before mappings are tracked, what the library keeps for the
 * whole process: the pagemap's huge zero page region (mapped at its first
 * page query of at least 32 pages, where the pagemap gives frames).
 */
static void warm_up(void)
{
	const size_t len = 64 * psize;
	int status[64];
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	FAIL_IF(p == MAP_FAILED);
	memset(p, 1, len);
	FAIL_IF(aml_linux_query_pages(p, len, status, 0) != AML_SUCCESS);
	munmap(p, len);
}

static void setup(void)
{
	struct aml_bitmap mask;
	char line[128];
	FILE *f;

	psize = (size_t)sysconf(_SC_PAGESIZE);
	huge_default = 2 * MIB;
	f = fopen("/proc/meminfo", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Hugepagesize:", 13) == 0)
			huge_default = (size_t)strtoul(line + 13, NULL, 10)
				       << 10;
	if (f != NULL)
		fclose(f);
	memfd = memfd_create("aml-fuzz", 0);
	FAIL_IF(memfd < 0 || ftruncate(memfd, (off_t)FILE_SIZE) != 0);
	devnull = fopen("/dev/null", "w");
	FAIL_IF(devnull == NULL);
	aml_bitmap_zero(&mask);
	FAIL_IF(get_mempolicy(NULL, mask.mask, AML_BITMAP_MAX + 1, NULL,
			      MPOL_F_MEMS_ALLOWED) != 0);
	for (int i = 0; i < AML_BITMAP_MAX; i++)
		if (aml_bitmap_isset(&mask, (unsigned int)i) == 1)
			allowed[nallowed++] = i;
	FAIL_IF(nallowed == 0);
	warm_up();
}

/* What the fuzzer knows of each area. */
struct area_info {
	int policy;
	size_t huge; /* huge page size of a hugetlb area, else 0 */
};

static struct area_info info[MAX_AREAS];

static const struct aml_area *area_at(int i)
{
	return i < 0 ? &aml_area_linux : areas[i];
}

static struct aml_area_linux_data *linux_data(int i)
{
	return (struct aml_area_linux_data *)area_at(i)->data;
}

static int area_in_use(int i)
{
	for (int k = 0; k < nmaps; k++)
		if (maps[k].area == i)
			return 1;
	return 0;
}

/* ---- create and destroy ------------------------------------------------- */

static void random_mask(struct input *in, struct aml_bitmap *mask)
{
	aml_bitmap_zero(mask);
	switch (pick(in, 4)) {
	case 0:
		for (int i = 0; i < nallowed; i++)
			aml_bitmap_set(mask, (unsigned int)allowed[i]);
		break;
	case 1:
		aml_bitmap_set(mask, (unsigned int)allowed[pick(in, nallowed)]);
		break;
	case 2: /* any nodes, most of them absent */
		mask->mask[0] = u32(in);
		break;
	default: /* empty */
		break;
	}
}

static void random_attr(struct input *in, struct aml_area_linux_attr *attr)
{
	static const size_t huge[] = {0, 2 * MIB, 1024 * MIB, 4096, 3 * MIB};
	static const size_t units[] = {0, 4096, 2 * MIB, 100};
	static unsigned char weights[AML_BITMAP_MAX];
	const unsigned int f = u8(in);

	attr->flags = f & 7;
	if (f & 8)
		attr->flags |= 1UL << (f >> 4);
	attr->hugetlb_page_size = huge[pick(in, 5)];
	attr->populate_threads = pick(in, 6);
	attr->weights = NULL;
	attr->weight_unit = units[pick(in, 4)];
	if (pick(in, 3) == 0) {
		for (int i = 0; i < nallowed; i++)
			weights[allowed[i]] = (unsigned char)pick(in, 4);
		attr->weights = weights;
	}
}

static void op_create(struct input *in)
{
	static const int policies[] = {0, 1, 2, 3, 4, 5, 6, 7, 100};
	const int slot = (int)pick(in, MAX_AREAS);
	struct aml_area_linux_attr attr;
	struct aml_bitmap mask;
	const int with_mask = pick(in, 4) != 0, with_attr = pick(in, 2);
	const int policy = policies[pick(in, 9)];
	int err;

	if (areas[slot] != NULL || area_in_use(slot))
		return;
	random_mask(in, &mask);
	random_attr(in, &attr);
	err = aml_area_linux_create_attr(&areas[slot], with_mask ? &mask : NULL,
					 (enum aml_area_linux_policy)policy,
					 with_attr ? &attr : NULL);
	EXPECT_ONE_OF(err, AML_SUCCESS, -AML_EINVAL, -AML_EDOM, -AML_ENOTSUP,
		      -AML_ENOMEM);
	FAIL_IF((err == AML_SUCCESS) != (areas[slot] != NULL));
	info[slot].policy = policy;
	info[slot].huge = 0;
	if (err == AML_SUCCESS && with_attr &&
	    (attr.flags & AML_AREA_LINUX_FLAG_HUGETLB))
		info[slot].huge = attr.hugetlb_page_size
				      ? attr.hugetlb_page_size
				      : huge_default;
}

static void op_destroy(struct input *in)
{
	const int slot = (int)pick(in, MAX_AREAS);

	if (area_in_use(slot))
		return;
	aml_area_linux_destroy(&areas[slot]);
	FAIL_IF(areas[slot] != NULL);
}

/* ---- mmap -----------------------------------------------------------------
 */

static size_t random_size(struct input *in)
{
	const size_t sizes[] = {1,
				psize - 1,
				psize,
				3 * psize + 1,
				2 * MIB - psize,
				2 * MIB,
				2 * MIB + psize,
				5 * MIB + 123,
				16 * MIB};
	const unsigned int i = pick(in, 12);

	if (i < sizeof(sizes) / sizeof(sizes[0]))
		return sizes[i];
	return 1 + u32(in) % (16 * MIB);
}

/* Whether [p, p + len) overlaps a mapping of the fuzzer. */
static int overlaps_live(uintptr_t p, size_t len)
{
	for (int k = 0; k < nmaps; k++)
		if (p < (uintptr_t)maps[k].ptr + maps[k].len &&
		    (uintptr_t)maps[k].ptr < p + len)
			return 1;
	return 0;
}

/* An address in the arena, page aligned, 2 MiB aligned, or not at all. */
static uintptr_t arena_address(struct input *in, size_t len)
{
	const size_t room = len < ARENA_SIZE ? ARENA_SIZE - len : 0;
	uintptr_t off = room ? u32(in) % room : 0;

	switch (pick(in, 4)) {
	case 0:
		off &= ~(uintptr_t)(2 * MIB - 1);
		break;
	case 1:
		off = (off & ~(uintptr_t)(2 * MIB - 1)) + psize;
		break;
	case 2:
		off |= 1;
		break;
	default:
		off &= ~(uintptr_t)(psize - 1);
	}
	return ARENA + (off < room ? off : 0);
}

static int random_flags(struct input *in)
{
	static const int types[] = {
	    MAP_PRIVATE,	 MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED,
	    MAP_SHARED_VALIDATE, 0,	      MAP_TYPE};
	const unsigned int b = u8(in);
	int flags = types[pick(in, 7)];

	if (b & 1)
		flags |= MAP_HUGETLB;
	if (b & 2)
		flags |= MAP_NORESERVE;
	if (b & 4)
		flags |= MAP_POPULATE;
	if (b & 8)
		flags |= (b & 16) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	if (b & 32)
		flags |= (b & 64) ? MAP_HUGE_2MB : MAP_HUGE_1GB;
	if (!(b & 128) || pick(in, 4) != 0)
		flags |= MAP_ANONYMOUS;
	return flags;
}

/* The options of one mmap: flags, address, file. */
static void random_options(struct input *in,
			   struct aml_area_linux_mmap_options *o, size_t size)
{
	static const int modes[] = {PROT_READ | PROT_WRITE,
				    PROT_READ | PROT_WRITE, PROT_READ,
				    PROT_NONE};
	const off_t offsets[] = {0, (off_t)psize, 3 * (off_t)psize,
				 -(off_t)psize, 123};

	o->flags = random_flags(in);
	o->mode = modes[pick(in, 4)];
	o->fd = -1;
	o->offset = 0;
	if (!(o->flags & MAP_ANONYMOUS)) {
		const int fds[] = {memfd, memfd, -1, 12345};

		o->fd = fds[pick(in, 4)];
		o->offset = offsets[pick(in, 5)];
	}
	o->ptr = NULL;
	if (o->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (pick(in, 5) != 0)
			o->ptr = (void *)arena_address(in, size);
	} else if (pick(in, 3) == 1) {
		o->ptr = (void *)arena_address(in, size);
	} else if (pick(in, 3) == 2) {
		o->ptr = (void *)((uintptr_t)u32(in) << 12);
	}
}

/* The length of the held range starting at `p`. */
static size_t held_length(const void *p)
{
	for (size_t i = 0; i < held.n; i++)
		if (held.r[i].start == (uintptr_t)p)
			return held.r[i].end - held.r[i].start;
	return 0;
}

/* Write every page of a new mapping; a bind or interleave area's pages
 * must then lie where its policy says. */
static void touch_and_check(const struct mapping *m, int anonymous)
{
	for (size_t off = 0; off < m->size; off += psize)
		m->ptr[off] = 1;
	if (m->area < 0 || !anonymous ||
	    (info[m->area].policy != AML_AREA_LINUX_POLICY_BIND &&
	     info[m->area].policy != AML_AREA_LINUX_POLICY_INTERLEAVE))
		return;
	EXPECT_ONE_OF(
	    aml_area_linux_check_binding(linux_data(m->area), m->ptr, m->size),
	    1);
}

static void op_mmap(struct input *in)
{
	struct aml_area_linux_mmap_options o;
	const int a = (int)pick(in, MAX_AREAS + 1) - 1;
	const int with_opts = pick(in, 4) != 0;
	const size_t size = random_size(in);
	struct mapping *m = &maps[nmaps];
	char *p;

	if (nmaps == MAX_MAPS || (a >= 0 && areas[a] == NULL))
		return;
	random_options(in, &o, size);
	/* Replace nothing but the arena's free space. */
	if (with_opts && (o.flags & MAP_FIXED) &&
	    overlaps_live((uintptr_t)o.ptr, size + 1024 * MIB))
		return;
	aml_errno = AML_SUCCESS;
	p = aml_area_mmap(area_at(a), size,
			  with_opts ? (struct aml_area_mmap_options *)&o
				    : NULL);
	if (p == NULL) {
		EXPECT_ONE_OF(aml_errno, AML_EINVAL, AML_ENOMEM, AML_ENOTSUP,
			      AML_FAILURE);
		check_mappings();
		return;
	}
	FAIL_IF((uintptr_t)p % psize != 0);
	FAIL_IF(with_opts && (o.flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) &&
		p != o.ptr);
	*m = (struct mapping){
	    .ptr = p, .size = size, .len = held_length(p), .area = a};
	FAIL_IF(m->len < size);
	m->hugetlb_opt = with_opts && (o.flags & MAP_HUGETLB);
	m->touchable =
	    !m->hugetlb_opt && (a < 0 || info[a].huge == 0) &&
	    (!with_opts || ((o.mode & PROT_WRITE) &&
			    ((o.flags & MAP_ANONYMOUS) ||
			     o.offset + (off_t)m->len <= (off_t)FILE_SIZE)));
	ranges_add(&expected, (uintptr_t)p, (uintptr_t)p + m->len);
	nmaps++;
	check_mappings();
	if (m->touchable)
		touch_and_check(m, !with_opts || (o.flags & MAP_ANONYMOUS));
}

/* ---- munmap ---------------------------------------------------------------
 */

/* The size to give munmap: hugetlb mappings of the options are unmapped
 * with their size rounded up to the huge page, as the header says. */
static size_t unmap_size(const struct mapping *m)
{
	return m->hugetlb_opt ? m->len : m->size;
}

static void drop_mapping(int k)
{
	ranges_sub(&expected, (uintptr_t)maps[k].ptr,
		   (uintptr_t)maps[k].ptr + maps[k].len);
	maps[k] = maps[--nmaps];
}

static void op_munmap(struct input *in)
{
	const int k = nmaps ? (int)pick(in, (unsigned int)nmaps) : -1;
	const struct aml_area *area;

	if (k < 0)
		return;
	area = area_at(maps[k].area);
	switch (pick(in, 6)) {
	case 0: /* not page aligned */
		EXPECT_ONE_OF(aml_area_munmap(area, maps[k].ptr + 1, psize),
			      -AML_EINVAL);
		break;
	case 1: /* past the end of the address space */
		EXPECT_ONE_OF(aml_area_munmap(area, maps[k].ptr, SIZE_MAX),
			      -AML_EINVAL);
		break;
	default:
		EXPECT_ONE_OF(
		    aml_area_munmap(area, maps[k].ptr, unmap_size(&maps[k])),
		    AML_SUCCESS);
		drop_mapping(k);
	}
	check_mappings();
}

/* ---- calls on a range -----------------------------------------------------
 */

struct span {
	char *ptr;
	size_t size;
	int wild; /* wraps or leaves the user address space */
};

/* Part of a mapping (at most 4096 pages), or a range that wraps. */
static struct span random_span(struct input *in)
{
	static const size_t wild[] = {SIZE_MAX, SIZE_MAX - 4095, SIZE_MAX / 2,
				      (size_t)1 << 57};
	struct span s = {.ptr = (char *)ARENA, .size = psize};
	const unsigned int kind = pick(in, 8);
	size_t off, len;

	if (nmaps > 0) {
		const struct mapping *m = &maps[pick(in, (unsigned int)nmaps)];

		len = m->len < 4096 * psize ? m->len : 4096 * psize;
		off = u32(in) % len;
		if (pick(in, 2))
			off &= ~(psize - 1);
		s.ptr = m->ptr + off;
		s.size = 1 + u32(in) % (len - off);
	}
	if (kind == 7) {
		s.size = wild[pick(in, 4)];
		s.wild = 1;
	}
	return s;
}

/* Inspection: query, summary, map, printing. */
static void call_inspect(struct input *in, struct span s)
{
	static int status[4096 + 1];
	struct aml_linux_placement pl;
	char buf[64];
	const int flags = pick(in, 2) ? AML_LINUX_INSPECT_POPULATE : 0;
	int ret;

	switch (pick(in, 4)) {
	case 0:
		ret = aml_linux_inspect(s.ptr, s.size, flags, &pl);
		break;
	case 1:
		ret = aml_linux_query_pages(s.ptr, s.size, status, flags);
		break;
	case 2:
		ret = aml_linux_page_map(s.ptr, s.size, buf, 5 + pick(in, 59));
		ret = ret > 0 ? AML_SUCCESS : ret;
		break;
	default:
		ret = aml_linux_placement_fprintf(devnull, "x", s.ptr, s.size);
		ret = ret > 0 ? AML_SUCCESS : ret;
	}
	if (s.wild)
		EXPECT_ONE_OF(ret, -AML_EINVAL);
	EXPECT_ONE_OF(ret, AML_SUCCESS, -AML_EINVAL, -AML_ENOTSUP, -AML_ENOMEM,
		      -AML_FAILURE);
}

/* Placement changes: move_pages, migrate, populate, check. */
static void call_place(struct input *in, struct span s)
{
	static int status[4096 + 1];
	int nodes[3], ret;
	const int a = (int)pick(in, MAX_AREAS);
	const size_t nn = 1 + pick(in, 3);

	for (size_t i = 0; i < nn; i++)
		nodes[i] = pick(in, 8) ? allowed[pick(in, nallowed)]
				       : (int)pick(in, 70);
	switch (pick(in, 4)) {
	case 0:
		ret = aml_linux_move_pages(s.ptr, s.size, nodes, nn, NULL, NULL,
					   pick(in, 2) ? status : NULL);
		EXPECT_ONE_OF(ret, AML_SUCCESS, -AML_EINVAL, -AML_EDOM,
			      -AML_ENOMEM, -AML_FAILURE);
		break;
	case 1:
		ret = aml_area_linux_migrate(area_at(areas[a] ? a : -1), s.ptr,
					     s.size, NULL, NULL,
					     pick(in, 2) ? status : NULL);
		EXPECT_ONE_OF(ret, AML_SUCCESS, -AML_EINVAL, -AML_ENOMEM,
			      -AML_FAILURE);
		break;
	case 2:
		ret = aml_linux_populate(s.ptr, s.size, (int)pick(in, 2),
					 pick(in, 5));
		EXPECT_ONE_OF(ret, AML_SUCCESS, -AML_EINVAL, -AML_ENOMEM,
			      -AML_FAILURE);
		break;
	default:
		ret = aml_area_linux_check_binding(
		    linux_data(areas[a] ? a : -1), s.ptr, s.size);
		EXPECT_ONE_OF(ret, 1, 0, -AML_EINVAL, -AML_ENOMEM,
			      -AML_FAILURE);
		ret = ret >= 0 ? AML_SUCCESS : ret;
	}
	if (s.wild)
		EXPECT_ONE_OF(ret, -AML_EINVAL);
}

static void op_range(struct input *in)
{
	const struct span s = random_span(in);

	if (pick(in, 2))
		call_inspect(in, s);
	else
		call_place(in, s);
	check_mappings();
}

/* ---- one input ------------------------------------------------------------
 */

static void release_all(void)
{
	while (nmaps > 0) {
		EXPECT_ONE_OF(aml_area_munmap(area_at(maps[0].area),
					      maps[0].ptr,
					      unmap_size(&maps[0])),
			      AML_SUCCESS);
		drop_mapping(0);
	}
	for (int i = 0; i < MAX_AREAS; i++)
		aml_area_linux_destroy(&areas[i]);
	check_mappings();
	FAIL_IF(held.n != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (psize == 0)
		setup();
	tracking = 1;
	for (int op = 0; op < MAX_OPS && in.n > 0; op++) {
		switch (pick(&in, 8)) {
		case 0:
			op_create(&in);
			break;
		case 1:
			op_destroy(&in);
			break;
		case 2:
		case 3:
			op_mmap(&in);
			break;
		case 4:
			op_munmap(&in);
			break;
		default:
			op_range(&in);
		}
	}
	release_all();
	tracking = 0;
	return 0;
}
