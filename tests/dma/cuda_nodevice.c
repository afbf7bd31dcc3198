/* The CUDA engine without a usable device (no driver, no device, or AML
 * built without CUDA): create reports AML_ENOTSUP and leaves nothing
 * behind. Skipped where a device works (tests/dma/cuda.c runs there). */
#include <aml.h>
#include <aml/dma/cuda.h>

#include "check.h"

int main(void)
{
	static const int devices[] = {-1, 0, 1, 1 << 20};
	struct aml_dma *dma;

	if (aml_support_backends(AML_BACKEND_CUDA))
		SKIP("a CUDA device works here");
	CHECK_EQ(aml_dma_cuda_create(NULL, 0), -AML_EINVAL);
	for (size_t i = 0; i < sizeof(devices) / sizeof(*devices); i++) {
		dma = (struct aml_dma *)1;
		CHECK_EQ(aml_dma_cuda_create(&dma, devices[i]), -AML_ENOTSUP);
		CHECK(dma == NULL);
		aml_dma_cuda_destroy(&dma);
	}
	aml_dma_cuda_destroy(NULL);
	/* The generic API still rejects a missing engine. */
	CHECK_EQ(aml_dma_copy(dma, &dma, &devices, 1), -AML_EINVAL);
	return 0;
}
