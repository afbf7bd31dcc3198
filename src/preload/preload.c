/*
 * libaml-preload.so: with LD_PRELOAD, the program's malloc family goes
 * through here. Allocations of at least AML_PRELOAD_MIN_SIZE bytes are
 * mapped by an AML area chosen by the environment (config.h); the rest
 * stay with the system allocator, reached with dlsym(RTLD_NEXT).
 *
 * The traps, and what avoids them:
 * - dlsym may allocate before the system allocator is known: those
 *   requests are served from a static buffer, whose blocks are never
 *   freed (free() recognises and ignores them).
 * - AML itself allocates (area creation, hwloc): a per-thread flag sends
 *   what AML asks for while it works for us to the system allocator.
 * - free() must tell AML's pointers from the system's, including those
 *   made before the library was ready: AML's are page-aligned, so only
 *   page-aligned pointers are looked up, and only while AML has any.
 * - fork: the table's lock is held across fork (pthread_atfork).
 * - A bad setting: one line on stderr, and every allocation stays with
 *   the system allocator.
 * With AML_PRELOAD_ALL=1, allocations under the threshold go to an AML
 * heap on the same area instead of the system allocator; free() asks
 * aml_allocator_of() (lock-free) whose a pointer is.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aml.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/heap.h"
#include "aml/higher/tiering.h"
#include "cli/parse.h"
#include "config.h"
#include "table.h"

#define EXPORT __attribute__((visibility("default")))
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)

/* glibc's own entry points: used if dlsym cannot give the next ones. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static struct {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*memalign)(size_t, size_t);
	size_t (*usable_size)(void *);
} sys;

enum { SYS_UNKNOWN, SYS_RESOLVING, SYS_READY };
static atomic_int sys_state;
/*
 * Requests under this size go straight to the system allocator: 0 until
 * it is known, then the threshold (0 again with a heap for small blocks).
 * Then malloc, free, calloc and realloc of small blocks are a test or two
 * and a tail call.
 */
static atomic_size_t fast_limit;

/*
 * Memory handed out while dlsym runs; never reused. Its blocks are
 * page-aligned, so that free() needs no test for them on its fast path.
 */
#define BOOT_SIZE (256 * 1024)
#define BOOT_HEADER 16
static _Alignas(64) char boot[BOOT_SIZE];
static atomic_size_t boot_used;

/* Set once by the constructor, read by every call. */
static struct aml_area *area;
/* With AML_PRELOAD_ALL: allocations under min_size. */
static struct aml_allocator *heap;
/* With the tier policy: manages every AML mapping (not in a child after
 * fork, which has no tiering thread). */
static struct aml_tiering *tiering;
static struct aml_preload_config config;
static size_t min_size = SIZE_MAX;
static size_t page_size = 4096;
/* Live AML mappings: free() skips the table while there are none. */
static atomic_size_t nmappings;

/* Nonzero while this thread runs AML code for the library. */
static __thread int busy __attribute__((tls_model("initial-exec")));

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) & ~(to - 1);
}

static void *boot_alloc(size_t size, size_t align)
{
	size_t cur = atomic_load(&boot_used), off, next;

	if (align < 4096)
		align = 4096;
	do {
		off = round_up(cur + BOOT_HEADER, align);
		next = off + round_up(size, BOOT_HEADER);
		if (size > BOOT_SIZE || next > BOOT_SIZE) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!atomic_compare_exchange_weak(&boot_used, &cur, next));
	memcpy(boot + off - sizeof(size_t), &size, sizeof(size_t));
	return boot + off;
}

static int in_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
	size_t size;

	memcpy(&size, (const char *)p - sizeof(size_t), sizeof(size_t));
	return size;
}

static size_t libc_usable_size(void *p)
{
	(void)p;
	return 0;
}

#define NEXT(name, fallback)                                                   \
	do {                                                                   \
		sys.name = dlsym(RTLD_NEXT, #name);                            \
		if (sys.name == NULL)                                          \
			sys.name = fallback;                                   \
	} while (0)

/* Find the system allocator. Returns 1 once it is known. */
static int resolve(void)
{
	int state = SYS_UNKNOWN;

	if (atomic_load_explicit(&sys_state, memory_order_acquire) == SYS_READY)
		return 1;
	if (!atomic_compare_exchange_strong(&sys_state, &state, SYS_RESOLVING))
		return state == SYS_READY;
	NEXT(malloc, __libc_malloc);
	NEXT(free, __libc_free);
	NEXT(calloc, __libc_calloc);
	NEXT(realloc, __libc_realloc);
	NEXT(memalign, __libc_memalign);
	sys.usable_size = dlsym(RTLD_NEXT, "malloc_usable_size");
	if (sys.usable_size == NULL)
		sys.usable_size = libc_usable_size;
	atomic_store_explicit(&sys_state, SYS_READY, memory_order_release);
	atomic_store_explicit(&fast_limit, SIZE_MAX, memory_order_release);
	return 1;
}

static inline int ready(void)
{
	return atomic_load_explicit(&sys_state, memory_order_acquire) ==
		   SYS_READY ||
	       resolve();
}

/* Whether an allocation of `size` goes to AML. */
static inline int to_aml(size_t size)
{
	return size >= min_size && !busy;
}

/* Whether a small allocation goes to the heap. */
static inline int to_heap(void)
{
	return heap != NULL && !busy;
}

/* The heap's object `p`, or NULL. */
static inline int heap_owns(const void *p)
{
	return heap != NULL && aml_allocator_of(p) == heap;
}

static void *heap_alloc(size_t size, size_t align, int zero)
{
	void *p;

	busy++;
	if (zero)
		p = aml_calloc(heap, 1, size ? size : 1);
	else if (align > 16)
		p = aml_aligned_alloc(heap, size ? size : 1, align);
	else
		p = aml_alloc(heap, size ? size : 1);
	busy--;
	return p;
}

static void heap_free(void *p)
{
	busy++;
	aml_free(heap, p);
	busy--;
}

/* Map `size` bytes aligned on `align` with the area. NULL: use the system. */
static void *aml_map(size_t size, size_t align)
{
	struct aml_preload_mapping m;
	size_t len = round_up(size, page_size);

	if (len < size || (align > page_size && len + align < len))
		return NULL;
	if (align > page_size)
		len += align;
	busy++;
	m.base = aml_area_mmap(area, len, NULL);
	if (m.base != NULL && config.populate &&
	    config.policy == AML_PRELOAD_BEST)
		aml_linux_populate(m.base, len, 1, 0);
	busy--;
	if (m.base == NULL)
		return NULL;
	m.ptr = (void *)round_up((uintptr_t)m.base, align);
	m.length = len;
	if (aml_preload_table_insert(&m) != 0) {
		aml_area_munmap(area, m.base, len);
		return NULL;
	}
	atomic_fetch_add(&nmappings, 1);
	if (tiering != NULL) {
		busy++;
		/* Unmanaged, the mapping still works, on the slow tier. */
		(void)aml_tiering_add(tiering, m.base, len);
		busy--;
	}
	return m.ptr;
}

/* Look up (and with `remove`, forget) an AML mapping. */
static int find_mapping(void *p, int remove, struct aml_preload_mapping *m)
{
	if (((uintptr_t)p & 4095) != 0 || atomic_load(&nmappings) == 0)
		return 0;
	if (!aml_preload_table_find(p, remove, m))
		return 0;
	if (remove)
		atomic_fetch_sub(&nmappings, 1);
	return 1;
}

static size_t mapping_size(const struct aml_preload_mapping *m)
{
	return m->length - (size_t)((char *)m->ptr - (char *)m->base);
}

static void aml_unmap(const struct aml_preload_mapping *m)
{
	busy++;
	if (tiering != NULL)
		(void)aml_tiering_remove(tiering, m->base, m->length);
	aml_area_munmap(area, m->base, m->length);
	busy--;
}

#define cold __attribute__((noinline, cold))
#define FAST_LIMIT() atomic_load_explicit(&fast_limit, memory_order_acquire)
/* The system's, if anyone's: AML's and boot blocks are page-aligned. */
#define SYS_POINTER(p) (((uintptr_t)(p)&4095) != 0)

static cold void *malloc_slow(size_t size)
{
	void *p;

	if (unlikely(!ready()))
		return boot_alloc(size, 0);
	if (unlikely(to_aml(size)) && (p = aml_map(size, page_size)) != NULL)
		return p;
	if (unlikely(to_heap()) && (p = heap_alloc(size, 0, 0)) != NULL)
		return p;
	return sys.malloc(size);
}

EXPORT void *malloc(size_t size)
{
	if (likely(size < FAST_LIMIT()))
		return sys.malloc(size);
	return malloc_slow(size);
}

static cold void free_slow(void *p)
{
	struct aml_preload_mapping m;

	if (p == NULL || unlikely(in_boot(p)))
		return;
	if (unlikely(find_mapping(p, 1, &m))) {
		aml_unmap(&m);
		return;
	}
	if (unlikely(heap_owns(p))) {
		heap_free(p);
		return;
	}
	if (ready())
		sys.free(p);
}

EXPORT void free(void *p)
{
	if (likely(SYS_POINTER(p) && FAST_LIMIT() != 0)) {
		sys.free(p);
		return;
	}
	free_slow(p);
}

static cold void *calloc_slow(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	/* The buffer is static and never reused: already zero. */
	if (unlikely(!ready()))
		return boot_alloc(total, 0);
	/* Fresh anonymous mappings are zero. */
	if (unlikely(to_aml(total)) && (p = aml_map(total, page_size)) != NULL)
		return p;
	if (unlikely(to_heap()) && (p = heap_alloc(total, 0, 1)) != NULL)
		return p;
	return sys.calloc(n, size);
}

EXPORT void *calloc(size_t n, size_t size)
{
	/* Both under 2^32: no overflow, and the product is small. */
	if (likely((n | size) >> 32 == 0 && n * size < FAST_LIMIT()))
		return sys.calloc(n, size);
	return calloc_slow(n, size);
}

/* Size of any block this library handed out, 0 if unknown. */
static size_t block_size(void *p)
{
	struct aml_preload_mapping m;

	if (in_boot(p))
		return boot_size(p);
	if (find_mapping(p, 0, &m))
		return mapping_size(&m);
	if (heap_owns(p))
		return aml_usable_size(heap, p);
	return ready() ? sys.usable_size(p) : 0;
}

/* Move a block to a new one of `size` bytes (any owner to any owner). */
static void *move_block(void *p, size_t size)
{
	size_t old = block_size(p);
	void *q = malloc(size);

	if (q == NULL)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	free(p);
	return q;
}

static cold void *realloc_slow(void *p, size_t size)
{
	struct aml_preload_mapping m;

	if (p == NULL)
		return malloc(size);
	if (size == 0) {
		free(p);
		return NULL;
	}
	if (unlikely(in_boot(p)) || unlikely(!ready()))
		return move_block(p, size);
	if (unlikely(find_mapping(p, 0, &m))) {
		/* Stays in its mapping while large and fitting. */
		if (to_aml(size) && size <= mapping_size(&m))
			return p;
		return move_block(p, size);
	}
	if (unlikely(heap_owns(p))) {
		void *q;

		if (to_aml(size) || busy)
			return move_block(p, size);
		busy++;
		q = aml_realloc(heap, p, size);
		busy--;
		return q;
	}
	/* The system's blocks move to AML when they grow large, or to the heap.
	 */
	if (unlikely(to_aml(size)) || unlikely(to_heap()))
		return move_block(p, size);
	return sys.realloc(p, size);
}

EXPORT void *realloc(void *p, size_t size)
{
	if (likely(SYS_POINTER(p) && size != 0 && size < FAST_LIMIT()))
		return sys.realloc(p, size);
	return realloc_slow(p, size);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

static void *aligned(size_t align, size_t size)
{
	void *p;

	if (unlikely(!ready()))
		return boot_alloc(size, align);
	if (unlikely(to_aml(size))) {
		p = aml_map(size, align > page_size ? align : page_size);
		if (p != NULL)
			return p;
	}
	if (unlikely(to_heap()) && (p = heap_alloc(size, align, 0)) != NULL)
		return p;
	return sys.memalign(align, size);
}

static int power_of_two(size_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!power_of_two(align) || align % sizeof(void *) != 0)
		return EINVAL;
	p = aligned(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!power_of_two(align)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
	/* As glibc: an alignment that is not a power of two is rounded up. */
	while (!power_of_two(align) && align < ((size_t)1 << 63))
		align = align ? (size_t)1 << (64 - __builtin_clzl(align)) : 1;
	return aligned(align, size);
}

EXPORT void *valloc(size_t size)
{
	return aligned(page_size, size);
}

EXPORT void *pvalloc(size_t size)
{
	size_t rounded = round_up(size ? size : 1, page_size);

	if (rounded < size) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned(page_size, rounded);
}

EXPORT size_t malloc_usable_size(void *p)
{
	return p == NULL ? 0 : block_size(p);
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

static void report(const char *what)
{
	char line[AML_CLI_ERRLEN * 2];
	int n = snprintf(line, sizeof(line),
			 "aml-preload: %s; running with the system allocator\n",
			 what);

	if (n > 0)
		(void)!write(STDERR_FILENO, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
}

static void forget_tiering(void)
{
	tiering = NULL;
}

/* The tier policy: a tiering over every mapping, its thread started. */
static int start_tiering(void)
{
	char why[AML_CLI_ERRLEN];
	int rc = aml_preload_tiering_create(&config, &tiering);

	if (rc == AML_SUCCESS && (rc = aml_tiering_start(tiering)) != 0)
		aml_tiering_destroy(&tiering);
	if (rc != AML_SUCCESS) {
		snprintf(why, sizeof(why), "cannot create the tiering: %s",
			 aml_strerror(rc));
		report(why);
		return -1;
	}
	pthread_atfork(NULL, NULL, forget_tiering);
	return 0;
}

__attribute__((constructor)) static void preload_init(void)
{
	char err[AML_CLI_ERRLEN * 2], why[AML_CLI_ERRLEN];
	struct aml_bitmap present;
	long page = sysconf(_SC_PAGESIZE);
	int rc;

	resolve();
	if (page > 0)
		page_size = (size_t)page;
	busy++;
	aml_cli_online_nodes(&present);
	if (aml_preload_config_parse(&config, get_env, &present, err,
				     sizeof(err)) != 0) {
		report(err);
		goto out;
	}
	rc = aml_preload_area_create(&config, &area);
	if (rc != AML_SUCCESS) {
		snprintf(why, sizeof(why), "cannot create the area: %s",
			 aml_strerror(rc));
		report(why);
		goto out;
	}
	if (config.policy == AML_PRELOAD_TIER && start_tiering() != 0) {
		aml_preload_area_destroy(&config, &area);
		goto out;
	}
	/* Small blocks go to the heap from now on. */
	if (config.all)
		atomic_store(&fast_limit, 0);
	if (config.all && (rc = aml_allocator_heap_create(&heap, area, NULL))) {
		atomic_store(&fast_limit, SIZE_MAX);
		snprintf(why, sizeof(why), "cannot create the heap: %s",
			 rc == -AML_ENOTSUP ? AML_PRELOAD_HEAP_MISSING
					    : aml_strerror(rc));
		report(why);
		aml_preload_area_destroy(&config, &area);
		goto out;
	}
	pthread_atfork(aml_preload_table_lock, aml_preload_table_unlock,
		       aml_preload_table_unlock);
	min_size = config.min_size ? config.min_size : 1;
	if (!config.all)
		atomic_store(&fast_limit, min_size);
out:
	busy--;
}
