/*
 * PAGEMAP_SCAN, the ioctl of /proc/self/pagemap (Linux 6.7) that reports
 * page ranges by category and may write-protect them: its definitions,
 * for system headers that predate it, and one walk over a range. Not
 * installed.
 */
#ifndef AML_TIERING_SCAN_H
#define AML_TIERING_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

struct aml__pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

struct aml__page_region {
	uint64_t start, end, categories;
};

#define AML__PAGEMAP_SCAN _IOWR('f', 16, struct aml__pm_scan_arg)
#define AML__PM_SCAN_WP_MATCHING (1 << 0)
#define AML__PM_SCAN_CHECK_WPASYNC (1 << 1)
#define AML__PAGE_IS_WRITTEN (1 << 1)
#define AML__PAGE_IS_PRESENT (1 << 3)
#define AML__PAGE_IS_HUGE (1 << 6)

/*
 * Walk [start, end) with PAGEMAP_SCAN on pagemap descriptor `fd`: the
 * pages of the categories `mask` (all of them), with `flags`; call
 * `fn(arg, region)` for each region found. Returns 0, or -1 with errno
 * (ENOTTY or EINVAL: the kernel has no PAGEMAP_SCAN).
 */
int aml__tiering_scan(int fd, uintptr_t start, uintptr_t end, uint64_t mask,
		      uint64_t flags,
		      void (*fn)(void *arg, const struct aml__page_region *r),
		      void *arg);

#endif /* AML_TIERING_SCAN_H */
