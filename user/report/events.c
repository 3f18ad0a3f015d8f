// SPDX-License-Identifier: GPL-2.0-only
/*
 * events.c - `ringguard events`: the live stream of violations.
 *
 * The datapath emits events only while the lease (rg_config[RG_CONFIG_LEASE]
 * .events_until) lies in the future; this listener renews it every second, so when it exits (or is
 * killed) emission stops by itself within RG_EVENTS_LEASE_S.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "report/events.h"
#include "lib/json.h"
#include "lib/log.h"
#include "plan/plan.h"
#include "lib/testhook.h"



struct listener {
	const struct rg_maps *m;
	bool json;
	FILE *out;
	__s64 mono_to_real;	/* ns to add to a ktime stamp for wall time */
	long count;
	long max;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void bucket_name(const struct rg_maps *m, __u32 id, char *buf, size_t len)
{
	struct rg_bucket_info info;

	if (bpf_map_lookup_elem(m->buckets, &id, &info) || !info.name[0])
		snprintf(buf, len, "bucket-%u", id);
	else
		snprintf(buf, len, "%s", info.name);
}

const char *rg_rule_name(__u32 role)
{
	/* the address broke the plan on an interface of this role */
	return role == RG_ROLE_EGRESS ? "fc00-leak-on-egress" : "fd00-transit-on-mesh";
}

static const char *proto_name(__u8 p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

__s64 rg_mono_to_real(void)
{
	struct timespec rt, mt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	return (rt.tv_sec - mt.tv_sec) * 1000000000ll + (rt.tv_nsec - mt.tv_nsec);
}

static void rg_event_time(const struct rg_event *ev, __s64 mono_to_real, char *when, size_t len)
{
	__s64 real = (__s64)ev->ts_ns + mono_to_real;
	time_t secs = real / 1000000000;
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(when, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), len - strlen(when), ".%03lldZ",
		 (long long)(real % 1000000000) / 1000000);
}

static const char *encap_name(__u8 kind)
{
	return kind == RG_ENCAP_VXLAN ? "vxlan" : kind == RG_ENCAP_GENEVE ? "geneve" : "none";
}

/* An event's fields as text, for both the JSON and the line output: the
 * addresses by the family the event says (family 0: a build that did not
 * say, when IPv4 was ::ffff:a.b.c.d), the inner ones, buckets by name.
 */
struct ev_text {
	char ifname[IF_NAMESIZE], when[64], pbuf[8];
	const char *proto;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char sb[RG_NAME_LEN], db[RG_NAME_LEN];
	char isrc[INET6_ADDRSTRLEN], idst[INET6_ADDRSTRLEN];
	char isb[RG_NAME_LEN], idb[RG_NAME_LEN];
};

static void ev_text(const struct rg_maps *m, const struct rg_event *ev, __s64 mono_to_real,
		    struct ev_text *t)
{
	memset(t, 0, sizeof(*t));
	if (!if_indextoname(ev->ifindex, t->ifname))
		snprintf(t->ifname, sizeof(t->ifname), "?");
	rg_event_time(ev, mono_to_real, t->when, sizeof(t->when));
	t->proto = proto_name(ev->proto, t->pbuf, sizeof(t->pbuf));
	bucket_name(m, ev->src_bucket, t->sb, sizeof(t->sb));
	bucket_name(m, ev->dst_bucket, t->db, sizeof(t->db));
	if (ev->family) {
		rg_addr_format_af(ev->src, ev->family == 4, t->src, sizeof(t->src));
		rg_addr_format_af(ev->dst, ev->family == 4, t->dst, sizeof(t->dst));
	} else {
		rg_addr_format(ev->src, t->src, sizeof(t->src));
		rg_addr_format(ev->dst, t->dst, sizeof(t->dst));
	}
	if (!ev->encap)
		return;
	rg_addr_format_af(ev->inner_src, ev->inner_family == 4, t->isrc, sizeof(t->isrc));
	rg_addr_format_af(ev->inner_dst, ev->inner_family == 4, t->idst, sizeof(t->idst));
	bucket_name(m, ev->inner_src_bucket, t->isb, sizeof(t->isb));
	bucket_name(m, ev->inner_dst_bucket, t->idb, sizeof(t->idb));
}

/* One address pair: each address, its bucket, whether it broke the plan. */
static void addrs_json(struct rg_json *j, const char *src, const char *sb, bool src_breaks,
		       const char *dst, const char *db, bool dst_breaks)
{
	rg_json_str(j, "src", src);
	rg_json_str(j, "src_bucket", sb);
	rg_json_bool(j, "src_breaks", src_breaks);
	rg_json_str(j, "dst", dst);
	rg_json_str(j, "dst_bucket", db);
	rg_json_bool(j, "dst_breaks", dst_breaks);
}

/* The event's fields, into the object open in j. */
void rg_event_fields(struct rg_json *j, const struct rg_maps *m, const struct rg_event *ev,
		     __s64 mono_to_real, bool with_time)
{
	struct ev_text t;

	ev_text(m, ev, mono_to_real, &t);
	if (with_time)
		rg_json_str(j, "time", t.when);
	rg_json_str(j, "interface", t.ifname);
	rg_json_str(j, "direction", ev->dir == RG_DIR_IN ? "in" : "out");
	rg_json_str(j, "rule", rg_rule_name(ev->role));
	addrs_json(j, t.src, t.sb, ev->breaks & 1, t.dst, t.db, ev->breaks & 2);
	if (ev->encap) {
		rg_json_obj(j, "inner");
		rg_json_str(j, "encap", encap_name(ev->encap));
		addrs_json(j, t.isrc, t.isb, ev->breaks & 4, t.idst, t.idb, ev->breaks & 8);
		rg_json_end(j);
	}
	rg_json_str(j, "protocol", t.proto);
	rg_json_int(j, "length", ev->len);
	rg_json_str(j, "verdict", ev->dropped ? "dropped" : "would drop");
	rg_json_int(j, "suppressed", ev->suppressed);
}

void rg_event_text(const struct rg_maps *m, const struct rg_event *ev, __s64 mono_to_real,
		   bool with_time, FILE *out)
{
	struct ev_text t;

	ev_text(m, ev, mono_to_real, &t);
	if (with_time)
		fprintf(out, "%s ", t.when);
	fprintf(out, "%s %-3s %s %s%s (%s) -> %s%s (%s) %s len %u %s",
		t.ifname, ev->dir == RG_DIR_IN ? "in" : "out", rg_rule_name(ev->role),
		ev->breaks & 1 ? "*" : "", t.src, t.sb, ev->breaks & 2 ? "*" : "", t.dst, t.db,
		t.proto, ev->len,
		ev->dropped ? "dropped" : "would drop");
	if (ev->encap)
		fprintf(out, " inner (%s) %s%s (%s) -> %s%s (%s)", encap_name(ev->encap),
			ev->breaks & 4 ? "*" : "", t.isrc, t.isb, ev->breaks & 8 ? "*" : "",
			t.idst, t.idb);
	if (ev->suppressed)
		fprintf(out, " [%u more suppressed by the rate limit]", ev->suppressed);
	fputc('\n', out);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct listener *l = ctx;
	struct rg_event evbuf = {};
	const struct rg_event *ev = &evbuf;

	/* an older build's events stop before the inner addresses */
	if (size < RG_EVENT_V2_SIZE)
		return 0;
	memcpy(&evbuf, data, size < sizeof(evbuf) ? size : sizeof(evbuf));
	if (l->json) {
		struct rg_json j;

		rg_json_init(&j, l->out);
		rg_json_obj(&j, NULL);
		rg_event_fields(&j, l->m, ev, l->mono_to_real, true);
		rg_json_end(&j);
	} else {
		rg_event_text(l->m, ev, l->mono_to_real, true, l->out);
	}
	fflush(l->out);
	l->count++;
	if (l->max && l->count >= l->max)
		stop = 1;
	return 0;
}

/* ---- drift, from the daemon's list (rg_drift) --------------------------- */

static struct {
	struct rg_drift_rec now[RG_DRIFT_MAX], seen[RG_DRIFT_MAX];
	__u32 nseen;
	__u64 seq;
	bool started;
} drift;

static bool same_drift(const struct rg_drift_rec *a, const struct rg_drift_rec *b)
{
	return !strncmp(a->check, b->check, sizeof(a->check)) &&
	       !strncmp(a->prefix, b->prefix, sizeof(a->prefix)) &&
	       (a->prefix[0] || !strncmp(a->ifname, b->ifname, sizeof(a->ifname)));
}

static bool drift_in(const struct rg_drift_rec *v, __u32 n, const struct rg_drift_rec *r)
{
	for (__u32 i = 0; i < n; i++)
		if (same_drift(&v[i], r))
			return true;
	return false;
}

static void drift_event(const struct listener *l, const struct rg_drift_rec *r, const char *state)
{
	char when[64];
	time_t t = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (l->json) {
		struct rg_json j;

		rg_json_init(&j, l->out);
		rg_json_obj(&j, NULL);
		rg_json_str(&j, "time", when);
		rg_json_str(&j, "drift", state);
		rg_json_strn(&j, "check", r->check, sizeof(r->check));
		rg_json_strn(&j, "interface", r->ifname, sizeof(r->ifname));
		rg_json_str(&j, "role", rg_role_name(r->role));
		rg_json_strn(&j, "prefix", r->prefix, sizeof(r->prefix));
		rg_json_strn(&j, "name", r->name, sizeof(r->name));
		rg_json_strn(&j, "detail", r->detail, sizeof(r->detail));
		rg_json_end(&j);
	} else if (r->prefix[0]) {
		fprintf(l->out, "%s drift %s: %s %s %s: %s\n", when, state, r->check, r->prefix,
			r->name, r->detail);
	} else {
		fprintf(l->out, "%s drift %s: %s: %s\n", when, state, r->check, r->detail);
	}
	fflush(l->out);
}

/* Checks that started or stopped failing since the last look; at the first
 * look, what fails already.
 */
static void drift_poll(struct listener *l)
{
	struct rg_drift_head h;

	if (rg_drift_read(l->m, &h, drift.now, RG_DRIFT_MAX) || !h.updated_at)
		return;
	if (drift.started && h.seq == drift.seq)
		return;
	for (__u32 i = 0; i < h.listed; i++)
		if (!drift_in(drift.seen, drift.nseen, &drift.now[i]))
			drift_event(l, &drift.now[i], drift.started ? "failing" : "already failing");
	for (__u32 i = 0; i < drift.nseen; i++)
		if (!drift_in(drift.now, h.listed, &drift.seen[i]))
			drift_event(l, &drift.seen[i], "cleared");
	memcpy(drift.seen, drift.now, h.listed * sizeof(drift.now[0]));
	drift.nseen = h.listed;
	drift.seq = h.seq;
	drift.started = true;
}

/* The lease's own entry, rg_config[RG_CONFIG_LEASE], written whole: no read
 * of the mode's entry, so a lease renewal can never put back a mode, a
 * confirm or a revert that changed since (one writer per pinned value).
 */
int rg_events_lease(const struct rg_maps *m, __u64 until)
{
	struct rg_config lease = { .events_until = until };
	__u32 key = RG_CONFIG_LEASE;

	rg_test_hook(RG_TEST_LEASE_BEFORE_WRITE);
	if (bpf_map_update_elem(m->config, &key, &lease, BPF_ANY))
		return -errno;
	return 0;
}

__u64 rg_events_lease_read(const struct rg_maps *m)
{
	struct rg_config lease = {};
	__u32 key = RG_CONFIG_LEASE;

	if (bpf_map_lookup_elem(m->config, &key, &lease))
		return 0;
	return lease.events_until;
}

/* A listener that leaves ends the lease only when it is still its own: a
 * second listener's renewal stays.
 */
void rg_events_lease_end(const struct rg_maps *m, __u64 mine)
{
	if (rg_events_lease_read(m) == mine)
		rg_events_lease(m, 0);
}

int rg_events(const struct rg_maps *m, bool json, long max, FILE *out)
{
	struct listener l = { .m = m, .json = json, .out = out, .max = max };
	struct ring_buffer *rb;
	struct sigaction sa = { .sa_handler = on_signal };
	time_t renewed = 0;
	__u64 until = 0;
	int err = 0;

	l.mono_to_real = rg_mono_to_real();
	rb = ring_buffer__new(m->events, on_event, &l, NULL);
	if (!rb) {
		err = -errno;
		rg_err("cannot open the event ring buffer: %s", strerror(-err));
		return err;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!json)
		rg_info("listening for violations (* marks the address that broke the plan) and "
			"drift of the host from the plan; Ctrl-C to stop");
	while (!stop) {
		/* one map read: a check that fails for a moment is seen too */
		drift_poll(&l);
		if (time(NULL) != renewed) {
			renewed = time(NULL);
			until = rg_monotonic_ns() + RG_EVENTS_LEASE_S * 1000000000ull;
			err = rg_events_lease(m, until);
			if (err) {
				rg_err("cannot switch events on: %s", strerror(-err));
				break;
			}
		}
		err = ring_buffer__poll(rb, 200);
		if (err < 0 && err != -EINTR) {
			rg_err("reading events: %s", strerror(-err));
			break;
		}
		err = 0;
	}
	rg_events_lease_end(m, until);
	ring_buffer__free(rb);
	return err;
}
