// SPDX-License-Identifier: GPL-2.0-only
/*
 * genplan.c - rg-genplan ENTRIES: print a plan shaped like the users' with
 * about ENTRIES entries (tools/bench/genplan.h), for benchmarks and labs.
 */
#include "genplan.h"

int main(int argc, char **argv)
{
	char *t;

	if (argc != 2 || atoi(argv[1]) < 33) {
		fprintf(stderr, "usage: rg-genplan ENTRIES (at least 33)\n");
		return 2;
	}
	t = rg_gen_plan(atoi(argv[1]));
	if (!t)
		return 1;
	fputs(t, stdout);
	free(t);
	return 0;
}
