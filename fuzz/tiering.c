/* Fuzz a tiering: random sequences of add (page-aligned or not), remove
 * (exact, partial or unknown ranges), step, start and stop over a pool of
 * 64 pages, against a model of the managed ranges: each result must be
 * the one the model predicts (overlap and unknown ranges refused, step
 * refused while the thread runs), and after each step the managed page
 * count must be the model's. The tiering measures only (one tier: the
 * fuzzing machine may have one node); the pool's contents must survive.
 * An input is a sequence of 3-byte operations: opcode, first page (or a
 * byte offset), page count. */
#include <aml.h>
#include <aml/higher/tiering.h>
#include <sys/mman.h>
#include <unistd.h>

#define POOL 64

static char *pool;
static size_t page;
/* owner[i]: 1 + the first page of the model range holding page i, or 0. */
static int owner[POOL];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz/tiering: %s\n", what);
	abort();
}

static struct aml_tiering *make(void)
{
	struct aml_bitmap all;
	struct aml_tiering_attr a = {
	    .fast = &all, .flags = AML_TIERING_MEASURE_ONLY, .interval_ms = 1};
	struct aml_tiering *t = NULL;

	aml_bitmap_zero(&all);
	if (get_mempolicy(NULL, all.mask, AML_BITMAP_MAX + 1, NULL,
			  MPOL_F_MEMS_ALLOWED) != 0)
		fail("get_mempolicy");
	if (aml_tiering_create(&t, &a) != AML_SUCCESS)
		return NULL;
	return t;
}

static int free_run(size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		if (owner[i])
			return 0;
	return 1;
}

/* Add pages [first, first + n) (clipped to the pool), `offset` bytes
 * off a page boundary: refused unless aligned, not empty and free. */
static void add(struct aml_tiering *t, size_t first, size_t n, int offset)
{
	int want, rc;

	if (first + n > POOL)
		n = POOL - first;
	want =
	    n > 0 && !offset && free_run(first, n) ? AML_SUCCESS : -AML_EINVAL;
	rc = aml_tiering_add(t, pool + first * page + offset, n * page);
	if (rc != want)
		fail("add: not what the model says");
	if (rc == AML_SUCCESS)
		for (size_t i = first; i < first + n; i++)
			owner[i] = (int)first + 1;
}

static void rem(struct aml_tiering *t, size_t first, size_t n)
{
	int exact = first + n <= POOL && n > 0 &&
		    owner[first] == (int)first + 1 &&
		    (first + n == POOL || owner[first + n] != (int)first + 1);
	int rc;

	for (size_t i = first; exact && i < first + n; i++)
		exact = owner[i] == (int)first + 1;
	rc = aml_tiering_remove(t, pool + first * page, n * page);
	if (rc != (exact ? AML_SUCCESS : -AML_EINVAL))
		fail("remove: not what the model says");
	for (size_t i = first; exact && i < first + n; i++)
		owner[i] = 0;
}

static void step(struct aml_tiering *t, int running)
{
	struct aml_tiering_stats s;
	size_t managed = 0;
	int rc = aml_tiering_step(t);

	if (rc != (running ? -AML_EBUSY : AML_SUCCESS))
		fail("step: not what the model says");
	for (size_t i = 0; i < POOL; i++)
		managed += owner[i] != 0;
	if (aml_tiering_get_stats(t, &s) != AML_SUCCESS)
		fail("stats");
	if (!running && s.pages_managed != managed)
		fail("step: managed pages differ from the model");
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct aml_tiering *t;
	int running = 0;

	if (pool == NULL) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		pool = mmap(NULL, POOL * page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pool == MAP_FAILED)
			fail("mmap");
		memset(pool, 0x5a, POOL * page);
	}
	memset(owner, 0, sizeof(owner));
	if ((t = make()) == NULL)
		return 0;
	for (size_t k = 0; k + 3 <= size && k < 3 * 200; k += 3) {
		size_t first = data[k + 1] % POOL, n = data[k + 2] % (POOL + 1);

		switch (data[k] % 6) {
		case 0:
			add(t, first, n, 0);
			break;
		case 1:
			add(t, first, n ? n : 1, 1 + data[k + 2] % 64);
			break;
		case 2:
			rem(t, first, n);
			break;
		case 3:
			step(t, running);
			break;
		case 4:
			running =
			    aml_tiering_start(t) == AML_SUCCESS || running;
			break;
		default:
			if (aml_tiering_stop(t) !=
			    (running ? AML_SUCCESS : -AML_EINVAL))
				fail("stop: not what the model says");
			running = 0;
		}
	}
	aml_tiering_destroy(&t);
	for (size_t i = 0; i < POOL * page; i++)
		if (pool[i] != 0x5a)
			fail("the pool's contents changed");
	return 0;
}
