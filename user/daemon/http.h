/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http.h - the daemon's HTTP listener (--metrics): /metrics, /healthz,
 * /readyz, served by libmicrohttpd on a thread of its own.
 *
 * The listener is reachable by anything that reaches the node (the
 * DaemonSet binds the host's address), so no client can take it, or the
 * daemon, down: epoll (no select() limit of 1024), at most
 * RG_HTTP_MAX_CONNS connections and RG_HTTP_MAX_PER_IP from one address,
 * an idle connection closed after RG_HTTP_IDLE_S, methods other than GET
 * and HEAD answered 405, and the library's messages rate-limited.
 */
#ifndef RG_HTTP_H
#define RG_HTTP_H

#include <stdio.h>

#define RG_HTTP_MAX_CONNS	128
#define RG_HTTP_MAX_PER_IP	16
#define RG_HTTP_IDLE_S		10
/* the library's messages: at most this many a minute */
#define RG_HTTP_LOG_PER_MIN	10

/* Writes the page for url to body; returns its HTTP status. Runs on the
 * listener's thread.
 */
typedef unsigned int (*rg_http_page_fn)(void *ctx, const char *url, FILE *body);

struct rg_http;

/* Serves on spec: ADDR:PORT, [ADDR6]:PORT or PORT (then 127.0.0.1).
 * 0, or -errno (logged).
 */
int rg_http_start(struct rg_http **http, const char *spec, rg_http_page_fn page, void *ctx);
void rg_http_stop(struct rg_http *http);

#endif /* RG_HTTP_H */
