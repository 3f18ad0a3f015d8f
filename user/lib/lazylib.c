// SPDX-License-Identifier: GPL-2.0-only
/*
 * lazylib.c - libpcap and libmicrohttpd, loaded at their first use.
 *
 * Only `replay` reads captures and only the daemon's --metrics serves HTTP,
 * but linked in, the two libraries and theirs (gnutls, libsystemd, dbus,
 * libgcrypt, ...: 17 of the binary's 26 shared objects) are mapped and
 * relocated by every command: 18 of the 24 ms a `ringguard --version`
 * took on a 2-CPU VM. The functions ringguard calls are defined here and
 * forward to the library, opened with dlopen() the first time one of them
 * runs. The Debian package depends on both libraries by name
 * (tools/pkg/debian/control), since the binary no longer links them.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <pcap/pcap.h>
#include <microhttpd.h>
#include "lib/log.h"

/* the sonames the build found (Makefile), else Debian 12's */
#ifndef RG_PCAP_SO
#define RG_PCAP_SO "libpcap.so.0.8"
#endif
#ifndef RG_MHD_SO
#define RG_MHD_SO "libmicrohttpd.so.12"
#endif

static struct {
	pthread_once_t once;
	const char *err;
	pcap_t *(*open_offline)(const char *, char *);
	int (*datalink)(pcap_t *);
	const char *(*datalink_val_to_name)(int);
	int (*next_ex)(pcap_t *, struct pcap_pkthdr **, const u_char **);
	char *(*geterr)(pcap_t *);
	void (*close)(pcap_t *);
} pcap = { .once = PTHREAD_ONCE_INIT };

static struct {
	pthread_once_t once;
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
					      void *, MHD_AccessHandlerCallback, void *, va_list);
	void (*stop_daemon)(struct MHD_Daemon *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
							     enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int,
					  struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
} mhd = { .once = PTHREAD_ONCE_INIT };

/* Every symbol, or none (a library too old for one is as good as absent). */
static void *open_lib(const char *so, const char *const *names, void **syms, int n,
		      const char **err)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		*err = dlerror();
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		syms[i] = dlsym(h, names[i]);
		if (!syms[i]) {
			*err = dlerror();
			for (int j = 0; j < n; j++)
				syms[j] = NULL;
			return NULL;
		}
	}
	return h;
}

static void pcap_load(void)
{
	static const char *const names[] = {
		"pcap_open_offline", "pcap_datalink", "pcap_datalink_val_to_name",
		"pcap_next_ex", "pcap_geterr", "pcap_close",
	};
	void *syms[6];

	if (!open_lib(RG_PCAP_SO, names, syms, 6, &pcap.err))
		return;
	*(void **)&pcap.open_offline = syms[0];
	*(void **)&pcap.datalink = syms[1];
	*(void **)&pcap.datalink_val_to_name = syms[2];
	*(void **)&pcap.next_ex = syms[3];
	*(void **)&pcap.geterr = syms[4];
	*(void **)&pcap.close = syms[5];
}

static void mhd_load(void)
{
	static const char *const names[] = {
		"MHD_start_daemon_va", "MHD_stop_daemon", "MHD_create_response_from_buffer",
		"MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response",
	};
	const char *err = NULL;
	void *syms[6];

	if (!open_lib(RG_MHD_SO, names, syms, 6, &err)) {
		rg_err("cannot load %s for --metrics: %s (install libmicrohttpd)", RG_MHD_SO,
		       err ? err : "no such library");
		return;
	}
	*(void **)&mhd.start_daemon_va = syms[0];
	*(void **)&mhd.stop_daemon = syms[1];
	*(void **)&mhd.create_response_from_buffer = syms[2];
	*(void **)&mhd.add_response_header = syms[3];
	*(void **)&mhd.queue_response = syms[4];
	*(void **)&mhd.destroy_response = syms[5];
}

pcap_t *pcap_open_offline(const char *fname, char *errbuf)
{
	pthread_once(&pcap.once, pcap_load);
	if (!pcap.open_offline) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "cannot load %s: %s (install libpcap)",
			 RG_PCAP_SO, pcap.err ? pcap.err : "no such library");
		return NULL;
	}
	return pcap.open_offline(fname, errbuf);
}

/* The rest is called only on what pcap_open_offline returned. */
int pcap_datalink(pcap_t *p)
{
	return pcap.datalink(p);
}

const char *pcap_datalink_val_to_name(int dlt)
{
	return pcap.datalink_val_to_name(dlt);
}

int pcap_next_ex(pcap_t *p, struct pcap_pkthdr **h, const u_char **data)
{
	return pcap.next_ex(p, h, data);
}

char *pcap_geterr(pcap_t *p)
{
	return pcap.geterr(p);
}

void pcap_close(pcap_t *p)
{
	pcap.close(p);
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
				    MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	pthread_once(&mhd.once, mhd_load);
	if (!mhd.start_daemon_va)
		return NULL;
	va_start(ap, dh_cls);
	d = mhd.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The rest is called only with a daemon MHD_start_daemon returned. */
void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
	mhd.stop_daemon(daemon);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
						     enum MHD_ResponseMemoryMode mode)
{
	return mhd.create_response_from_buffer(size, buffer, mode);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response, const char *header,
					const char *content)
{
	return mhd.add_response_header(response, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
				   struct MHD_Response *response)
{
	return mhd.queue_response(connection, status_code, response);
}

void MHD_destroy_response(struct MHD_Response *response)
{
	mhd.destroy_response(response);
}
