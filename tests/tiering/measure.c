/* Tiering, measurement: with every method that works here, a tiering of
 * one tier (measuring only) finds exactly the pages written in three
 * epochs running, forgets them one epoch after the writes stop, ignores
 * reads where the method sees writes only and finds the pages only read
 * where it sees reads too (DAMON), counts every placed page on its tier,
 * and counts transparent huge pages as the kernel reports them
 * (/proc/self/smaps, read independently). */
#include <stdio.h>

#include "tiering_test.h"

#define NPAGES 256
#define HOT 64

static struct aml_bitmap all, fast, slow;

static struct aml_tiering *one_tier(enum aml_tiering_method m)
{
	struct aml_tiering_attr a = {
	    .fast = &all, .method = m, .flags = AML_TIERING_MEASURE_ONLY};
	struct aml_tiering *t;

	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	return t;
}

static struct aml_tiering_stats step(struct aml_tiering *t)
{
	struct aml_tiering_stats s;

	CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	return s;
}

static void write_pages(char *p, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		p[i * tt_page() + 8]++;
}

/*
 * DAMON samples: it clears a page's accessed bit when a sample starts,
 * without flushing the TLB, and checks it when the sample ends, so an
 * access counts only if it is the first since the TLB forgot the page
 * and falls inside a sample (the tiering flushes the TLB once per epoch).
 * A program's accesses go on through an epoch and its TLB forgets pages
 * all the time; this test's burst of accesses right after a step would
 * fall between two samples (a step returns right after a check), and on a
 * loaded emulated machine the samples stretch. With DAMON, make the
 * accesses of an epoch in ROUNDS rounds a sample apart (10 ms here), each
 * after a TLB flush of the buffer (a protection change and back).
 */
#define ROUNDS 4

static int rounds(enum aml_tiering_method m)
{
	return m == AML_TIERING_METHOD_DAMON ? ROUNDS : 1;
}

static void before_round(enum aml_tiering_method m, volatile char *p)
{
	if (m != AML_TIERING_METHOD_DAMON)
		return;
	usleep(10000);
	CHECK(mprotect((char *)p, NPAGES * tt_page(), PROT_READ) == 0);
	CHECK(mprotect((char *)p, NPAGES * tt_page(), PROT_READ | PROT_WRITE) ==
	      0);
}

static void hot_and_cold(enum aml_tiering_method m)
{
	struct aml_tiering *t = one_tier(m);
	struct aml_tiering_stats s;
	volatile char *p = tt_map(NPAGES * tt_page(), 0);
	long sum = 0;

	memset((char *)p, 1, NPAGES * tt_page());
	CHECK_EQ(aml_tiering_add(t, (char *)p, NPAGES * tt_page()),
		 AML_SUCCESS);
	for (int e = 0; e < 3; e++) {
		for (int r = 0; r < rounds(m); r++) {
			before_round(m, p);
			write_pages((char *)p, 0, HOT);
		}
		s = step(t);
	}
	CHECK_EQ(s.method, m);
	CHECK_EQ(s.epochs, 3);
	CHECK_EQ(s.pages_managed, NPAGES);
	CHECK_EQ(s.pages_fast, NPAGES);
	CHECK_EQ(s.pages_slow, 0);
	CHECK_EQ(s.promoted + s.demoted, 0);
	CHECK_EQ(s.pages_hot, HOT);
	/* Reads only: seen by DAMON, the others see writes only. */
	for (int e = 0; e < 3; e++) {
		for (int r = 0; r < rounds(m); r++) {
			before_round(m, p);
			for (size_t i = 0; i < HOT; i++)
				sum += p[i * tt_page()];
		}
		s = step(t);
	}
	CHECK(sum == 3 * HOT * rounds(m));
	CHECK_EQ(s.pages_hot, m == AML_TIERING_METHOD_DAMON ? HOT : 0);
	/* Nothing at all. */
	for (int e = 0; e < 4; e++)
		s = step(t);
	CHECK_EQ(s.pages_hot, 0);
	CHECK(s.epoch_ns > 0 && s.total_ns >= s.epoch_ns);
	printf("%s: %d written pages hot after 3 epochs, %s after reads "
	       "only; %.1f us per epoch of %d pages\n",
	       aml_tiering_method_name(m), HOT,
	       m == AML_TIERING_METHOD_DAMON ? "still hot" : "cold",
	       s.epoch_ns / 1e3, NPAGES);
	aml_tiering_destroy(&t);
	munmap((char *)p, NPAGES * tt_page());
}

static void huge_units(enum aml_tiering_method m)
{
	size_t size = 8 << 20, hsize = 2 << 20;
	char *raw = tt_map(size + hsize, 1);
	char *p = (char *)(((uintptr_t)raw + hsize - 1) & ~(hsize - 1));
	struct aml_tiering *t = one_tier(m);
	struct aml_tiering_stats s;
	long kb;

	CHECK(madvise(p, size, MADV_HUGEPAGE) == 0);
	memset(p, 2, size);
	kb = tt_smaps_huge_kb(p);
	CHECK_EQ(aml_tiering_add(t, p, size), AML_SUCCESS);
	s = step(t);
	printf("%s: huge pages: kernel %ld kB, tiering %zu pages",
	       aml_tiering_method_name(m), kb, s.pages_huge);
	if (kb > 0)
		CHECK_EQ(s.pages_huge * tt_page(), (size_t)kb * 1024);
	write_pages(p, 0, size / tt_page());
	s = step(t);
	kb = tt_smaps_huge_kb(p);
	printf("; after writes: kernel %ld kB, tiering %zu pages\n", kb,
	       s.pages_huge);
	if (kb >= 0)
		CHECK_EQ(s.pages_huge * tt_page(), (size_t)kb * 1024);
	CHECK(memchr(p, 0, size) == NULL);
	aml_tiering_destroy(&t);
	munmap(raw, size + hsize);
}

int main(void)
{
	int ran = 0;

	tt_tiers(&all, &fast, &slow);
	for (int i = 0; i < TT_NMETHODS; i++) {
		enum aml_tiering_method m = tt_all_methods[i];

		if (!tt_method_works(m)) {
			printf("%s: does not work here\n",
			       aml_tiering_method_name(m));
			continue;
		}
		hot_and_cold(m);
		huge_units(m);
		ran++;
	}
	if (ran == 0)
		SKIP("no access-measuring method works here");
	return 0;
}
