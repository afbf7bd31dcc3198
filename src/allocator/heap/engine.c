/*
 * libaml does not link tbbmalloc, so programs that use no heap (fully
 * static ones included: Debian ships no static tbbmalloc) do not need it.
 * The pool API is C++ (namespace rml) but its symbols are a stable binary
 * interface of libtbbmalloc.so.2, looked up by name, so libaml stays a C
 * library.
 */
#include "allocator/heap/engine.h"
#include "aml/higher/allocator/heap.h"
#include <dlfcn.h>
#include <pthread.h>

struct aml__tbb aml__tbb;
static pthread_once_t aml_tbb_once = PTHREAD_ONCE_INIT;
static int aml_tbb_loaded;

static void aml_tbb_open(void)
{
	static const char *const names[] = {
	    "_ZN3rml14pool_create_v1ElPKNS_13MemPoolPolicyEPPNS_10MemoryPoolE",
	    "_ZN3rml12pool_destroyEPNS_10MemoryPoolE",
	    "_ZN3rml11pool_mallocEPNS_10MemoryPoolEm",
	    "_ZN3rml12pool_reallocEPNS_10MemoryPoolEPvm",
	    "_ZN3rml19pool_aligned_mallocEPNS_10MemoryPoolEmm",
	    "_ZN3rml9pool_freeEPNS_10MemoryPoolEPv",
	    "_ZN3rml10pool_msizeEPNS_10MemoryPoolEPv",
	    "scalable_allocation_command",
	};
	void **slots = (void **)&aml__tbb;
	void *lib = dlopen(AML_ALLOCATOR_HEAP_ENGINE, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		slots[i] = dlsym(lib, names[i]);
		if (slots[i] == NULL)
			return;
	}
	aml_tbb_loaded = 1;
}

int aml__tbb_load(void)
{
	pthread_once(&aml_tbb_once, aml_tbb_open);
	return aml_tbb_loaded;
}
