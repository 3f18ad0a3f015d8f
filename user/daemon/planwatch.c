// SPDX-License-Identifier: GPL-2.0-only
/*
 * planwatch.c - follow the daemon's plan file (see planwatch.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "daemon/planwatch.h"
#include "lib/log.h"

/* IN_CLOSE_WRITE, not IN_MODIFY, so a writer is done before we read;
 * *_SELF: the directory itself moved away or went
 */
#define DIR_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
			 IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define PARENT_EVENTS	(IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE)

static void split(const char *path, char *dir, size_t dlen, char *name, size_t nlen)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dlen, ".");
		snprintf(name, nlen, "%s", path);
	} else {
		snprintf(dir, dlen, "%.*s", slash == path ? 1 : (int)(slash - path), path);
		snprintf(name, nlen, "%s", slash + 1);
	}
}

/* The directory's watch follows the path: a new directory in its place
 * (or the symlink's new target) is watched, the one moved away is not.
 */
static void watch_dir(struct rg_planwatch *w)
{
	int wd = inotify_add_watch(w->fd, w->dir, DIR_EVENTS);

	if (w->wd_dir >= 0 && wd != w->wd_dir)
		inotify_rm_watch(w->fd, w->wd_dir);
	if (wd < 0 && w->wd_dir >= 0)
		rg_warn("cannot watch %s: %s (the plan is checked every second until it is "
			"back)", w->dir, strerror(errno));
	else if (wd >= 0 && w->wd_dir < 0)
		rg_info("watching %s again", w->dir);
	w->wd_dir = wd;
}

static void watch_parent(struct rg_planwatch *w)
{
	if (w->parent[0] && w->wd_parent < 0)
		w->wd_parent = inotify_add_watch(w->fd, w->parent, PARENT_EVENTS);
}

int rg_planwatch_open(struct rg_planwatch *w, const char *path)
{
	char name[NAME_MAX + 1];

	memset(w, 0, sizeof(*w));
	w->wd_dir = w->wd_parent = -1;
	snprintf(w->path, sizeof(w->path), "%s", path);
	split(path, w->dir, sizeof(w->dir), w->name, sizeof(w->name));
	if (strcmp(w->dir, "/")) {
		split(w->dir, w->parent, sizeof(w->parent), name, sizeof(name));
		snprintf(w->dir_name, sizeof(w->dir_name), "%s", name);
	}
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0) {
		int err = -errno;

		rg_err("cannot set up inotify: %s", strerror(errno));
		return err;
	}
	w->wd_dir = inotify_add_watch(w->fd, w->dir, DIR_EVENTS);
	if (w->wd_dir < 0) {
		int err = -errno;

		rg_err("cannot watch %s: %s", w->dir, strerror(errno));
		return err;
	}
	watch_parent(w);
	return 0;
}

void rg_planwatch_close(struct rg_planwatch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

int rg_planwatch_events(struct rg_planwatch *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	bool rewatch = false;
	int r = RG_PW_NONE;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p + sizeof(*ev) <= buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				rewatch = true;		/* events lost: look again */
			} else if (ev->wd == w->wd_parent) {
				if (ev->len && !strcmp(ev->name, w->dir_name))
					rewatch = true;
				if (ev->mask & IN_IGNORED)
					w->wd_parent = -1;	/* the parent went: check() retries */
				continue;
			} else if (ev->wd != w->wd_dir) {
				continue;	/* a directory moved away, before its watch went */
			}
			if (ev->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED))
				rewatch = true;
			if (r == RG_PW_NONE)
				r = RG_PW_CHANGED;
			if ((ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) && ev->len &&
			    (!strcmp(ev->name, w->name) || !strcmp(ev->name, "..data")))
				r = RG_PW_SETTLED;
		}
	if (rewatch) {
		watch_dir(w);
		watch_parent(w);
		if (r == RG_PW_NONE)
			r = RG_PW_CHANGED;
	}
	return r;
}

static void sig_of(const char *path, struct rg_plansig *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st))
		return;
	s->ok = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mode = st.st_mode;
	s->mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
	s->ctime_ns = st.st_ctim.tv_sec * 1000000000ll + st.st_ctim.tv_nsec;
}

static bool sig_eq(const struct rg_plansig *a, const struct rg_plansig *b)
{
	return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns && a->mode == b->mode;
}

void rg_planwatch_reading(struct rg_planwatch *w)
{
	sig_of(w->path, &w->read);
	w->seen = w->read;
}

bool rg_planwatch_check(struct rg_planwatch *w)
{
	struct rg_plansig now;
	bool due;

	if (w->wd_dir < 0)
		watch_dir(w);
	watch_parent(w);
	sig_of(w->path, &now);
	if (sig_eq(&now, &w->read))
		return false;
	/* changed since the read: due once it holds still for a check */
	due = sig_eq(&now, &w->seen);
	w->seen = now;
	return due;
}
