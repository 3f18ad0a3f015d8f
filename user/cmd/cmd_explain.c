// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_explain.c - `ringguard explain ADDR [ADDR]`: why an address, or a frame
 * from the first address to the second, gets its verdict on each role.
 *
 * The plan in force is the file whose sha256 the pinned state records:
 * only the file has the lines (FILE:LINE, the `allow`s as written) that
 * the chain names, while the pinned tries hold them folded into one value
 * per CIDR. So explain reads the file the state names, refuses it if its
 * sha256 is no longer the one in force (edited since the last sync), and
 * then holds its answer against the pinned tries of the generation in
 * force, address by address: the verdict printed is the datapath's, and a
 * disagreement is an error, never a wrong explanation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/fleet.h"
#include "kernel/lookup.h"
#include "lib/json.h"
#include "plan/explain.h"
#include "report/events.h"

struct explain_args {
	const char *plan_path;
	int role;		/* RG_ROLE_NONE: both */
};

static const struct rg_opt explain_opts[] = {
	RG_OPT_STR("plan", 0, struct explain_args, plan_path, "FILE",
		   "explain this plan file (default: the plan in force)"),
	RG_OPT_CHOICE("role", 0, struct explain_args, role, role_words,
		      "only this role (default: mesh and egress)", .values = role_values),
	RG_OPT_END
};

static int cmd_explain(struct rg_cli *c);

const struct rg_cmd rg_explain_cmd = {
	.run = cmd_explain,
	.name = "explain",
	.args = "ADDR [ADDR]",
	.min_args = 1,
	.max_args = 2,
	.summary = "why an address, or a frame SRC DST, gets its verdict, line by line",
	.description =
"For each address: its bucket and the plan lines that decide it (its zone,\n"
"each prefix that contains it, the allow it inherits, as FILE:LINE), and\n"
"whether it breaks the plan on each role. For two addresses (source,\n"
"destination): the frame's verdict on each role, pass, drop (enforce) or\n"
"count (monitor), the rule, and which address and line made it so.\n"
"IPv4 is judged by the plan's IPv4 CIDRs only; an IPv4-mapped IPv6 address\n"
"(::ffff:a.b.c.d) is IPv6. Without --plan: the plan in force (the pinned\n"
"state's file, refused if it changed since the last sync), checked against\n"
"the pinned tries, and the mode in force. With --plan: that file, and the\n"
"mode it declares for this host. Exit 1 when a verdict shown is a violation.\n",
	.examples =
"  ringguard explain fc00:20::10\n"
"  ringguard explain fd00:101:44::5 fc00:20::1 --role egress\n"
"  ringguard explain --plan maps/sol.plan 10.20.1.144 -j\n",
	.opts = explain_opts,
};

/* What was explained, against which plan, in which mode. */
struct explain {
	struct rg_plan plan;
	const char *file;	/* as FILE:LINE names it */
	bool pinned;		/* the plan in force */
	char sha[65];
	__u64 generation;
	__u32 mode;
	const char *mode_from;	/* "pinned", "plan", "default" */
	int mode_line;		/* the host line that declares it (plan) */
	const char *host;
	int nroles;
	__u32 roles[RG_ROLES];
	int naddrs;
	struct rg_explain_addr addr[2];
	bool frame;
	struct rg_explain_frame f;
};

static const char *why_word(enum rg_why w)
{
	switch (w) {
	case RG_WHY_UNPLANNED:
		return "unplanned";
	case RG_WHY_ZONE:
		return "zone";
	case RG_WHY_ALLOW:
		return "allow";
	default:
		return "breaks";
	}
}

static const char *kind_word(__u32 kind)
{
	return kind == RG_KIND_ZONE ? "zone" : "prefix";
}

static void addr_text(const struct rg_explain_addr *a, char *buf, size_t len)
{
	rg_addr_format_af(a->addr, a->v4, buf, len);
}

static void allow_text(uint32_t allow, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", allow & RG_BREAKS(RG_ROLE_MESH) ? "mesh" : "",
		 (allow & RG_BREAKS(RG_ROLE_MESH)) && (allow & RG_BREAKS(RG_ROLE_EGRESS)) ? "," : "",
		 allow & RG_BREAKS(RG_ROLE_EGRESS) ? "egress" : "");
}

/* ---- the verdict ---------------------------------------------------------- */

static const char *verdict_word(const struct explain *x, bool violation)
{
	if (!violation)
		return "pass";
	return x->mode == RG_MODE_ENFORCE ? "drop" : "count";
}

/* Why role r of address a is what it is, in one phrase. */
static void reason_text(const struct explain *x, const struct rg_explain_addr *a, __u32 role,
			FILE *out)
{
	const struct rg_explain_role *r = &a->role[rg_role_idx(role)];
	const struct rg_entry *e = r->entry >= 0 ? &x->plan.entries[r->entry] : NULL;
	const struct rg_entry *z = a->zone >= 0 ? &x->plan.entries[a->zone] : NULL;
	char cidr[64], allow[16];

	if (e)
		rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
	switch (r->why) {
	case RG_WHY_UNPLANNED:
		fprintf(out, "in no %s zone: nothing to enforce", a->v4 ? "IPv4" : "IPv6");
		break;
	case RG_WHY_ZONE:
		fprintf(out, "zone %s %s belongs on %s (%s:%d)", e->name, cidr,
			rg_role_name(e->role), x->file, e->line);
		break;
	case RG_WHY_ALLOW:
		allow_text(e->allow, allow, sizeof(allow));
		fprintf(out, "zone %s belongs on %s, prefix %s %s allow %s (%s:%d)", z->name,
			rg_role_name(z->role), e->name, cidr, allow, x->file, e->line);
		break;
	case RG_WHY_BREAKS:
		fprintf(out, "zone %s %s belongs on %s (%s:%d) and no prefix allows %s", e->name,
			cidr, rg_role_name(e->role), x->file, e->line, rg_role_name(role));
		break;
	}
}

/* ---- text ----------------------------------------------------------------- */

static void print_addr_text(const struct explain *x, const struct rg_explain_addr *a, FILE *out)
{
	char s[64], cidr[64], allow[16];

	addr_text(a, s, sizeof(s));
	fprintf(out, "%s (%s)\n", s, a->v4 ? "IPv4" : a->mapped ?
		"IPv6, IPv4-mapped: judged by the plan's IPv6 CIDRs, not its IPv4 ones" : "IPv6");
	if (a->bucket >= 0) {
		const struct rg_entry *b = &x->plan.entries[a->bucket];

		rg_cidr_format(&b->cidr, cidr, sizeof(cidr));
		fprintf(out, "  bucket  %s %s (%s%s)\n", b->name, cidr, kind_word(b->kind),
			b->kind == RG_KIND_ZONE ? " space no prefix names" : "");
	} else {
		fprintf(out, "  bucket  unplanned (no %s zone or prefix contains it)\n",
			a->v4 ? "IPv4" : "IPv6");
	}
	for (int k = 0; k < a->nchain; k++) {
		const struct rg_entry *e = &x->plan.entries[a->chain[k]];

		rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
		fprintf(out, "  %-7s %s:%d: %s %s ", k ? "" : "lines", x->file, e->line,
			kind_word(e->kind), e->name);
		if (e->kind == RG_KIND_ZONE)
			fprintf(out, "%s %s\n", rg_role_name(e->role), cidr);
		else if (e->allow) {
			allow_text(e->allow, allow, sizeof(allow));
			fprintf(out, "%s allow %s\n", cidr, allow);
		} else
			fprintf(out, "%s\n", cidr);
	}
	for (int i = 0; i < x->nroles; i++) {
		__u32 role = x->roles[i];

		fprintf(out, "  %-7s %s: ", rg_role_name(role),
			a->role[rg_role_idx(role)].breaks ? "breaks the plan" : "fits");
		reason_text(x, a, role, out);
		fputc('\n', out);
	}
}

static void print_frame_text(const struct explain *x, FILE *out)
{
	char s[64], d[64];

	addr_text(&x->f.src, s, sizeof(s));
	addr_text(&x->f.dst, d, sizeof(d));
	fprintf(out, "frame %s -> %s (IPv%d), mode %s\n", s, d, x->f.src.v4 ? 4 : 6,
		rg_mode_name(x->mode));
	for (int i = 0; i < x->nroles; i++) {
		__u32 role = x->roles[i];
		int r = rg_role_idx(role);
		bool v = x->f.role[r].violation;

		fprintf(out, "  %-7s %s", rg_role_name(role), verdict_word(x, v));
		if (!v) {
			fprintf(out, ": neither address breaks the plan on %s\n", rg_role_name(role));
			continue;
		}
		fprintf(out, " (%s): %s\n", rg_rule_name(role),
			x->mode == RG_MODE_ENFORCE ? "dropped" : "passes, counted as a violation "
			"(enforce mode drops it)");
		for (int w = 0; w < 2; w++) {
			const struct rg_explain_addr *a = w ? &x->f.dst : &x->f.src;

			if (!(x->f.role[r].by & (1u << w)))
				continue;
			fprintf(out, "          %s %s breaks it: ", w ? "destination" : "source",
				w ? d : s);
			reason_text(x, a, role, out);
			fputc('\n', out);
		}
	}
}

static void print_text(const struct explain *x, FILE *out)
{
	if (x->pinned)
		fprintf(out, "plan in force: %s (generation %llu, sha256 %.12s), mode %s\n",
			x->file, (unsigned long long)x->generation, x->sha, rg_mode_name(x->mode));
	else if (x->mode_line)
		fprintf(out, "plan: %s (sha256 %.12s), mode %s (declared for host %s, %s:%d)\n",
			x->file, x->sha, rg_mode_name(x->mode), x->host, x->file, x->mode_line);
	else
		fprintf(out, "plan: %s (sha256 %.12s), mode monitor (no mode declared for host "
			"%s)\n", x->file, x->sha, x->host);
	for (int i = 0; i < x->naddrs; i++) {
		fputc('\n', out);
		print_addr_text(x, &x->addr[i], out);
	}
	if (x->frame) {
		fputc('\n', out);
		print_frame_text(x, out);
	}
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_entry(struct rg_json *j, const struct explain *x, const char *key, int idx)
{
	const struct rg_entry *e;
	char cidr[64], allow[16];

	if (idx < 0) {
		rg_json_null(j, key);
		return;
	}
	e = &x->plan.entries[idx];
	rg_cidr_format(&e->cidr, cidr, sizeof(cidr));
	rg_json_obj(j, key);
	rg_json_str(j, "kind", kind_word(e->kind));
	rg_json_str(j, "name", e->name);
	rg_json_str(j, "cidr", cidr);
	if (e->kind == RG_KIND_ZONE)
		rg_json_str(j, "role", rg_role_name(e->role));
	if (e->allow) {
		allow_text(e->allow, allow, sizeof(allow));
		rg_json_str(j, "allow", allow);
	}
	rg_json_str(j, "file", x->file);
	rg_json_int(j, "line", e->line);
	rg_json_end(j);
}

static void print_addr_json(struct rg_json *j, const struct explain *x,
			    const struct rg_explain_addr *a)
{
	char s[64];

	addr_text(a, s, sizeof(s));
	rg_json_obj(j, NULL);
	rg_json_str(j, "address", s);
	rg_json_int(j, "family", a->v4 ? 4 : 6);
	rg_json_bool(j, "mapped", a->mapped);
	json_entry(j, x, "bucket", a->bucket);
	rg_json_arr(j, "chain");
	for (int k = 0; k < a->nchain; k++)
		json_entry(j, x, NULL, a->chain[k]);
	rg_json_end(j);
	rg_json_arr(j, "roles");
	for (int i = 0; i < x->nroles; i++) {
		const struct rg_explain_role *r = &a->role[rg_role_idx(x->roles[i])];

		rg_json_obj(j, NULL);
		rg_json_str(j, "role", rg_role_name(x->roles[i]));
		rg_json_bool(j, "breaks", r->breaks);
		rg_json_str(j, "why", why_word(r->why));
		json_entry(j, x, "line", r->entry);
		rg_json_end(j);
	}
	rg_json_end(j);
	rg_json_end(j);
}

static void print_frame_json(struct rg_json *j, const struct explain *x)
{
	char s[64], d[64];

	addr_text(&x->f.src, s, sizeof(s));
	addr_text(&x->f.dst, d, sizeof(d));
	rg_json_obj(j, "frame");
	rg_json_str(j, "source", s);
	rg_json_str(j, "destination", d);
	rg_json_int(j, "family", x->f.src.v4 ? 4 : 6);
	rg_json_arr(j, "roles");
	for (int i = 0; i < x->nroles; i++) {
		__u32 role = x->roles[i];
		int r = rg_role_idx(role);
		bool v = x->f.role[r].violation;

		rg_json_obj(j, NULL);
		rg_json_str(j, "role", rg_role_name(role));
		rg_json_str(j, "verdict", verdict_word(x, v));
		rg_json_bool(j, "violation", v);
		if (v)
			rg_json_str(j, "rule", rg_rule_name(role));
		else
			rg_json_null(j, "rule");
		rg_json_arr(j, "broken_by");
		for (int w = 0; w < 2; w++) {
			const struct rg_explain_addr *a = w ? &x->f.dst : &x->f.src;

			if (!(x->f.role[r].by & (1u << w)))
				continue;
			rg_json_obj(j, NULL);
			rg_json_str(j, "address", w ? "destination" : "source");
			json_entry(j, x, "line", a->role[r].entry);
			rg_json_end(j);
		}
		rg_json_end(j);
		rg_json_end(j);
	}
	rg_json_end(j);
	rg_json_end(j);
}

static int print_json(const struct explain *x, FILE *out)
{
	struct rg_json j;

	rg_json_init(&j, out);
	rg_json_obj(&j, NULL);
	rg_json_obj(&j, "plan");
	rg_json_str(&j, "path", x->file);
	rg_json_str(&j, "sha256", x->sha);
	rg_json_bool(&j, "in_force", x->pinned);
	if (x->pinned)
		rg_json_u64(&j, "generation", x->generation);
	rg_json_end(&j);
	rg_json_str(&j, "mode", rg_mode_name(x->mode));
	rg_json_str(&j, "mode_from", x->mode_from);
	rg_json_arr(&j, "addresses");
	for (int i = 0; i < x->naddrs; i++)
		print_addr_json(&j, x, &x->addr[i]);
	rg_json_end(&j);
	if (x->frame)
		print_frame_json(&j, x);
	rg_json_end(&j);
	return rg_json_finish(&j);
}

/* ---- where the plan comes from ---------------------------------------------- */

/* --plan FILE: the file, and the mode it declares for this host. */
static int load_file(struct rg_cli *c, struct explain *x, const char *path)
{
	static char host[256];
	const struct rg_host *h;
	int n = rg_plan_load(path, &x->plan);

	if (n < 0)
		return n;
	if (n > 0)
		return cli_fail(c, -EINVAL, "%s: plan invalid (%d error%s): fix it, then "
				   "explain", path, n, n == 1 ? "" : "s");
	x->file = path;
	rg_sha256_hex(x->plan.sha256, x->sha);
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	x->host = host;
	h = rg_plan_host(&x->plan, host);
	x->mode = RG_MODE_MONITOR;
	x->mode_from = "default";
	if (h && h->mode_declared) {
		x->mode = h->mode;
		x->mode_from = "plan";
		x->mode_line = h->line;
	}
	return 0;
}

/* The plan in force: the file the state names, if it is still the one
 * installed (its sha256), and the mode the datapath applies now.
 */
static int load_pinned(struct rg_cli *c, struct explain *x, struct rg_maps *m)
{
	struct rg_mode_view view;
	struct rg_config cfg;
	struct rg_meta meta;
	struct rg_log_capture errs = {};
	char want[65];
	int err, n;

	err = cli_resolve_dir(c, false);
	if (err)
		return err;
	if (!rg_state_exists(c->dir))
		return cli_fail(c, -ENOENT, "no plan in force to explain: ringguard is not "
				   "attached in this network namespace; attach one ('ringguard "
				   "attach --plan FILE') or explain a file with --plan FILE");
	err = cli_open_state(c, m, true);
	if (err)
		return err;
	err = rg_meta_read(m, &meta);
	if (!err)
		err = rg_config_read(m, &cfg);
	if (err)
		return cli_fail(c, err, "cannot read the pinned state: %s", strerror(-err));
	rg_mode_view_of(&meta, &cfg, rg_monotonic_ns(), &view);
	x->mode = view.effective;
	x->mode_from = "pinned";
	x->pinned = true;
	x->generation = meta.generation;
	rg_sha256_hex(meta.sha256, want);
	meta.plan_path[sizeof(meta.plan_path) - 1] = '\0';
	x->file = strdup(meta.plan_path);
	if (!x->file)
		return -ENOMEM;

	/* the file's own errors matter only if it is still the plan in force */
	rg_log_capture_begin(&errs);
	n = rg_plan_load(x->file, &x->plan);
	rg_log_capture_end(&errs);
	if (n < 0) {
		err = cli_fail(c, n, "the plan in force was read from %s, which cannot be read "
				  "now (%s): pass the plan with --plan FILE", x->file,
				  strerror(-n));
		goto out;
	}
	rg_sha256_hex(x->plan.sha256, x->sha);
	if (strcmp(x->sha, want)) {
		/* a daemon that rejected the edit keeps the last good plan */
		bool rejected = meta.rejected_at > meta.installed_at;

		meta.last_error[sizeof(meta.last_error) - 1] = '\0';
		err = cli_fail(c, -ESTALE, "%s has changed since it was put in force (sha256 "
				  "%.12s in force, %.12s on disk)%s%s%s: run 'ringguard sync' to put "
				  "it in force, or 'ringguard explain --plan %s ...' to explain the "
				  "file as it is now", x->file, want, x->sha,
				  rejected ? " and was rejected (" : "",
				  rejected ? meta.last_error : "", rejected ? ")" : "", x->file);
		goto out;
	}
	if (n > 0) {	/* cannot be: it was validated before it went in */
		rg_log_replay(&errs);
		err = cli_fail(c, -EINVAL, "%s: plan invalid (%d errors)", x->file, n);
	}
out:
	rg_log_capture_free(&errs);
	return err;
}

/* " mesh egress", " no role": the roles in breaks */
static const char *roles_text(__u32 breaks, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", breaks & RG_BREAKS(RG_ROLE_MESH) ? " mesh" : "",
		 breaks & RG_BREAKS(RG_ROLE_EGRESS) ? " egress" : "",
		 breaks & (RG_BREAKS(RG_ROLE_MESH) | RG_BREAKS(RG_ROLE_EGRESS)) ? "" : " no role");
	return buf;
}

/* The pinned tries' answer for a, which must be the file's. */
static int check_pinned(struct rg_cli *c, const struct explain *x, const struct rg_maps *m,
			const struct rg_explain_addr *a)
{
	const __u32 mask = RG_BREAKS(RG_ROLE_MESH) | RG_BREAKS(RG_ROLE_EGRESS);
	struct rg_lpm_key want = {}, got;
	struct rg_inforce in;
	char s[64], bk[64], fk[64], r1[24], r2[24];
	int err = rg_inforce_lookup(m, a->addr, a->v4, &in);

	if (err)
		return cli_fail(c, err, "cannot look the address up in the pinned plan: %s",
				strerror(-err));
	got = in.bucket.cidr;
	if (a->bucket >= 0)
		rg_key_of(&x->plan.entries[a->bucket].cidr, &want);
	if (in.found == (a->bucket >= 0) && (in.val.breaks & mask) == a->breaks &&
	    (!in.found || (got.prefixlen == want.prefixlen &&
			   !memcmp(got.addr, want.addr, sizeof(got.addr)))))
		return 0;
	addr_text(a, s, sizeof(s));
	snprintf(bk, sizeof(bk), "unplanned");
	snprintf(fk, sizeof(fk), "unplanned");
	if (in.found)
		rg_key_format(&got, bk, sizeof(bk));
	if (a->bucket >= 0)
		rg_cidr_format(&x->plan.entries[a->bucket].cidr, fk, sizeof(fk));
	return cli_fail(c, -ESTALE, "the pinned plan (generation %u) answers otherwise for %s "
			"than %s: bucket %s, breaking the plan on%s in the kernel, bucket %s, "
			"breaking it on%s in the file; a sync may be under way: explain again, "
			"and run 'ringguard sync' if it persists", in.gen, s, x->file, bk,
			roles_text(in.val.breaks, r1, sizeof(r1)), fk,
			roles_text(a->breaks, r2, sizeof(r2)));
}

static int cmd_explain(struct rg_cli *c)
{
	struct explain_args a = { .role = RG_ROLE_NONE };
	struct explain *x = calloc(1, sizeof(*x));
	struct rg_maps m;
	struct rg_args pos;
	uint8_t addr[2][16];
	bool v4[2];
	char why[160];
	int err;

	rg_maps_init(&m);
	if (!x)
		return -ENOMEM;
	err = cli_parse(c, &a, &pos);
	if (err)
		goto out;
	/* the addresses first: a typo is reported before anything is opened */
	for (int i = 0; i < pos.n; i++) {
		if (rg_explain_parse(pos.v[i], addr[i], &v4[i], why, sizeof(why))) {
			err = cli_fail(c, -EINVAL, "%s", why);
			goto out;
		}
	}
	if (pos.n == 2 && v4[0] != v4[1]) {
		err = cli_fail(c, -EINVAL, "%s is IPv%d and %s IPv%d: a frame carries one "
				  "family (an IPv4 address inside an IPv6 frame is written "
				  "::ffff:a.b.c.d)", pos.v[0], v4[0] ? 4 : 6, pos.v[1],
				  v4[1] ? 4 : 6);
		goto out;
	}
	err = a.plan_path ? load_file(c, x, a.plan_path) : load_pinned(c, x, &m);
	if (err)
		goto out;
	for (__u32 role = RG_ROLE_MESH; role <= RG_ROLE_EGRESS; role++)
		if (a.role == RG_ROLE_NONE || (__u32)a.role == role)
			x->roles[x->nroles++] = role;
	x->naddrs = pos.n;
	for (int i = 0; i < pos.n; i++) {
		rg_explain_addr(&x->plan, addr[i], v4[i], &x->addr[i]);
		if (!a.plan_path) {
			err = check_pinned(c, x, &m, &x->addr[i]);
			if (err)
				goto out;
		}
	}
	if (pos.n == 2) {
		x->frame = true;
		rg_explain_frame(&x->plan, addr[0], v4[0], addr[1], v4[1], &x->f);
	}
	if (c->json)
		err = print_json(x, stdout);
	else
		print_text(x, stdout);
	/* a finding: what is shown breaks the plan */
	for (int i = 0; i < x->nroles; i++) {
		int r = rg_role_idx(x->roles[i]);

		if (x->frame ? x->f.role[r].violation : x->addr[0].role[r].breaks)
			c->exit_code = RG_EXIT_FINDING;
	}
out:
	if (x->pinned)
		free((char *)x->file);
	rg_plan_free(&x->plan);
	rg_maps_close(&m);
	free(x);
	return err;
}
