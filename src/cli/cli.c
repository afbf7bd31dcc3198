#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

static const char help[] =
    "Usage: aml COMMAND [OPTIONS]\n"
    "Place the memory of unchanged programs, and see where it is.\n"
    "\n"
    "aml run [PLACEMENT] [--min-size=SIZE] [--all-allocations] "
    "[--populate]\n"
    "        [--] PROGRAM [ARGS...]\n"
    "  Run PROGRAM with its allocations of at least SIZE bytes placed by\n"
    "  AML (through LD_PRELOAD of libaml-preload.so); smaller ones stay\n"
    "  with the system allocator. PLACEMENT is one of (default: "
    "--interleave=all):\n"
    "    --interleave=NODES   pages round-robin over NODES\n"
    "    --bind=NODES         pages only on NODES\n"
    "    --preferred=NODE     pages on NODE while it has room\n"
    "    --weights=N:W,...    runs of W blocks of 2 MiB (the huge page size)\n"
    "                         on node N in turn (AML's own weighted\n"
    "                         interleave, any kernel)\n"
    "    --best=CRITERION     the best node for the allocating thread:\n"
    "                         bandwidth, latency (from the firmware's HMAT),\n"
    "                         capacity or local\n"
    "    --tier=FAST:SLOW     pages start on the SLOW nodes; a thread of the\n"
    "                         program moves the hot ones to the FAST nodes\n"
    "                         and back as they cool (<aml/higher/tiering.h>)\n"
    "  --fast-capacity=SIZE   with --tier: bytes allowed on the FAST nodes\n"
    "                         (default: half their free memory)\n"
    "  --min-size=SIZE        smallest allocation placed by AML (default "
    "1M);\n"
    "                         SIZE is bytes with an optional K, M, G, T\n"
    "  --all-allocations     every allocation, small ones included, on a\n"
    "                         heap in the placement\n"
    "  --populate             place pages when memory is allocated, not at\n"
    "                         first touch\n"
    "  --preload=PATH         the preload library to use (default: next to\n"
    "                         this program, or AML_PRELOAD_LIBRARY)\n"
    "  NODES: all, N, N-M, N,M,... or !NODES (every node but those), as\n"
    "  numactl. PROGRAM is looked up in PATH.\n"
    "\n"
    "aml show [PID] [--json] [--width=N]\n"
    "  Every memory mapping of process PID (this one by default): its\n"
    "  address range, size, what backs it (heap, stack, anonymous, a file),\n"
    "  its policy and nodes, its pages on each node, and a page map: one\n"
    "  character per page, or per run of pages when the mapping has more\n"
    "  than N (default 64) pages: the node (0-9, a-z, A-Z), '.' for no page\n"
    "  placed, '*' for pages on several nodes. Runs are sampled (at most 8\n"
    "  pages each); the per-node counts are exact. Colours on a terminal\n"
    "  (not with NO_COLOR set). Then the counters of each tiering of the\n"
    "  process (`aml run --tier`, or the program's own): its tiers, epochs,\n"
    "  pages on each tier, hot pages, pages promoted, demoted and busy.\n"
    "\n"
    "aml nodes [--json]\n"
    "  The machine's memories: each node's CPUs, total and free memory,\n"
    "  whether it is memory-only (no CPU: HBM, CXL...), the bandwidth and\n"
    "  latency from each CPU node where the firmware publishes them, and\n"
    "  the node distances.\n"
    "\n"
    "aml --help | --version\n"
    "\n"
    "Exit status: 0 on success; 1 when the system refuses (another user's\n"
    "process, no such process); 2 for a usage error (unknown option, bad\n"
    "node list or size), with one line saying which. `aml run` exits with\n"
    "PROGRAM's status, 127 if PROGRAM is not found, 126 if it cannot be\n"
    "executed.\n"
    "\n"
    "Environment read by libaml-preload.so (`aml run` sets it): "
    "AML_PRELOAD_POLICY\n"
    "(default, bind, preferred, interleave, weighted, bandwidth, latency,\n"
    "capacity, local, tier), AML_PRELOAD_NODES, AML_PRELOAD_WEIGHTS,\n"
    "AML_PRELOAD_TIER=FAST:SLOW, AML_PRELOAD_FAST_CAPACITY,\n"
    "AML_PRELOAD_MIN_SIZE, AML_PRELOAD_ALL=1, AML_PRELOAD_POPULATE=1. A bad\n"
    "value is reported once on stderr and the program runs with the system\n"
    "allocator.\n";

void aml_cli_help(FILE *f)
{
	fputs(help, f);
}

int aml_cli_usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;

	if (sub != NULL)
		fprintf(stderr, "aml %s: ", sub);
	else
		fputs("aml: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (aml --help)\n", stderr);
	return AML_CLI_EXIT_USAGE;
}

char *aml_cli_human_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}
