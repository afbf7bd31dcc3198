#include "range.h"

#include <sys/mman.h>
#include <unistd.h>

#include "aml.h"
#include "area/linux/sys.h"

size_t aml__tiering_page_size(void)
{
	return aml__linux_page_size();
}

size_t aml__tiering_huge_pages(void)
{
	return aml__linux_pmd_size() / aml__linux_page_size();
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

int aml__tiering_range_new(struct aml__tiering_range **out, uintptr_t ptr,
			   size_t size)
{
	size_t npages = size / aml__tiering_page_size();
	size_t head = align_up(sizeof(struct aml__tiering_range), 16);
	size_t len = head + npages * (sizeof(uint16_t) * 2 + 3);
	struct aml__tiering_range *r;
	char *mem;

	len = align_up(len, aml__tiering_page_size());
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -AML_ENOMEM;
	r = (struct aml__tiering_range *)mem;
	r->next = NULL;
	r->start = ptr;
	r->size = size;
	r->npages = npages;
	r->maplen = len;
	r->heat = (uint16_t *)(mem + head);
	r->node = (int16_t *)(r->heat + npages);
	r->flags = (uint8_t *)(r->node + npages);
	r->weight = r->flags + npages;
	r->mark = r->weight + npages;
	for (size_t i = 0; i < npages; i++)
		r->node[i] = AML__TIERING_NO_NODE;
	*out = r;
	return AML_SUCCESS;
}

void aml__tiering_range_free(struct aml__tiering_range *r)
{
	if (r != NULL)
		munmap(r, r->maplen);
}

int aml__tiering_range_overlaps(const struct aml__tiering_range *r,
				uintptr_t start, size_t size)
{
	for (; r != NULL; r = r->next)
		if (start < r->start + r->size && r->start < start + size)
			return 1;
	return 0;
}

void aml__tiering_range_insert(struct aml__tiering_range **head,
			       struct aml__tiering_range *r)
{
	while (*head != NULL && (*head)->start < r->start)
		head = &(*head)->next;
	r->next = *head;
	*head = r;
}

struct aml__tiering_range *
aml__tiering_range_unlink(struct aml__tiering_range **head, uintptr_t start,
			  size_t size)
{
	struct aml__tiering_range *r;

	for (; *head != NULL; head = &(*head)->next) {
		r = *head;
		if (r->start != start || r->size != size)
			continue;
		*head = r->next;
		r->next = NULL;
		return r;
	}
	return NULL;
}
