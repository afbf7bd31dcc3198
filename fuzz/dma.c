/* Fuzz the Linux copy engine: random sequences of copies, memsets,
 * asynchronous copies, waits and cancels with random sizes, offsets and
 * overlaps, checked against a model of the memory. Each input is a list
 * of 6-byte operations: opcode, slot, then two 16-bit values. */
#include <aml.h>
#include <aml/dma/linux.h>

#define ARENA 65536
#define SLOTS 8
#define SLOT_BYTES 8192

static struct aml_dma *dma;
static unsigned char arena[ARENA], model[ARENA];
static unsigned char source[SLOT_BYTES];
static unsigned char slot_mem[SLOTS][SLOT_BYTES];

struct slot {
	struct aml_dma_request *req, *stale;
	size_t size;
	int known; /* slot_mem holds source[0, size) once waited on */
};
static struct slot slots[SLOTS];

static unsigned int u16(const uint8_t *p)
{
	return (unsigned int)p[0] | (unsigned int)p[1] << 8;
}

static int overlap(size_t a, size_t b, size_t n)
{
	return n > 0 && (a < b ? b - a < n : a - b < n);
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz/dma: %s\n", what);
	abort();
}

static void sync_copy(unsigned int a, unsigned int b, unsigned int n)
{
	const size_t dst = a % ARENA, src = b % ARENA;
	size_t size = n % (ARENA / 2);
	int err, want;

	if (dst + size > ARENA || src + size > ARENA)
		size = ARENA - (dst > src ? dst : src);
	want = overlap(dst, src, size) ? -AML_EINVAL : AML_SUCCESS;
	err = aml_dma_copy(dma, arena + dst, arena + src, size);
	if (err != want)
		fail("copy result");
	if (err == AML_SUCCESS)
		memmove(model + dst, model + src, size);
}

static void sync_memset(unsigned int a, unsigned int n, int byte)
{
	const size_t dst = a % ARENA;
	size_t size = n % ARENA;

	if (dst + size > ARENA)
		size = ARENA - dst;
	if (aml_dma_memset(dma, arena + dst, byte, size) != AML_SUCCESS)
		fail("memset result");
	memset(model + dst, byte, size);
}

static void finish(struct slot *s, unsigned char *mem, int cancel)
{
	struct aml_dma_request *stale = s->req;
	int err;

	if (s->req == NULL) {
		/* A consumed handle must be rejected. */
		if (s->stale != NULL &&
		    aml_dma_wait(dma, &s->stale) != -AML_EINVAL)
			fail("stale request accepted");
		return;
	}
	err =
	    cancel ? aml_dma_cancel(dma, &s->req) : aml_dma_wait(dma, &s->req);
	if (err != AML_SUCCESS || s->req != NULL)
		fail("wait/cancel result");
	s->stale = stale;
	s->known = !cancel;
	if (s->known && memcmp(mem, source, s->size) != 0)
		fail("async copy contents");
}

static void async_copy(struct slot *s, unsigned char *mem, unsigned int n)
{
	if (s->req != NULL)
		finish(s, mem, 0);
	s->size = n % (SLOT_BYTES + 1);
	if (aml_dma_async_copy(dma, &s->req, mem, source, s->size) !=
	    AML_SUCCESS)
		fail("async copy result");
}

static void step(const uint8_t *op)
{
	const unsigned int i = op[1] % SLOTS, a = u16(op + 2), b = u16(op + 4);

	switch (op[0] % 6) {
	case 0:
		sync_copy(a, b, op[1] * 257u + b);
		break;
	case 1:
		sync_memset(a, b, op[1]);
		break;
	case 2:
		async_copy(&slots[i], slot_mem[i], a);
		break;
	case 3:
		finish(&slots[i], slot_mem[i], 0);
		break;
	case 4:
		finish(&slots[i], slot_mem[i], 1);
		break;
	default:
		aml_dma_linux_set_threshold(dma, (size_t)a * 4);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dma == NULL) {
		if (aml_dma_linux_create(&dma, 2) != AML_SUCCESS)
			abort();
		for (size_t i = 0; i < sizeof(source); i++)
			source[i] = (unsigned char)(i * 37 + 11);
	}
	for (size_t i = 0; i < ARENA; i++)
		arena[i] = model[i] = (unsigned char)(i * 7);
	memset(slots, 0, sizeof(slots));
	for (size_t off = 0; off + 6 <= size; off += 6)
		step(data + off);
	for (unsigned int i = 0; i < SLOTS; i++)
		finish(&slots[i], slot_mem[i], 0);
	if (memcmp(arena, model, ARENA) != 0)
		fail("arena contents");
	aml_dma_linux_set_threshold(dma, AML_DMA_LINUX_THRESHOLD);
	return 0;
}
