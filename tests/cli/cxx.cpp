// C++ under the preload library: new/delete, new[]/delete[], aligned
// new, std::vector growing across the threshold, std::string, std::map.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <numeric>
#include <string>
#include <vector>

#include "preloaded.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			std::fprintf(stderr, "%s:%d: check failed: %s\n",      \
				     __FILE__, __LINE__, #c);                  \
			std::exit(1);                                          \
		}                                                              \
	} while (0)

struct alignas(256) wide {
	double x[32];
};

int main(int, char **argv)
{
	preload_self(argv);
	std::vector<long> v;
	for (long i = 0; i < (1 << 21); i++) // 16 MiB at the end
		v.push_back(i);
	CHECK(std::accumulate(v.begin(), v.end(), 0L) ==
	      (long)(1L << 21) * ((1L << 21) - 1) / 2);
	v.resize(100);
	v.shrink_to_fit();
	CHECK(v[99] == 99);

	auto *big = new double[1 << 20];
	for (int i = 0; i < (1 << 20); i++)
		big[i] = i;
	CHECK(big[12345] == 12345);
	delete[] big;

	auto w = std::make_unique<wide[]>(1000);
	CHECK(reinterpret_cast<std::uintptr_t>(w.get()) % 256 == 0);

	std::map<std::string, std::string> m;
	for (int i = 0; i < 10000; i++)
		m[std::to_string(i)] = std::string(100 + i % 50, 'x');
	CHECK(m.size() == 10000 && m["42"].size() == 142);

	// (Sanitizer builds run this without the library, and their new
	// reports an impossible size instead of throwing.)
	if (preloaded())
		try {
			volatile std::size_t n = (std::size_t)1 << 62;
			auto *huge = new char[n];
			std::printf("%p\n", static_cast<void *>(huge));
			delete[] huge;
			CHECK(!"new of 4 EiB succeeded");
		} catch (const std::bad_alloc &) {
		}
	std::printf("C++: ok (preloaded: %d)\n", preloaded());
	return 0;
}
