// SPDX-License-Identifier: GPL-2.0-only
/*
 * http.c - the daemon's HTTP listener (see http.h).
 *
 * libmicrohttpd is opened at its first use (user/lib/lazylib.c): only
 * MHD_start_daemon and the response calls listed there may be used here;
 * everything else goes in as an MHD_OPTION.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "daemon/http.h"
#include "lib/log.h"

struct rg_http {
	struct MHD_Daemon *mhd;
	rg_http_page_fn page;
	void *ctx;
	/* the library's log, rate-limited: a flood of connections makes
	 * one message each
	 */
	pthread_mutex_t mu;
	time_t window;
	int logged;
	unsigned long suppressed;
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct rg_http *h = cls;
	time_t now = time(NULL);
	unsigned long suppressed = 0;
	char msg[512];
	size_t n;
	bool show;

	pthread_mutex_lock(&h->mu);
	if (now - h->window >= 60) {
		suppressed = h->suppressed;
		h->window = now;
		h->logged = 0;
		h->suppressed = 0;
	}
	show = h->logged < RG_HTTP_LOG_PER_MIN;
	if (show)
		h->logged++;
	else
		h->suppressed++;
	pthread_mutex_unlock(&h->mu);
	if (suppressed)
		rg_warn("metrics listener: %lu more messages in the last minute not shown",
			suppressed);
	if (!show)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	rg_warn("metrics listener: %s%s", msg, h->logged == RG_HTTP_LOG_PER_MIN ?
		" (more such messages this minute are not shown)" : "");
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int code, char *body,
			       size_t len, bool allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_size, void **req)
{
	struct rg_http *h = cls;
	unsigned int code;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		/* answered before any body is read: the library closes the
		 * connection after the response
		 */
		fprintf(f, "method %s not allowed: use GET\n", method);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else {
		code = h->page(h->ctx, url, f);
	}
	if (fclose(f)) {
		free(body);
		return MHD_NO;
	}
	return respond(conn, code, body, len, code == MHD_HTTP_METHOD_NOT_ALLOWED);
}

int rg_http_start(struct rg_http **http, const char *spec, rg_http_page_fn page, void *ctx)
{
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss = {};
	char host[128] = "127.0.0.1";
	struct rg_http *h;
	const char *colon;
	long port;
	char *end;

	*http = NULL;
	colon = strrchr(spec, ':');
	if (colon) {
		size_t n = colon - spec;

		if (spec[0] == '[' && n >= 2 && spec[n - 1] == ']')
			snprintf(host, sizeof(host), "%.*s", (int)(n - 2), spec + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)n, spec);
	}
	port = strtol(colon ? colon + 1 : spec, &end, 10);
	if (*end || port <= 0 || port > 65535) {
		rg_err("bad --metrics '%s': use ADDR:PORT or PORT", spec);
		return -EINVAL;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	} else {
		rg_err("bad --metrics address '%s': give an IP address", host);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->page = page;
	h->ctx = ctx;
	pthread_mutex_init(&h->mu, NULL);
	/* the logger first: the library logs the options after it */
	h->mhd = MHD_start_daemon(flags, port, NULL, NULL, serve, h,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				  MHD_OPTION_SOCK_ADDR, &ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)RG_HTTP_MAX_CONNS,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)RG_HTTP_MAX_PER_IP,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)RG_HTTP_IDLE_S,
				  MHD_OPTION_END);
	if (!h->mhd) {
		rg_err("cannot serve metrics on %s (address in use?)", spec);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return -EADDRINUSE;
	}
	*http = h;
	return 0;
}

void rg_http_stop(struct rg_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
