/*
 * Random sequences of allocator calls on the area allocator, a heap and a
 * buddy allocator: alloc, aligned_alloc, calloc, realloc, free,
 * usable_size, aml_allocator_of. Every object is filled with a byte of its
 * own, and its contents are checked before it moves or goes.
 * Input: byte 0 picks the allocator; then records of 4 bytes
 * (operation, slot, two size bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <aml.h>
#include <aml/area/linux.h>
#include <aml/higher/allocator/area.h>
#include <aml/higher/allocator/buddy.h>
#include <aml/higher/allocator/heap.h>

#define SLOTS 32

struct object {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_contents(const struct object *o)
{
	for (size_t i = 0; i < o->size; i += 1 + o->size / 64)
		check(o->p[i] == o->fill);
	check(o->p[o->size - 1] == o->fill);
}

static void fill(struct object *o, unsigned char b)
{
	o->fill = b;
	memset(o->p, b, o->size);
}

/* Sizes up to 64 KiB, and now and then up to 8 MiB. */
static size_t size_of(uint8_t hi, uint8_t lo)
{
	size_t s = ((size_t)hi << 8 | lo) + 1;

	return hi >= 0xf8 ? (size_t)(hi - 0xf7) << 20 : s;
}

static void release(struct aml_allocator *a, struct object *o)
{
	if (o->p == NULL)
		return;
	check_contents(o);
	check(aml_free(a, o->p) == AML_SUCCESS);
	o->p = NULL;
}

static void new_object(struct aml_allocator *a, struct object *o, int op,
		       size_t size, uint8_t b)
{
	size_t align = (size_t)1 << (b % 14);

	o->size = size;
	if (op == 0)
		o->p = aml_alloc(a, size);
	else if (op == 1)
		o->p = aml_aligned_alloc(a, size, align);
	else
		o->p = aml_calloc(a, 1, size);
	check(o->p != NULL);
	check(op != 1 || (uintptr_t)o->p % align == 0);
	if (op == 2)
		for (size_t i = 0; i < size; i += 61)
			check(o->p[i] == 0);
	check(aml_allocator_of(o->p) == a);
	check(aml_usable_size(a, o->p) >= size);
	fill(o, b);
}

static void resize(struct aml_allocator *a, struct object *o, size_t size,
		   uint8_t b)
{
	unsigned char *p;

	if (o->p == NULL)
		return;
	check_contents(o);
	p = aml_realloc(a, o->p, size);
	check(p != NULL);
	o->p = p;
	o->size = size < o->size ? size : o->size;
	check_contents(o);
	o->size = size;
	fill(o, b);
}

static void step(struct aml_allocator *a, struct object *objs, const uint8_t *r)
{
	struct object *o = &objs[r[1] % SLOTS];
	size_t size = size_of(r[2], r[3]);
	int local;

	switch (r[0] % 8) {
	case 0:
	case 1:
	case 2:
		release(a, o);
		new_object(a, o, r[0] % 8, size, r[3]);
		break;
	case 3:
		resize(a, o, size, r[3]);
		break;
	case 4:
		release(a, o);
		break;
	case 5:
		if (o->p != NULL)
			check(aml_usable_size(a, o->p) >= o->size);
		break;
	case 6:
		if (o->p != NULL)
			check(aml_allocator_of(o->p + size % o->size) == a);
		break;
	default:
		check(aml_free(a, &local) == -AML_EINVAL);
		check(aml_allocator_of(&local) == NULL);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct object objs[SLOTS] = {{NULL, 0, 0}};
	struct aml_allocator *a = NULL;
	int kind;

	if (size < 1)
		return 0;
	kind = data[0] % 3;
	if (kind == 0)
		check(aml_allocator_area_create(&a, &aml_area_linux, NULL) ==
		      0);
	else if (kind == 1)
		check(aml_allocator_heap_create(&a, &aml_area_linux, NULL) ==
		      0);
	else
		check(aml_allocator_buddy_create(&a, &aml_area_linux, NULL) ==
		      0);
	for (size_t i = 1; i + 4 <= size; i += 4)
		step(a, objs, data + i);
	/* Half the objects are left for destroy to reclaim. */
	for (int i = 0; i < SLOTS; i += 2)
		release(a, &objs[i]);
	if (kind == 0)
		check(aml_allocator_area_destroy(&a) == 0);
	else if (kind == 1)
		check(aml_allocator_heap_destroy(&a) == 0);
	else
		check(aml_allocator_buddy_destroy(&a) == 0);
	check(a == NULL);
	return 0;
}
