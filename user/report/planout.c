// SPDX-License-Identifier: GPL-2.0-only
/*
 * planout.c - what the plan commands print: `plan diff` (a table per kind
 * of change for people, one object with -j; plan/plandiff.c computes the
 * difference) and `plan import` (the plan and the document's problems, or
 * one object with -j; plan/import.c makes the plan).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/grow.h"
#include "lib/json.h"
#include "plan/plandiff.h"
#include "lib/log.h"
#include "report/planout.h"

/* ---- output ------------------------------------------------------------- */

static const char *kind_name(uint32_t kind)
{
	return kind == RG_KIND_ZONE ? "zone" : "prefix";
}

static void allow_str(uint32_t allow, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", allow & RG_BREAKS(RG_ROLE_MESH) ? "mesh" : "",
		 (allow & RG_BREAKS(RG_ROLE_MESH)) && (allow & RG_BREAKS(RG_ROLE_EGRESS)) ? "," : "",
		 allow & RG_BREAKS(RG_ROLE_EGRESS) ? "egress" : "");
	if (!*buf)
		snprintf(buf, len, "none");
}

static void ifs_str(const struct rg_host *h, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		bool any = false;

		for (int i = 0; i < h->nifs; i++) {
			if (h->ifs[i].role != role)
				continue;
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", any ? "," :
				      n ? " " : "", any ? "" : rg_role_name(role));
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", any ? "" : " ",
				      h->ifs[i].name);
			any = true;
		}
	}
	if (h->mode_declared)
		snprintf(buf + n, n < len ? len - n : 0, " mode %s",
			 h->mode == RG_MODE_ENFORCE ? "enforce" : "monitor");
}

static void entry_json(struct rg_json *j, const char *key, const struct rg_entry *e)
{
	char cs[64];

	rg_cidr_format(&e->cidr, cs, sizeof(cs));
	rg_json_obj(j, key);
	rg_json_str(j, "kind", kind_name(e->kind));
	rg_json_str(j, "name", e->name);
	rg_json_str(j, "cidr", cs);
	if (e->kind == RG_KIND_ZONE) {
		rg_json_str(j, "role", rg_role_name(e->role));
	} else {
		rg_json_arr(j, "allow");
		for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++)
			if (e->allow & RG_BREAKS(role))
				rg_json_str(j, NULL, rg_role_name(role));
		rg_json_end(j);
	}
	rg_json_end(j);
}

static void host_json(struct rg_json *j, const char *key, const struct rg_host *h)
{
	rg_json_obj(j, key);
	rg_json_str(j, "kind", "host");
	rg_json_str(j, "name", h->name);
	for (uint32_t role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++) {
		rg_json_arr(j, rg_role_name(role));
		for (int i = 0; i < h->nifs; i++)
			if (h->ifs[i].role == role)
				rg_json_str(j, NULL, h->ifs[i].name);
		rg_json_end(j);
	}
	if (h->mode_declared)
		rg_json_str(j, "mode", h->mode == RG_MODE_ENFORCE ? "enforce" : "monitor");
	else
		rg_json_null(j, "mode");
	rg_json_end(j);
}

static const char *verdict(bool breaks)
{
	return breaks ? "breaks" : "allowed";
}

enum { ADDED, REMOVED, CHANGED };

typedef void (*item_json_fn)(struct rg_json *j, const char *key, const void *item);

static void entry_item_json(struct rg_json *j, const char *key, const void *e)
{
	entry_json(j, key, e);
}

static void host_item_json(struct rg_json *j, const char *key, const void *h)
{
	host_json(j, key, h);
}

/* One pair (o old, n new, either NULL) if it is a change of kind which. */
static void change_json(struct rg_json *j, int which, const char *kind, const char *name,
			const void *o, const void *n, item_json_fn item)
{
	if (which == ADDED && !o) {
		item(j, NULL, n);
	} else if (which == REMOVED && !n) {
		item(j, NULL, o);
	} else if (which == CHANGED && o && n) {
		rg_json_obj(j, NULL);
		rg_json_str(j, "kind", kind);
		rg_json_str(j, "name", name);
		item(j, "old", o);
		item(j, "new", n);
		rg_json_end(j);
	}
}

/* The plan's 'unreadable' line says something else: enforce mode drops or
 * passes frames the datapath cannot read (no CIDR's verdict shows it).
 */

/* The entries, then the hosts, that were added, removed or changed. */
static void changes_json(struct rg_json *j, const struct rg_plandiff *d, int which)
{
	static const char *const keys[] = { "added", "removed", "changed" };

	rg_json_arr(j, keys[which]);
	for (int i = 0; i < d->npairs; i++) {
		const struct rg_diff_pair *p = &d->pairs[i];

		change_json(j, which, p->n ? kind_name(p->n->kind) : NULL, p->n ? p->n->name : NULL,
			    p->o, p->n, entry_item_json);
	}
	for (int i = 0; i < d->nhosts; i++) {
		const struct rg_diff_host *p = &d->hosts[i];

		change_json(j, which, "host", p->n ? p->n->name : NULL, p->o, p->n, host_item_json);
	}
	if (which == CHANGED && rg_plandiff_unreadable_changed(d)) {
		rg_json_obj(j, NULL);
		rg_json_str(j, "kind", "unreadable");
		rg_json_str(j, "old", rg_unreadable_name(d->old));
		rg_json_str(j, "new", rg_unreadable_name(d->new));
		rg_json_end(j);
	}
	for (int i = 0; which != CHANGED && i < d->nlife[which]; i++) {
		char a[64];

		rg_addr_format(d->life[which][i]->addr, a, sizeof(a));
		rg_json_obj(j, NULL);
		rg_json_str(j, "kind", "lifeline");
		rg_json_str(j, "address", a);
		rg_json_end(j);
	}
	rg_json_end(j);
}

void rg_diff_print_json(const struct rg_plandiff *d, FILE *out)
{
	struct rg_json j;

	rg_json_init(&j, out);
	rg_json_obj(&j, NULL);
	changes_json(&j, d, ADDED);
	changes_json(&j, d, REMOVED);
	changes_json(&j, d, CHANGED);
	rg_json_obj(&j, "verdicts");
	for (int r = 0; r < 2; r++) {
		rg_json_arr(&j, rg_role_name(RG_ROLE_MESH + r));
		for (int i = 0; i < d->nranges[r]; i++) {
			const struct rg_diff_range *g = &d->ranges[r][i];
			char cs[64];

			rg_cidr_format(&g->cidr, cs, sizeof(cs));
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "cidr", cs);
			rg_json_str(&j, "old", verdict(g->old_breaks));
			rg_json_str(&j, "new", verdict(g->new_breaks));
			rg_json_end(&j);
		}
		rg_json_end(&j);
	}
	rg_json_end(&j);
	rg_json_end(&j);
}

#define NCOLS 5

struct row {
	char col[NCOLS][192];
};

struct table {
	struct row *rows;
	int n, cap;
};

static struct row *new_row(struct table *t)
{
	struct row *r;

	if (RG_GROW(t->rows, t->n, t->cap, 64))
		return NULL;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void print_table(const struct table *t, FILE *out)
{
	int w[NCOLS] = {};

	for (int i = 0; i < t->n; i++)
		for (int c = 0; c < NCOLS; c++)
			if ((int)strlen(t->rows[i].col[c]) > w[c])
				w[c] = strlen(t->rows[i].col[c]);
	for (int i = 0; i < t->n; i++) {
		int last = NCOLS - 1;

		while (last > 0 && !t->rows[i].col[last][0])
			last--;
		fputs(" ", out);
		for (int c = 0; c <= last; c++)
			fprintf(out, " %-*s", c == last ? 0 : w[c], t->rows[i].col[c]);
		fputc('\n', out);
	}
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n >= len - 1)
		return;
	if (n)
		n += snprintf(buf + n, len - n, "; ");
	va_start(ap, fmt);
	vsnprintf(buf + n, n < len ? len - n : 0, fmt, ap);
	va_end(ap);
}

static void entry_row(struct row *r, const char *what, const struct rg_entry *e)
{
	char a[32];

	snprintf(r->col[0], sizeof(r->col[0]), "%s", what);
	snprintf(r->col[1], sizeof(r->col[1]), "%s", kind_name(e->kind));
	snprintf(r->col[2], sizeof(r->col[2]), "%s", e->name);
	rg_cidr_format(&e->cidr, r->col[3], sizeof(r->col[3]));
	if (e->kind == RG_KIND_ZONE) {
		snprintf(r->col[4], sizeof(r->col[4]), "role %s", rg_role_name(e->role));
	} else if (e->allow) {
		allow_str(e->allow, a, sizeof(a));
		snprintf(r->col[4], sizeof(r->col[4]), "allow %s", a);
	}
}

/* Whether pair (o, n) is a change of kind what: 0 added, 1 removed, 2 changed. */
static bool is_change(int what, const void *o, const void *n)
{
	return (what == 0) == !o && (what == 1) == !n;
}

static struct row *count_row(struct table *t, int *count)
{
	struct row *r = new_row(t);

	if (r)
		(*count)++;
	return r;
}

int rg_diff_print_text(const struct rg_plandiff *d, const char *oldp, const char *newp, FILE *out)
{
	struct table t = {};
	int counts[3] = {};

	fprintf(out, "--- %s\n+++ %s\n", oldp, newp);
	for (int what = 0; what < 3; what++) {
		for (int i = 0; i < d->npairs; i++) {
			const struct rg_diff_pair *p = &d->pairs[i];
			struct row *r;

			if (!is_change(what, p->o, p->n))
				continue;
			if (!(r = count_row(&t, &counts[what])))
				goto oom;
			if (what == 0) {
				entry_row(r, "added", p->n);
				continue;
			}
			if (what == 1) {
				entry_row(r, "removed", p->o);
				continue;
			}
			entry_row(r, "changed", p->n);
			r->col[4][0] = '\0';
			if (strcmp(p->o->name, p->n->name))
				append(r->col[4], sizeof(r->col[4]), "name %s -> %s", p->o->name,
				       p->n->name);
			if (rg_cidr_cmp(&p->o->cidr, &p->n->cidr)) {
				char a[64], b[64];

				rg_cidr_format(&p->o->cidr, a, sizeof(a));
				rg_cidr_format(&p->n->cidr, b, sizeof(b));
				append(r->col[4], sizeof(r->col[4]), "cidr %s -> %s", a, b);
			}
			if (p->o->allow != p->n->allow) {
				char a[32], b[32];

				allow_str(p->o->allow, a, sizeof(a));
				allow_str(p->n->allow, b, sizeof(b));
				append(r->col[4], sizeof(r->col[4]), "allow %s -> %s", a, b);
			}
			if (p->o->role != p->n->role)
				append(r->col[4], sizeof(r->col[4]), "role %s -> %s",
				       rg_role_name(p->o->role), rg_role_name(p->n->role));
		}
		for (int i = 0; i < d->nhosts; i++) {
			const struct rg_diff_host *p = &d->hosts[i];
			char a[160], b[160];
			struct row *r;

			if (!is_change(what, p->o, p->n))
				continue;
			if (!(r = count_row(&t, &counts[what])))
				goto oom;
			snprintf(r->col[0], sizeof(r->col[0]), "%s",
				 what == 0 ? "added" : what == 1 ? "removed" : "changed");
			snprintf(r->col[1], sizeof(r->col[1]), "host");
			snprintf(r->col[2], sizeof(r->col[2]), "%s", (p->n ? p->n : p->o)->name);
			if (p->o)
				ifs_str(p->o, a, sizeof(a));
			if (p->n)
				ifs_str(p->n, b, sizeof(b));
			snprintf(r->col[4], sizeof(r->col[4]), "%s%s%s", p->o ? a : "",
				 p->o && p->n ? " -> " : "", p->n ? b : "");
		}
		for (int i = 0; what < 2 && i < d->nlife[what]; i++) {
			struct row *r = new_row(&t);

			if (!r)
				goto oom;
			counts[what]++;
			snprintf(r->col[0], sizeof(r->col[0]), "%s", what == 0 ? "added" : "removed");
			snprintf(r->col[1], sizeof(r->col[1]), "lifeline");
			rg_addr_format(d->life[what][i]->addr, r->col[2], sizeof(r->col[2]));
		}
		if (what == 2 && rg_plandiff_unreadable_changed(d)) {
			struct row *r = new_row(&t);

			if (!r)
				goto oom;
			counts[what]++;
			snprintf(r->col[0], sizeof(r->col[0]), "changed");
			snprintf(r->col[1], sizeof(r->col[1]), "unreadable");
			snprintf(r->col[4], sizeof(r->col[4]), "%s -> %s (frames the datapath "
				 "cannot read, in enforce mode)", rg_unreadable_name(d->old),
				 rg_unreadable_name(d->new));
		}
	}
	if (t.n) {
		fputc('\n', out);
		print_table(&t, out);
	}
	free(t.rows);
	t = (struct table){};
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < d->nranges[r]; i++) {
			const struct rg_diff_range *g = &d->ranges[r][i];
			struct row *row = new_row(&t);

			if (!row)
				goto oom;
			snprintf(row->col[0], sizeof(row->col[0]), "%s", rg_role_name(RG_ROLE_MESH + r));
			rg_cidr_format(&g->cidr, row->col[1], sizeof(row->col[1]));
			snprintf(row->col[2], sizeof(row->col[2]), "%s", verdict(g->old_breaks));
			snprintf(row->col[3], sizeof(row->col[3]), "->");
			snprintf(row->col[4], sizeof(row->col[4]), "%s", verdict(g->new_breaks));
		}
	}
	if (t.n) {
		fprintf(out, "\nverdict changes (role, addresses, old -> new; \"breaks\": "
			"flagged on interfaces of that role):\n");
		print_table(&t, out);
	}
	free(t.rows);
	fprintf(out, "\n%d added, %d removed, %d changed; verdict changes: %d CIDR%s on mesh, "
		"%d on egress\n", counts[0], counts[1], counts[2], d->nranges[0],
		d->nranges[0] == 1 ? "" : "s", d->nranges[1]);
	return 0;
oom:
	free(t.rows);
	return -ENOMEM;
}



void rg_import_print(const struct rg_import *r, const char *doc, const char *output, bool json,
		     FILE *out)
{
	if (json) {
		struct rg_json j;

		rg_json_init(&j, out);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "file", doc);
		rg_json_str(&j, "output", output);
		if (!output)
			rg_json_strn(&j, "plan", r->plan, r->plan_len);
		rg_json_int(&j, "entries", r->entries);
		rg_json_int(&j, "hosts", r->hosts);
		rg_json_int(&j, "errors", r->nerrors);
		rg_json_int(&j, "notes", r->nnotes);
		rg_json_arr(&j, "problems");
		for (int i = 0; i < r->nproblems; i++) {
			rg_json_obj(&j, NULL);
			rg_json_str(&j, "file", doc);
			rg_json_int(&j, "line", r->problems[i].line);
			rg_json_str(&j, "severity", r->problems[i].note ? "note" : "error");
			rg_json_str(&j, "message", r->problems[i].msg);
			rg_json_end(&j);
		}
		rg_json_end(&j);
		rg_json_end(&j);
		return;
	}
	for (int i = 0; i < r->nproblems; i++)
		rg_log_at(r->problems[i].note ? RG_LOG_INFO : RG_LOG_ERROR, doc,
			  r->problems[i].line, "%s", r->problems[i].msg);
	if (output)
		rg_info("%s: %d zone CIDRs and prefixes, %d host%s from %s (%d inconsistenc%s, "
			"%d note%s)", output, r->entries, r->hosts, r->hosts == 1 ? "" : "s", doc,
			r->nerrors, r->nerrors == 1 ? "y" : "ies", r->nnotes,
			r->nnotes == 1 ? "" : "s");
	else
		fwrite(r->plan, 1, r->plan_len, out);
}
