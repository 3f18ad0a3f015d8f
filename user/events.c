// SPDX-License-Identifier: GPL-2.0-only
/*
 * events.c - `ringguard events`: the live stream of violations.
 *
 * The datapath emits events only while rg_config.events_until lies in the
 * future; this listener renews it every second, so when it exits (or is
 * killed) emission stops by itself within RG_EVENTS_LEASE_S.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "plan.h"

#define RG_EVENTS_LEASE_S	3

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

static int on_event(void *ctx, void *data, size_t size)
{
	struct listener *l = ctx;
	const struct rg_event *ev = data;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sb[RG_NAME_LEN], db[RG_NAME_LEN];
	char ifname[IF_NAMESIZE] = "?", when[64], pbuf[8];
	__s64 real = (__s64)ev->ts_ns + l->mono_to_real;
	time_t secs = real / 1000000000;
	struct tm tm;

	if (size < sizeof(*ev))
		return 0;
	if_indextoname(ev->ifindex, ifname);
	rg_addr_format(ev->src, src, sizeof(src));
	rg_addr_format(ev->dst, dst, sizeof(dst));
	bucket_name(l->m, ev->src_bucket, sb, sizeof(sb));
	bucket_name(l->m, ev->dst_bucket, db, sizeof(db));
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03lldZ",
		 (long long)(real % 1000000000) / 1000000);

	if (l->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "interface", json_object_new_string(ifname));
		json_object_object_add(o, "direction",
				       json_object_new_string(ev->dir == RG_DIR_IN ? "in" : "out"));
		json_object_object_add(o, "rule", json_object_new_string(rg_rule_name(ev->role)));
		json_object_object_add(o, "src", json_object_new_string(src));
		json_object_object_add(o, "src_bucket", json_object_new_string(sb));
		json_object_object_add(o, "src_breaks", json_object_new_boolean(ev->breaks & 1));
		json_object_object_add(o, "dst", json_object_new_string(dst));
		json_object_object_add(o, "dst_bucket", json_object_new_string(db));
		json_object_object_add(o, "dst_breaks", json_object_new_boolean(ev->breaks & 2));
		json_object_object_add(o, "protocol",
				       json_object_new_string(proto_name(ev->proto, pbuf, sizeof(pbuf))));
		json_object_object_add(o, "length", json_object_new_int(ev->len));
		json_object_object_add(o, "verdict",
				       json_object_new_string(ev->dropped ? "dropped" : "would drop"));
		json_object_object_add(o, "suppressed", json_object_new_int(ev->suppressed));
		fprintf(l->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fprintf(l->out, "%s %s %-3s %s %s%s (%s) -> %s%s (%s) %s len %u %s",
			when, ifname, ev->dir == RG_DIR_IN ? "in" : "out", rg_rule_name(ev->role),
			ev->breaks & 1 ? "*" : "", src, sb, ev->breaks & 2 ? "*" : "", dst, db,
			proto_name(ev->proto, pbuf, sizeof(pbuf)), ev->len,
			ev->dropped ? "dropped" : "would drop");
		if (ev->suppressed)
			fprintf(l->out, " [%u more suppressed by the rate limit]", ev->suppressed);
		fputc('\n', l->out);
	}
	fflush(l->out);
	l->count++;
	if (l->max && l->count >= l->max)
		stop = 1;
	return 0;
}

static int lease(const struct rg_maps *m, __u64 until)
{
	struct rg_config cfg;
	int err = rg_config_read(m, &cfg);

	if (err)
		return err;
	cfg.events_until = until;
	return rg_config_write(m, &cfg);
}

int rg_events(const struct rg_maps *m, bool json, long max, FILE *out, FILE *errs)
{
	struct listener l = { .m = m, .json = json, .out = out, .max = max };
	struct ring_buffer *rb;
	struct timespec rt, mt;
	struct sigaction sa = { .sa_handler = on_signal };
	time_t renewed = 0;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	l.mono_to_real = (rt.tv_sec - mt.tv_sec) * 1000000000ll + (rt.tv_nsec - mt.tv_nsec);
	rb = ring_buffer__new(m->events, on_event, &l, NULL);
	if (!rb) {
		err = -errno;
		fprintf(errs, "cannot open the event ring buffer: %s\n", strerror(errno));
		return err;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!json)
		fprintf(errs, "listening for violations (* marks the address that broke the "
			"plan); Ctrl-C to stop\n");
	while (!stop) {
		if (time(NULL) != renewed) {
			renewed = time(NULL);
			err = lease(m, rg_monotonic_ns() + RG_EVENTS_LEASE_S * 1000000000ull);
			if (err) {
				fprintf(errs, "cannot switch events on: %s\n", strerror(-err));
				break;
			}
		}
		err = ring_buffer__poll(rb, 200);
		if (err < 0 && err != -EINTR) {
			fprintf(errs, "reading events: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	lease(m, 0);
	ring_buffer__free(rb);
	return err;
}
