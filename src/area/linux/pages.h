/* Walking the pages of a range with their node: pagemap when it can tell,
 * else move_pages(2). Not installed. */
#ifndef AML_AREA_LINUX_PAGES_H
#define AML_AREA_LINUX_PAGES_H

#include "area/linux/sys.h"

/*
 * Call `fn` on every page of [ptr, ptr + size) with its status from
 * move_pages(2) (node, or negated errno), a batch at a time. `fn` returns
 * 0 to go on, anything else to stop and have that returned.
 */
typedef int (*aml__linux_page_fn)(void *arg, uintptr_t addr, int status);
int aml__linux_pages_foreach(const void *ptr, size_t size,
			     aml__linux_page_fn fn, void *arg);

#endif /* AML_AREA_LINUX_PAGES_H */
