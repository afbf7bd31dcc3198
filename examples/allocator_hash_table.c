/*
 * Two hash tables whose entries are small objects from AML heaps: one heap
 * on an area interleaving over every node, one on an area bound to the
 * last node. Each table's entries land where its heap's area says; the
 * program prints the nodes of the pages holding them.
 */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>
#include <aml/higher/allocator/heap.h>

#define BUCKETS 4096
#define ENTRIES 100000

struct entry {
	unsigned long key;
	unsigned long value;
	struct entry *next;
};

struct table {
	struct aml_allocator *heap;
	struct entry **buckets;
};

static int table_put(struct table *t, unsigned long key, unsigned long value)
{
	struct entry *e = aml_alloc(t->heap, sizeof(*e));

	if (e == NULL)
		return -aml_errno;
	e->key = key;
	e->value = value;
	e->next = t->buckets[key % BUCKETS];
	t->buckets[key % BUCKETS] = e;
	return AML_SUCCESS;
}

static struct entry *table_get(const struct table *t, unsigned long key)
{
	for (struct entry *e = t->buckets[key % BUCKETS]; e; e = e->next)
		if (e->key == key)
			return e;
	return NULL;
}

/* Free every entry: aml_allocator_of() finds the heap of each. */
static void table_clear(struct table *t)
{
	for (int b = 0; b < BUCKETS; b++) {
		while (t->buckets[b] != NULL) {
			struct entry *e = t->buckets[b];

			t->buckets[b] = e->next;
			aml_free(aml_allocator_of(e), e);
		}
	}
}

/* Pages holding entries, per node, and the map of the pages around the
 * first entries. */
static int table_print(const char *name, const struct table *t)
{
	size_t pages[AML_BITMAP_MAX] = {0};
	struct entry *first = table_get(t, 0), *last = table_get(t, 2047);
	char map[72];
	void *prev = NULL;

	for (unsigned long k = 0; k < ENTRIES; k++) {
		void *page =
		    (void *)((uintptr_t)table_get(t, k) & ~(uintptr_t)4095);
		int node;

		if (page == prev)
			continue;
		prev = page;
		if (aml_linux_query_pages(page, 1, &node, 0) != AML_SUCCESS)
			return 1;
		if (node >= 0)
			pages[node]++;
	}
	printf("%s: %d entries; pages per node:", name, ENTRIES);
	for (int n = 0; n < AML_BITMAP_MAX; n++)
		if (pages[n])
			printf(" %d: %zu", n, pages[n]);
	if (last < first) {
		struct entry *swap = last;

		last = first;
		first = swap;
	}
	if (aml_linux_page_map(first,
			       (size_t)((char *)last - (char *)first) + 1, map,
			       sizeof(map)) < 0)
		return 1;
	printf("\n  pages of the first 2048 entries: %s\n", map);
	return 0;
}

static int fill(const char *name, struct aml_area *area)
{
	struct table t;
	int err;

	t.buckets = calloc(BUCKETS, sizeof(*t.buckets));
	err = aml_allocator_heap_create(&t.heap, area, NULL);
	if (t.buckets == NULL || err != AML_SUCCESS) {
		fprintf(stderr, "%s: %s\n", name, aml_strerror(err));
		return 1;
	}
	for (unsigned long k = 0; k < ENTRIES && err == AML_SUCCESS; k++)
		err = table_put(&t, k, k * k);
	for (unsigned long k = 0; k < ENTRIES && err == AML_SUCCESS; k++)
		if (table_get(&t, k)->value != k * k)
			err = -AML_FAILURE;
	if (err == AML_SUCCESS)
		err = table_print(name, &t) ? -AML_FAILURE : AML_SUCCESS;
	table_clear(&t);
	aml_allocator_heap_destroy(&t.heap);
	free(t.buckets);
	if (err != AML_SUCCESS)
		fprintf(stderr, "%s: %s\n", name, aml_strerror(err));
	return err != AML_SUCCESS;
}

int main(void)
{
	struct aml_area *interleave, *bound;
	struct aml_bitmap last;
	int node = numa_max_node();
	int err;

	/* The last node this process may use. */
	while (node > 0 &&
	       !numa_bitmask_isbitset(numa_get_mems_allowed(), (unsigned)node))
		node--;
	aml_bitmap_zero(&last);
	aml_bitmap_set(&last, (unsigned)node);
	err = aml_area_linux_create(&interleave, NULL,
				    AML_AREA_LINUX_POLICY_INTERLEAVE);
	if (err == AML_SUCCESS)
		err = aml_area_linux_create(&bound, &last,
					    AML_AREA_LINUX_POLICY_BIND);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "area: %s\n", aml_strerror(err));
		return 1;
	}
	err = fill("interleave heap", interleave);
	printf("(bound to node %d)\n", node);
	err |= fill("bind heap", bound);
	aml_area_linux_destroy(&interleave);
	aml_area_linux_destroy(&bound);
	return err;
}
