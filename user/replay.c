// SPDX-License-Identifier: GPL-2.0-only
/*
 * replay.c - `ringguard replay`: what would a plan drop on this capture?
 *
 * Every frame of a pcap or pcapng file (libpcap) goes through the real XDP
 * (--dir in) or tc (--dir out) program in a private instance that touches
 * no live state, in enforce mode; the instance's own counters give the
 * totals, exactly as the live programs would count them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "events.h"
#include "frame.h"
#include "install.h"
#include "instance.h"
#include "replay.h"

struct frame_note {
	long n;
	size_t len;
	bool dropped;
	bool via_xdp;
};

static const char *bucket_of(const struct rg_plan *plan, const uint8_t a[16])
{
	int e = rg_plan_lookup(plan, a);

	return e < 0 ? "unplanned" : plan->entries[e].name;
}

/* One line (or JSON object) per frame for -v. */
static void describe(const struct rg_plan *plan, const uint8_t *data, size_t caplen,
		     const struct frame_note *fn, json_object *arr, FILE *out)
{
	uint8_t s[16], d[16], proto = 0;
	char ss[INET6_ADDRSTRLEN] = "-", ds[INET6_ADDRSTRLEN] = "-";
	const char *sb = "-", *db = "-", *kind = "ip";
	int r = rg_frame_parse(data, caplen, 0, s, d, &proto);

	if (r == RG_FRAME_IP) {
		rg_addr_format(s, ss, sizeof(ss));
		rg_addr_format(d, ds, sizeof(ds));
		sb = bucket_of(plan, s);
		db = bucket_of(plan, d);
	} else {
		kind = r == RG_FRAME_OTHER ? "other" : "malformed";
	}
	if (arr) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "frame", json_object_new_int64(fn->n));
		json_object_object_add(o, "length", json_object_new_int64(fn->len));
		json_object_object_add(o, "kind", json_object_new_string(kind));
		json_object_object_add(o, "src", json_object_new_string(ss));
		json_object_object_add(o, "src_bucket", json_object_new_string(sb));
		json_object_object_add(o, "dst", json_object_new_string(ds));
		json_object_object_add(o, "dst_bucket", json_object_new_string(db));
		json_object_object_add(o, "verdict",
				       json_object_new_string(fn->dropped ? "would drop" : "pass"));
		json_object_array_add(arr, o);
		return;
	}
	if (r == RG_FRAME_IP)
		fprintf(out, "#%-6ld %5zu  %s (%s) -> %s (%s)  %s%s\n", fn->n, fn->len, ss, sb, ds,
			db, fn->dropped ? "WOULD DROP" : "pass", fn->via_xdp ? " [xdp]" : "");
	else
		fprintf(out, "#%-6ld %5zu  %s  pass\n", fn->n, fn->len, kind);
}

int rg_replay(const struct rg_plan *plan, __u32 role, int dir, const char *capture,
	      bool json, bool verbose, FILE *out, FILE *errs)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct rg_instance in;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	long frames = 0, truncated = 0, via_xdp = 0;
	json_object *frames_json = json && verbose ? json_object_new_array() : NULL;
	int err, r;

	p = pcap_open_offline(capture, errbuf);
	if (!p) {
		fprintf(errs, "cannot read capture %s: %s\n", capture, errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(errs, "%s: link type %s, not Ethernet: capture on one interface "
			"(tcpdump -i eth0 -w FILE), not on 'any'\n", capture,
			pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return -EINVAL;
	}
	err = rg_instance_open(&in, plan->nentries);
	if (err) {
		fprintf(errs, "cannot load the BPF programs: %s\n", strerror(-err));
		pcap_close(p);
		return err;
	}
	err = rg_install(&in.m, plan, "replay");
	if (err > 0)
		err = rg_instance_role(&in, role);
	if (!err)
		err = rg_instance_mode(&in, RG_MODE_ENFORCE);
	if (err) {
		fprintf(errs, "cannot set up the replay instance: %s\n", strerror(-err));
		goto out;
	}

	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		struct frame_note fn = { .n = ++frames, .len = h->caplen };
		int e;

		if (h->caplen < h->len)
			truncated++;
		if (h->caplen < 14)
			continue;
		e = rg_instance_run(&in, dir, data, h->caplen, 1, &fn.dropped, NULL);
		if (e == -EINVAL && dir == RG_DIR_OUT) {
			/* the kernel builds no test skb above a page or with a
			 * truncated IP header; the XDP program decides the same
			 */
			e = rg_instance_run(&in, RG_DIR_IN, data, h->caplen, 1, &fn.dropped, NULL);
			fn.via_xdp = true;
			via_xdp++;
		}
		if (e) {
			fprintf(errs, "frame %ld: BPF_PROG_TEST_RUN: %s\n", frames, strerror(-e));
			err = e;
			goto out;
		}
		if (verbose)
			describe(plan, data, h->caplen, &fn, frames_json, out);
	}
	if (r == -1) {
		fprintf(errs, "%s: %s\n", capture, pcap_geterr(p));
		err = -EIO;
		goto out;
	}

	{
		struct rg_if_counters ic = {}, ix;
		struct rg_dir_counters *d;
		json_object *o = NULL, *b = NULL;
		bool any = false;

		rg_if_sum(&in.m, 0, &ic);
		/* frames that fell back to XDP were counted on the in side */
		if (dir == RG_DIR_OUT && via_xdp) {
			ix = ic;
			for (int k = 0; k < 6; k++)
				((__u64 *)&ic.dir[RG_DIR_OUT])[k] += ((__u64 *)&ix.dir[RG_DIR_IN])[k];
		}
		d = &ic.dir[dir];
		if (json) {
			o = json_object_new_object();
			b = json_object_new_array();
			json_object_object_add(o, "capture", json_object_new_string(capture));
			json_object_object_add(o, "role", json_object_new_string(rg_role_name(role)));
			json_object_object_add(o, "direction",
					       json_object_new_string(dir == RG_DIR_IN ? "in" : "out"));
			json_object_object_add(o, "frames", json_object_new_int64(d->packets));
			json_object_object_add(o, "bytes", json_object_new_int64(d->bytes));
			json_object_object_add(o, "would_drop", json_object_new_int64(d->dropped));
			json_object_object_add(o, "malformed", json_object_new_int64(d->malformed));
			json_object_object_add(o, "other", json_object_new_int64(d->other));
			json_object_object_add(o, "truncated_in_capture", json_object_new_int64(truncated));
		} else {
			fprintf(out, "%s: %llu frames (%llu bytes) through the %s program as %s; "
				"%llu would drop, %llu malformed, %llu not IP\n", capture,
				(unsigned long long)d->packets, (unsigned long long)d->bytes,
				dir == RG_DIR_IN ? "XDP" : "tc", rg_role_name(role),
				(unsigned long long)d->dropped, (unsigned long long)d->malformed,
				(unsigned long long)d->other);
			if (truncated)
				fprintf(out, "note: %ld frames were cut short by the capture's snaplen; "
					"they count with their captured length\n", truncated);
		}
		/* per bucket: which addresses broke the plan (the rule is the
		 * role's: fc00 on egress, fd00 on mesh)
		 */
		{
			__u32 *ids = calloc(RG_MAX_BUCKETS, sizeof(*ids));
			struct rg_bucket_info *infos = calloc(RG_MAX_BUCKETS, sizeof(*infos));
			struct rg_bucket_counters *all = calloc(RG_MAX_BUCKETS, sizeof(*all));
			struct rg_meta meta;
			int n = -ENOMEM;

			if (ids && infos && all && !rg_meta_read(&in.m, &meta))
				n = rg_active_buckets(&in.m, 0, meta.generation, ids, infos);
			if (n > 0 && rg_bucket_read(&in.m, ids, n, all))
				n = -ENOMEM;
			for (int i = 0; i < n; i++) {
				struct rg_bucket_counters bc = all[i];
				char cidr[64] = "-";

				if (!bc.violations.packets)
					continue;
				if (infos[i].kind != RG_KIND_UNPLANNED)
					rg_key_format(&infos[i].cidr, cidr, sizeof(cidr));
				any = true;
				if (json) {
					json_object *x = json_object_new_object();

					json_object_object_add(x, "name", json_object_new_string(infos[i].name));
					json_object_object_add(x, "cidr", json_object_new_string(cidr));
					json_object_object_add(x, "rule",
							       json_object_new_string(rg_rule_name(role)));
					json_object_object_add(x, "packets",
							       json_object_new_int64(bc.violations.packets));
					json_object_object_add(x, "bytes",
							       json_object_new_int64(bc.violations.bytes));
					json_object_array_add(b, x);
				} else {
					fprintf(out, "  %-24s %-22s %s: %llu packets, %llu bytes would drop\n",
						infos[i].name, cidr, rg_rule_name(role),
						(unsigned long long)bc.violations.packets,
						(unsigned long long)bc.violations.bytes);
				}
			}
			free(ids);
			free(infos);
			free(all);
		}
		if (json) {
			json_object_object_add(o, "buckets", b);
			if (frames_json) {
				json_object_object_add(o, "frames_detail", frames_json);
				frames_json = NULL;
			}
			fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		} else if (!any) {
			fprintf(out, "nothing would drop\n");
		}
		err = d->dropped ? 1 : 0;
	}
out:
	json_object_put(frames_json);
	rg_instance_close(&in);
	pcap_close(p);
	return err;
}
