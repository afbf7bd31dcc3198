#include <aml.h>

#include "check.h"

int main(void)
{
	const unsigned long all =
	    AML_BACKEND_LIBNUMA | AML_BACKEND_CUDA | AML_BACKEND_HWLOC;

	/* Distinct single-bit flags. */
	CHECK(AML_BACKEND_LIBNUMA != 0 && AML_BACKEND_CUDA != 0 &&
	      AML_BACKEND_HWLOC != 0);
	CHECK_EQ(AML_BACKEND_LIBNUMA & (AML_BACKEND_LIBNUMA - 1), 0);
	CHECK_EQ(AML_BACKEND_CUDA & (AML_BACKEND_CUDA - 1), 0);
	CHECK_EQ(AML_BACKEND_HWLOC & (AML_BACKEND_HWLOC - 1), 0);
	CHECK_EQ(AML_BACKEND_LIBNUMA & AML_BACKEND_CUDA, 0);
	CHECK_EQ(AML_BACKEND_LIBNUMA & AML_BACKEND_HWLOC, 0);
	CHECK_EQ(AML_BACKEND_CUDA & AML_BACKEND_HWLOC, 0);

	/* Compile-time flags are 0 or 1; libnuma is required. */
	CHECK_EQ(AML_HAVE_BACKEND_LIBNUMA, 1);
	CHECK(AML_HAVE_BACKEND_CUDA == 0 || AML_HAVE_BACKEND_CUDA == 1);
	CHECK(AML_HAVE_BACKEND_HWLOC == 0 || AML_HAVE_BACKEND_HWLOC == 1);

	/* No backend asked: supported. Unknown bits: not. */
	CHECK_EQ(aml_support_backends(0), 1);
	CHECK_EQ(aml_support_backends(1UL << 20), 0);
	CHECK_EQ(aml_support_backends(~all), 0);
	CHECK_EQ(aml_support_backends(~0UL), 0);
	CHECK_EQ(aml_support_backends(AML_BACKEND_LIBNUMA | (1UL << 40)), 0);

	/* libnuma works wherever numa_available() says so. */
	CHECK_EQ(aml_support_backends(AML_BACKEND_LIBNUMA),
		 numa_available() >= 0);

	/* A backend that works was compiled in. */
	const int cuda = aml_support_backends(AML_BACKEND_CUDA);
	const int hwloc = aml_support_backends(AML_BACKEND_HWLOC);
	CHECK(cuda == 0 || cuda == 1);
	CHECK(hwloc == 0 || hwloc == 1);
	if (cuda)
		CHECK_EQ(AML_HAVE_BACKEND_CUDA, 1);
	if (hwloc)
		CHECK_EQ(AML_HAVE_BACKEND_HWLOC, 1);

	/* A set is supported exactly when each of its members is. */
	const int numa = aml_support_backends(AML_BACKEND_LIBNUMA);
	CHECK_EQ(aml_support_backends(AML_BACKEND_LIBNUMA | AML_BACKEND_CUDA),
		 numa && cuda);
	CHECK_EQ(aml_support_backends(AML_BACKEND_LIBNUMA | AML_BACKEND_HWLOC),
		 numa && hwloc);
	CHECK_EQ(aml_support_backends(all), numa && cuda && hwloc);

	/* Stable across calls (the first call may probe). */
	CHECK_EQ(aml_support_backends(AML_BACKEND_CUDA), cuda);
	CHECK_EQ(aml_support_backends(AML_BACKEND_HWLOC), hwloc);
	printf("libnuma %d, cuda %d (built %d), hwloc %d (built %d)\n", numa,
	       cuda, AML_HAVE_BACKEND_CUDA, hwloc, AML_HAVE_BACKEND_HWLOC);
	return 0;
}
