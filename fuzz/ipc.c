/* Fuzz the opening of handles (<aml/higher/ipc.h>). Two live objects of
 * this process are exported once: a buffer of a shareable area and a
 * replica set. An input is a mode byte then up to 64 bytes: a handle as
 * is (mode 0), or bytes XORed into the buffer's handle (1) or the set's
 * (2). Whatever it opens must be refused with AML_EINVAL, unless it is
 * exactly a valid handle, which must open the very bytes exported. No
 * input may leave a file descriptor or a mapping behind. */
#include <aml.h>
#include <aml/area/linux.h>
#include <aml/higher/ipc.h>
#include <aml/higher/replicaset.h>

#define SIZE 8192

static struct aml_area *area;
static unsigned char *buffer;
static struct aml_replicaset *rs;
static struct aml_ipc_handle valid[2];

static void fail(const char *what)
{
	fprintf(stderr, "fuzz/ipc: %s\n", what);
	abort();
}

/* The lowest free descriptor: a leak moves it (compared within one input:
 * libFuzzer's own descriptors come and go between inputs). */
static int free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void setup(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	unsigned char src[SIZE];

	if (aml_area_linux_create_attr(&area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE,
				       &attr) != AML_SUCCESS ||
	    (buffer = aml_area_mmap(area, SIZE, NULL)) == NULL)
		fail("no shareable buffer");
	for (size_t i = 0; i < SIZE; i++)
		buffer[i] = src[i] = (unsigned char)(i * 7);
	if (aml_ipc_handle_get(buffer, SIZE, &valid[0]) != AML_SUCCESS ||
	    aml_replicaset_create(&rs, SIZE, NULL) != AML_SUCCESS ||
	    aml_replicaset_init(rs, src) != AML_SUCCESS ||
	    aml_replicaset_ipc_handle_get(rs, &valid[1]) != AML_SUCCESS)
		fail("no handle");
}

/*
 * A forged handle is refused with AML_EINVAL; AML_EPERM too where its pid
 * (bytes 8-11, src/ipc/handle.c) is no longer this process's: another
 * user's process started in the same clock tick passes for the exporter
 * (run unprivileged; root may look at every process).
 */
static int refused(const struct aml_ipc_handle *h, int err)
{
	return err == AML_EINVAL ||
	       (err == AML_EPERM &&
		(memcmp(h->bytes + 8, valid[0].bytes + 8, 4) != 0));
}

static void try_buffer(const struct aml_ipc_handle *h, int is_valid)
{
	size_t size = 0;
	unsigned char *p;

	aml_errno = 0;
	p = aml_ipc_open(h, &size);
	if (!is_valid) {
		if (p != NULL || !refused(h, aml_errno))
			fail("a forged buffer handle was not refused");
		return;
	}
	if (p == NULL || size != SIZE || memcmp(p, buffer, SIZE) != 0)
		fail("the valid buffer handle did not open its bytes");
	if (aml_ipc_close(p, size) != AML_SUCCESS)
		fail("close");
}

static void try_replicas(const struct aml_ipc_handle *h, int is_valid)
{
	struct aml_replicaset *opened;
	const int err = aml_replicaset_ipc_open(&opened, h);

	if (!is_valid) {
		if (!refused(h, -err) || opened != NULL)
			fail("a forged set handle was not refused");
		return;
	}
	if (err != AML_SUCCESS || memcmp(aml_replicaset_local(opened),
					 aml_replicaset_local(rs), SIZE) != 0)
		fail("the valid set handle did not open its copies");
	aml_replicaset_destroy(&opened);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aml_ipc_handle h;
	int mode, lowest_fd;

	if (len < 1)
		return 0;
	if (area == NULL)
		setup();
	lowest_fd = free_fd();
	mode = data[0] % 3;
	memset(&h, 0, sizeof(h));
	if (mode != 0)
		h = valid[mode - 1];
	for (size_t i = 1; i < len && i <= sizeof(h.bytes); i++)
		h.bytes[i - 1] ^= data[i];
	/* Both kinds are tried on every handle: each opens as its own kind
	 * only. */
	try_buffer(&h, memcmp(&h, &valid[0], sizeof(h)) == 0);
	try_replicas(&h, memcmp(&h, &valid[1], sizeof(h)) == 0);
	if (free_fd() != lowest_fd)
		fail("a descriptor was left open");
	return 0;
}
