/*
 * Layout of a handle, little-endian:
 *
 *    0  "AMLh"           4  version (1)     5  kind    6  zero (2 bytes)
 *    8  exporter's pid  12  its descriptor of the object
 *   16  st_dev          24  st_ino
 *   32  offset          40  size
 *   48  exporter's start time
 *   56  tag: SipHash-2-4 of bytes 0-55 under the object's key
 *
 * The tag proves that the exporter made these bytes: a process that can
 * read the object's key can also map the object, so the key guards against
 * mistakes and forged ranges, not against the user's own processes.
 */
#include "ipc/handle.h"

#include <string.h>

#include "aml.h"

#define HANDLE_VERSION 1
#define HANDLE_TAGGED 56

static const unsigned char handle_magic[4] = {'A', 'M', 'L', 'h'};

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of `len` bytes. */
static uint64_t siphash(const unsigned char *key, const unsigned char *msg,
			size_t len)
{
	const uint64_t k0 = get64(key), k1 = get64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL,
			 k1 ^ 0x7465646279746573ULL};
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(v, get64(msg + i));
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)msg[i + j] << (8 * j);
	sip_block(v, last);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void aml__ipc_handle_make(const struct aml__ipc_fields *f,
			  const unsigned char *key, struct aml_ipc_handle *h)
{
	unsigned char *b = h->bytes;

	memset(b, 0, sizeof(h->bytes));
	memcpy(b, handle_magic, sizeof(handle_magic));
	b[4] = HANDLE_VERSION;
	b[5] = (unsigned char)f->kind;
	put32(b + 8, f->pid);
	put32(b + 12, f->fd);
	put64(b + 16, f->dev);
	put64(b + 24, f->ino);
	put64(b + 32, f->offset);
	put64(b + 40, f->size);
	put64(b + 48, f->start);
	put64(b + HANDLE_TAGGED, siphash(key, b, HANDLE_TAGGED));
}

int aml__ipc_handle_parse(const struct aml_ipc_handle *h,
			  struct aml__ipc_fields *f)
{
	const unsigned char *b = h->bytes;

	if (memcmp(b, handle_magic, sizeof(handle_magic)) != 0 ||
	    b[4] != HANDLE_VERSION || b[6] != 0 || b[7] != 0)
		return -AML_EINVAL;
	f->kind = b[5];
	f->pid = get32(b + 8);
	f->fd = get32(b + 12);
	f->dev = get64(b + 16);
	f->ino = get64(b + 24);
	f->offset = get64(b + 32);
	f->size = get64(b + 40);
	f->start = get64(b + 48);
	if (f->pid == 0 || f->pid > INT32_MAX || f->fd > INT32_MAX ||
	    f->size == 0 || f->offset + f->size < f->offset)
		return -AML_EINVAL;
	return AML_SUCCESS;
}

int aml__ipc_handle_tag_ok(const struct aml_ipc_handle *h,
			   const unsigned char *key)
{
	return siphash(key, h->bytes, HANDLE_TAGGED) ==
	       get64(h->bytes + HANDLE_TAGGED);
}
