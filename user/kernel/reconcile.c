// SPDX-License-Identifier: GPL-2.0-only
/*
 * reconcile.c - keep the attached interfaces in line with the plan's roles.
 * Roles and the ports of the bridges among them, up to RG_MAX_IFACES: what
 * is missing is attached, what was recreated is re-attached, what is no
 * longer wanted is detached; past the limit, guests' ports are left out
 * first, and named.
 */
#include <stdlib.h>
#include "kernel/attach_int.h"
#include "kernel/hook.h"
#include "kernel/links.h"
#include "lib/log.h"
#include "lib/testhook.h"

struct cur_iface {
	__u32 ifindex;
	struct rg_iface ifc;
	bool keep;
};

bool rg_port_is_guest(const char *kind, const char *name)
{
	static const char *const pre[] = { "tap", "veth", "fwpr", "fwln" };
	const char *p = NULL;

	if (!strcmp(kind, "tun"))
		return true;
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]) && !p; i++)
		if (!strncmp(name, pre[i], strlen(pre[i])))
			p = name + strlen(pre[i]);
	if (!p || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != 'i' && *p != 'p')
		return false;
	p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return !*p;
}

/* The interfaces ringguard covers at most (a test may lower it). */
static int iface_limit(void)
{
	int n = rg_test_value(RG_TEST_MAX_IFACES, RG_MAX_IFACES);

	return n > 0 && n < RG_MAX_IFACES ? n : RG_MAX_IFACES;
}

/* What rg_reconcile's steps share: the interfaces wanted, those rg_ifaces
 * holds, and the counter slots taken.
 */
struct recon {
	struct rg_loader *l;
	const struct rg_host_if *want;	/* the roles given, then bridges' ports */
	int nwant;
	int nroles;			/* want[0..nroles): the roles given */
	int limit;			/* iface_limit() */
	struct rg_host_if all[RG_MAX_IFACES];
	const char *bridge_of[RG_MAX_IFACES];	/* a port's bridge, NULL for a role */
	bool is_bridge[RG_MAX_IFACES];
	bool *missing;		/* nroles long */
	struct cur_iface cur[RG_MAX_IFACES];
	int ncur;
	bool slot_used[RG_MAX_IFACES];
	int changes;
	/* ports that did not fit, "name (bridge)", and how many */
	char *left;
	size_t left_len;
	int nleft;
};

static void leave_out(struct recon *r, const char *name, const char *bridge)
{
	char item[2 * RG_IFNAME_LEN + 8];
	int n = snprintf(item, sizeof(item), "%s%s (%s%s)", r->nleft ? ", " : "", name,
			 bridge ? "port of " : "a role", bridge ? bridge : "");
	char *p = realloc(r->left, r->left_len + n + 1);

	r->nleft++;
	if (!p)
		return;
	memcpy(p + r->left_len, item, n + 1);
	r->left = p;
	r->left_len += n;
}

struct port {
	const struct rg_link *link;
	int w;			/* the role (bridge) it takes */
	bool guest;
};

/* Ports that lead off the host (uplinks, bonds, VXLAN) before guests' ones;
 * the order of the dump (ifindex) within each.
 */
static int cmp_port(const void *a, const void *b)
{
	const struct port *x = a, *y = b;

	if (x->guest != y->guest)
		return x->guest ? 1 : -1;
	return x->link->ifindex < y->link->ifindex ? -1 : x->link->ifindex > y->link->ifindex;
}

/* want[] (first, in order) and the ports of each bridge in it, with the
 * bridge's role: a role on a bridge covers its whole segment. An interface
 * named in want[] keeps the role it was given. When there are more than
 * r->limit, ports that lead off the host go first (a guest's leak is
 * caught there too); the rest are left out, by name.
 */
static int with_ports(struct recon *r, const struct rg_host_if *want, int nwant)
{
	struct rg_link *ls = NULL;
	struct port *ports = NULL;
	int n = 0, nls, np = 0;

	for (int w = 0; w < nwant && n < r->limit; w++) {
		r->bridge_of[n] = NULL;
		r->is_bridge[n] = false;
		r->all[n++] = want[w];
	}
	nls = rg_links_dump(&ls);
	if (nls < 0) {
		rg_err("cannot list links (rtnetlink): %s; bridge ports are not covered",
		       strerror(-nls));
		return n;
	}
	ports = calloc(nls ? nls : 1, sizeof(*ports));
	if (!ports) {
		free(ls);
		rg_err("out of memory: bridge ports are not covered");
		return n;
	}
	for (int w = 0; w < nwant && w < n; w++) {
		const struct rg_link *br = rg_link_find(ls, nls, want[w].name, 0);

		if (!br || !br->bridge)
			continue;
		r->is_bridge[w] = true;
		for (int i = 0; i < nls; i++) {
			bool dup = false;

			if (ls[i].master != br->ifindex)
				continue;
			for (int j = 0; j < nwant && !dup; j++)
				dup = !strcmp(want[j].name, ls[i].name);
			if (!dup)
				ports[np++] = (struct port){ &ls[i], w,
							     rg_port_is_guest(ls[i].kind, ls[i].name) };
		}
	}
	qsort(ports, np, sizeof(*ports), cmp_port);
	for (int i = 0; i < np; i++) {
		if (n == r->limit) {
			leave_out(r, ports[i].link->name, want[ports[i].w].name);
			continue;
		}
		snprintf(r->all[n].name, sizeof(r->all[n].name), "%s", ports[i].link->name);
		r->all[n].role = want[ports[i].w].role;
		r->is_bridge[n] = ports[i].link->bridge;
		r->bridge_of[n++] = want[ports[i].w].name;
	}
	free(ports);
	free(ls);
	return n;
}

static bool is_wanted(const struct recon *r, const char *name)
{
	for (int w = 0; w < r->nwant; w++)
		if (!strcmp(r->want[w].name, name))
			return true;
	return false;
}

static void read_current(struct recon *r)
{
	__u32 key, next, *prev = NULL;
	int fd = r->l->m.ifaces;

	while (bpf_map_get_next_key(fd, prev, &next) == 0 && r->ncur < RG_MAX_IFACES) {
		struct cur_iface *c = &r->cur[r->ncur];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &c->ifc))
			continue;
		c->ifindex = key;
		c->keep = false;
		r->ncur++;
	}
}

/* What is attached and still right stays; roles may change in place. */
static void keep_attached(struct recon *r)
{
	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];
		char name[IF_NAMESIZE], why[256];

		if (!if_indextoname(c->ifindex, name) || strcmp(name, c->ifc.name) ||
		    !rg_iface_hooked(r->l->dir, c->ifindex, &c->ifc) ||
		    rg_hooks_check(r->l->dir, c->ifindex, &c->ifc, why, sizeof(why)))
			continue;	/* gone, renamed away, left over, or a link lost */
		for (int w = 0; w < r->nwant; w++) {
			if (strcmp(r->want[w].name, name))
				continue;
			c->keep = true;
			r->slot_used[c->ifc.slot % RG_MAX_IFACES] = true;
			if (c->ifc.role != r->want[w].role) {
				c->ifc.role = r->want[w].role;
				rg_iface_put(&r->l->m, c->ifindex, &c->ifc);
				rg_info("%s: role is now %s", name, rg_role_name(r->want[w].role));
				r->changes++;
			}
		}
	}
}

/* Detaches the rest; a wanted interface that vanished keeps its entry
 * (slot, counters, re-attach count) until it is back.
 */
static void drop_stale(struct recon *r)
{
	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];
		bool wanted = is_wanted(r, c->ifc.name), present;

		if (c->keep)
			continue;
		present = if_nametoindex(c->ifc.name);
		if (!rg_iface_hooked(r->l->dir, c->ifindex, &c->ifc) && wanted && !present)
			continue;
		rg_iface_detach(r->l->dir, &r->l->m, c->ifindex, &c->ifc, !(wanted && !present));
		if (!wanted)
			rg_info("%s: detached (neither in the plan nor a port of one of its "
				"bridges any more)", c->ifc.name);
		else if (!present)
			rg_warn("%s: gone (ifindex %u); it will be re-attached when it "
				"appears", c->ifc.name, c->ifindex);
		r->changes++;
	}
	/* slots of wanted names stay theirs, attached or waiting to come back */
	for (int i = 0; i < r->ncur; i++)
		if (is_wanted(r, r->cur[i].ifc.name))
			r->slot_used[r->cur[i].ifc.slot % RG_MAX_IFACES] = true;
}

/* Attaches wanted interface w unless it is attached already: with its old
 * slot and counters when its name was seen before, else a free slot.
 */
static int attach_wanted(struct recon *r, int w)
{
	const struct rg_host_if *want = &r->want[w];
	unsigned int ifindex = if_nametoindex(want->name);
	__u32 slot = RG_MAX_IFACES, reattaches = 0;
	bool done = false, seen = false, role = w < r->nroles;
	struct rg_hook_got got;
	char how[256];
	int err;

	for (int i = 0; i < r->ncur; i++) {
		struct cur_iface *c = &r->cur[i];

		if (strcmp(c->ifc.name, want->name))
			continue;
		done |= c->keep;
		if (!c->keep && ifindex) {
			/* the same name again: keep its slot and counters */
			seen = true;
			slot = c->ifc.slot;
			reattaches = c->ifc.reattaches + 1;
			rg_iface_del(&r->l->m, c->ifindex);
		}
	}
	if (done)
		return 0;
	if (!ifindex) {
		if (role && (!r->missing || !r->missing[w]))
			rg_warn("%s: interface not found; it will be attached when it "
				"appears", want->name);
		if (role && r->missing)
			r->missing[w] = true;
		return 0;
	}
	if (role && r->missing)
		r->missing[w] = false;
	if (!seen) {
		for (slot = 0; slot < RG_MAX_IFACES && r->slot_used[slot]; slot++)
			;
		if (slot == RG_MAX_IFACES) {
			/* slots of interfaces that are gone but wanted back */
			leave_out(r, want->name, r->bridge_of[w]);
			return 0;
		}
		rg_if_zero(&r->l->m, slot);
	}
	r->slot_used[slot] = true;
	err = rg_iface_attach(r->l, ifindex, want->name, want->role, slot, reattaches,
			   r->is_bridge[w], &got);
	if (err)
		return err;
	rg_hook_note(want->name, got.xdp_kind, got.holder, r->is_bridge[w], r->l->want_xdp,
		     got.native_err, how, sizeof(how));
	rg_info("%s: %s as %s%s%s (ifindex %u), %s", want->name, seen ? "re-attached" : "attached",
		rg_role_name(want->role), r->bridge_of[w] ? ", port of " : "",
		r->bridge_of[w] ? r->bridge_of[w] : "", ifindex, how);
	r->changes++;
	return 0;
}

int rg_reconcile(struct rg_loader *l, const struct rg_host_if *want, int nwant,
		 bool *missing)
{
	static struct recon r;	/* large: not on the stack */
	static char *said;	/* the ports left out last said, so a daemon says it once */
	int err = 0;

	memset(&r, 0, sizeof(r));
	r.l = l;
	r.missing = missing;
	r.limit = iface_limit();
	r.nroles = nwant < r.limit ? nwant : r.limit;
	for (int w = r.nroles; w < nwant; w++)
		leave_out(&r, want[w].name, NULL);
	r.nwant = with_ports(&r, want, nwant);
	r.want = r.all;
	read_current(&r);
	keep_attached(&r);
	drop_stale(&r);
	for (int w = 0; w < r.nwant && !err; w++)
		err = attach_wanted(&r, w);
	l->uncovered = r.nleft;
	if (r.nleft && (!said || !r.left || strcmp(said, r.left)))
		rg_err("%d interface%s NOT covered, ringguard covers at most %d (ports that lead "
		       "off the host went first): %s; their traffic is not classified: move "
		       "guests to another bridge or host", r.nleft, r.nleft == 1 ? "" : "s",
		       r.limit, r.left ? r.left : "(out of memory listing them)");
	else if (!r.nleft && said)
		rg_info("every interface is covered again");
	free(said);
	said = r.nleft ? r.left : NULL;
	if (!r.nleft)
		free(r.left);
	return err ? err : r.changes;
}
