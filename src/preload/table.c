#include "table.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* Marks a slot whose mapping was removed: lookups go on past it. */
#define TOMBSTONE ((void *)1)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct aml_preload_mapping *slots;
static size_t capacity, used;

static size_t hash(const void *ptr, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)ptr >> 12;

	h *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 20) & (cap - 1);
}

static void place(struct aml_preload_mapping *tab, size_t cap,
		  const struct aml_preload_mapping *m)
{
	size_t i = hash(m->ptr, cap);

	while (tab[i].ptr != NULL && tab[i].ptr != TOMBSTONE)
		i = (i + 1) & (cap - 1);
	tab[i] = *m;
}

static size_t count_live(void)
{
	size_t live = 0;

	for (size_t i = 0; i < capacity; i++)
		live += slots[i].ptr != NULL && slots[i].ptr != TOMBSTONE;
	return live;
}

/*
 * Rebuild the table without its tombstones: twice as large when it is
 * over a quarter full of live mappings, else as large.
 */
static int grow(void)
{
	size_t cap = 1024, live = 0;
	struct aml_preload_mapping *tab;

	if (capacity != 0)
		cap = count_live() * 4 > capacity ? capacity * 2 : capacity;

	tab = mmap(NULL, cap * sizeof(*tab), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tab == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < capacity; i++) {
		if (slots[i].ptr == NULL || slots[i].ptr == TOMBSTONE)
			continue;
		place(tab, cap, &slots[i]);
		live++;
	}
	if (slots != NULL)
		munmap(slots, capacity * sizeof(*slots));
	slots = tab;
	capacity = cap;
	used = live;
	return 0;
}

int aml_preload_table_insert(const struct aml_preload_mapping *m)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	if ((used + 1) * 2 > capacity)
		rc = grow();
	if (rc == 0) {
		place(slots, capacity, m);
		used++;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int aml_preload_table_find(void *ptr, int remove, struct aml_preload_mapping *m)
{
	int found = 0;

	pthread_mutex_lock(&lock);
	for (size_t i = capacity ? hash(ptr, capacity) : 0, n = 0;
	     n < capacity && slots[i].ptr != NULL;
	     i = (i + 1) & (capacity - 1), n++) {
		if (slots[i].ptr != ptr)
			continue;
		*m = slots[i];
		/* A tombstone keeps `used`: grow() recounts. */
		if (remove)
			slots[i].ptr = TOMBSTONE;
		found = 1;
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

void aml_preload_table_lock(void)
{
	pthread_mutex_lock(&lock);
}

void aml_preload_table_unlock(void)
{
	pthread_mutex_unlock(&lock);
}
