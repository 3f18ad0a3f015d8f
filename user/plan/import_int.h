/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * import_int.h - what the importer's two halves share: import.c (the
 * entries, names, hosts and the plan it writes) and import_doc.c (the
 * markdown scanner that finds them). Not for use outside plan/import*.
 */
#ifndef RG_IMPORT_INT_H
#define RG_IMPORT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/hashidx.h"
#include "plan/plan.h"

#define IMP_MSG_LEN	384
#define IMP_TITLE_LEN	160
#define IMP_NOTE_LEN	192
#define IMP_MAX_DEPTH	7	/* heading levels 1-6, plus one */
/* names are capped below the plan's limit so that a line stays readable */
#define IMP_WORDS_LEN	41

struct imp_problem {
	int line;
	int seq;
	bool note;
	char msg[IMP_MSG_LEN];
};

struct imp_section {
	int line;
	char title[IMP_TITLE_LEN];
};

struct imp_entry {
	char name[RG_NAME_LEN];
	char host[RG_NAME_LEN];	/* host/node column of the first row, for conflicts */
	char note[IMP_NOTE_LEN];
	struct rg_cidr cidr;
	uint32_t kind;		/* RG_KIND_ZONE or RG_KIND_PREFIX */
	uint32_t role;		/* zones */
	int line;
	int section;		/* index into sections, -1 before any heading */
	int *also;		/* further source lines */
	int nalso, capalso;
};

struct imp_host {
	char name[RG_NAME_LEN];
	int line;
	int nifs;
	struct rg_host_if ifs[RG_MAX_HOST_IFS];
};

struct imp_heading {
	int level;
	int line;
	bool has_cidr;
	struct rg_cidr cidr;		/* the network (host bits cleared) */
	char literal[64];		/* the CIDR as the document writes it */
	char tag[RG_NAME_LEN];		/* short section name for row names */
};

/* unique_name(): the next suffix to try for a base, so a label that 10k rows
 * share costs one probe per row, not one per earlier row
 */
struct imp_suffix {
	char *base;
	size_t size;
	int next;
};

struct importer {
	const char *fname;	/* as given: messages */
	const char *base;	/* basename: comments in the plan */
	struct imp_entry *e;
	int n, cap;
	struct imp_host *h;
	int nh, caph;
	/* entry (or host) numbers by name, CIDR, (host, address), host name
	 * and name base (lib/hashidx.h): a document of 10k rows imports in
	 * milliseconds, not minutes
	 */
	struct rg_hidx by_name, by_cidr, by_host_addr, hosts, suffixes;
	struct imp_suffix *suf;
	int nsuf, capsuf;
	struct imp_problem *p;
	int np, capp;
	struct imp_section *s;
	int ns, caps;
	struct imp_heading stack[IMP_MAX_DEPTH];
	int depth;
	int nerrors, nnotes;
	int err;		/* -ENOMEM, sticky */
};

/* import.c: a problem of the document (note: not an error) at line */
void imp_problem(struct importer *im, int line, bool note, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* an entry named after base (made unique), or merged into the one of its
 * CIDR; its index, or -1 when it was dropped
 */
int imp_add_entry(struct importer *im, uint32_t kind, uint32_t role, const struct rg_cidr *c,
		  const char *base, const char *host, int line, int section);
void imp_add_host(struct importer *im, const char *name, const struct rg_host_if *ifs,
		  int nifs, int line);
int imp_add_section(struct importer *im, int line, const char *title);
void imp_append_note(struct imp_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the entry of CIDR c, or -1 */
int imp_find_cidr(const struct importer *im, const struct rg_cidr *c);

/* import_doc.c: the zones of the allocation strategy, then everything else */
void imp_find_zones(struct importer *im, char **lines, int nlines);
void imp_scan(struct importer *im, char **lines, int nlines);

/* import_text.c: the words of the document */
int imp_parse_range(const char *s, u128 *lo, u128 *hi, bool *v4);
bool imp_covering(u128 lo, u128 hi, bool v4, struct rg_cidr *c);
bool imp_looks_like_addr(const char *s);
char *imp_trim(char *s);
char *imp_strip_markup(char *s);
void imp_kebab(const char *in, char *out, size_t max);
bool imp_has_word(const char *kebabbed, const char *word);
void imp_section_tag(const char *title, char *out, size_t size);

#endif /* RG_IMPORT_INT_H */
