/* Fuzz replica sets: a set of random size on a random set of nodes, then
 * random sequences of fills (from a buffer, or from a copy of the set
 * itself, which must be refused), writes to one copy followed by a sync
 * from its node, lookups by node and by the calling thread. Every result
 * is checked against a model: which nodes this process may use (found at
 * start), and the bytes every copy must hold. An input is a 10-byte
 * header (size, node mask, flags) then 4-byte operations: opcode, node,
 * 16-bit value. */
#include <aml.h>
#include <aml/higher/replicaset.h>

#define MAX_SIZE 65536
#define MAX_NODE 64

static int allowed[MAX_NODE], allowed_known;
static unsigned char src[MAX_SIZE], model[MAX_SIZE];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz/replicaset: %s\n", what);
	abort();
}

/* The nodes a set may use: those a one-node set can be made on. */
static void find_allowed(void)
{
	struct aml_replicaset *rs;
	struct aml_bitmap one;

	for (int n = 0; n < MAX_NODE; n++) {
		aml_bitmap_zero(&one);
		aml_bitmap_set(&one, (unsigned int)n);
		allowed[n] =
		    aml_replicaset_create(&rs, 4096, &one) == AML_SUCCESS;
		aml_replicaset_destroy(&rs);
	}
}

/* What creating a set on `mask` must return. */
static int expected_create(size_t size, uint64_t mask, int all)
{
	if (size == 0 || (!all && mask == 0))
		return -AML_EINVAL;
	for (int n = 0; !all && n < MAX_NODE; n++)
		if ((mask >> n & 1) && !allowed[n])
			return -AML_EDOM;
	return AML_SUCCESS;
}

static int in_set(uint64_t mask, int all, int node)
{
	if (node < 0 || node >= MAX_NODE || !allowed[node])
		return 0;
	return all || (mask >> node & 1);
}

/* Every copy holds the model. */
static void check_copies(struct aml_replicaset *rs, size_t size, uint64_t mask,
			 int all)
{
	for (int n = 0; n < MAX_NODE; n++) {
		unsigned char *copy = aml_replicaset_on_node(rs, n);

		if ((copy != NULL) != in_set(mask, all, n))
			fail("on_node disagrees with the set");
		if (copy != NULL && memcmp(copy, model, size) != 0)
			fail("a copy differs from the model");
	}
}

static void step(struct aml_replicaset *rs, size_t size, uint64_t mask, int all,
		 const uint8_t *op)
{
	const int node = (int8_t)op[1];
	const unsigned int v = (unsigned int)op[2] | (unsigned int)op[3] << 8;
	unsigned char *copy = aml_replicaset_on_node(rs, node);
	int err;

	switch (op[0] % 4) {
	case 0: /* fill from a buffer */
		for (size_t i = 0; i < size; i++)
			src[i] = (unsigned char)(i * v + node);
		if (aml_replicaset_init(rs, src) != AML_SUCCESS)
			fail("init refused");
		memcpy(model, src, size);
		break;
	case 1: /* fill from a copy of the set itself */
		copy = aml_replicaset_local(rs);
		if (copy == NULL ||
		    aml_replicaset_init(rs, copy + v % size) != -AML_EINVAL)
			fail("init from a copy accepted");
		break;
	case 2: /* write one copy, then sync from it */
		err = aml_replicaset_sync(rs, node);
		if (err != (copy ? AML_SUCCESS : -AML_EDOM))
			fail("sync result");
		if (copy == NULL)
			break;
		copy[v % size] ^= (unsigned char)(v >> 8 | 1);
		model[v % size] = copy[v % size];
		if (aml_replicaset_sync(rs, node) != AML_SUCCESS)
			fail("sync refused");
		break;
	default: /* the calling thread's copy is one of the set's */
		copy = aml_replicaset_local(rs);
		if (copy == NULL || memcmp(copy, model, size) != 0)
			fail("local copy");
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aml_replicaset *rs = NULL;
	struct aml_bitmap nodes;
	uint64_t mask = 0;
	size_t size;
	int all, err;

	if (len < 10)
		return 0;
	if (!allowed_known) {
		find_allowed();
		allowed_known = 1;
	}
	size = ((size_t)data[0] | (size_t)data[1] << 8) % (MAX_SIZE + 1);
	for (int i = 0; i < 8; i++)
		mask |= (uint64_t)data[2 + i] << (8 * i);
	/* Mostly the allowed nodes, sometimes any, sometimes all of them. */
	all = (mask & 7) == 0;
	if ((mask & 7) != 7)
		for (int n = 0; n < MAX_NODE; n++)
			if (!allowed[n])
				mask &= ~((uint64_t)1 << n);
	aml_bitmap_zero(&nodes);
	for (int n = 0; n < MAX_NODE; n++)
		if (mask >> n & 1)
			aml_bitmap_set(&nodes, (unsigned int)n);
	err = aml_replicaset_create(&rs, size, all ? NULL : &nodes);
	if (err != expected_create(size, mask, all))
		fail("create result");
	if (err != AML_SUCCESS) {
		if (rs != NULL)
			fail("a failed create left a set");
		return 0;
	}
	memset(model, 0, size);
	check_copies(rs, size, mask, all);
	for (size_t off = 10; off + 4 <= len; off += 4)
		step(rs, size, mask, all, data + off);
	check_copies(rs, size, mask, all);
	aml_replicaset_destroy(&rs);
	if (rs != NULL)
		fail("destroy left the pointer");
	return 0;
}
