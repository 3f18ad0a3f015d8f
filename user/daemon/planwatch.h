/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * planwatch.h - follow the daemon's plan file through whatever replaces it.
 *
 * inotify on the plan's directory sees an edit, a rename over the file and
 * a ConfigMap's ..data swap; inotify on the directory's parent sees the
 * directory itself replaced (a mv of the directory, a symlinked config
 * directory switched to a new release), and the directory's watch then
 * moves to what the path names now. What no watch sees (a swap higher up
 * the path) the once-a-second stat of the path does: a file that is not the
 * one last read, and holds still for a second, is read again.
 */
#ifndef RG_PLANWATCH_H
#define RG_PLANWATCH_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct rg_plansig {
	bool ok;		/* the path names something */
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns, ctime_ns;
	mode_t mode;
};

struct rg_planwatch {
	int fd;			/* inotify */
	int wd_dir, wd_parent;	/* -1: not watched (yet) */
	char path[PATH_MAX];	/* the plan file, as given */
	char dir[PATH_MAX];	/* its directory */
	char parent[PATH_MAX];	/* the directory's, "" when dir is / */
	char name[NAME_MAX + 1];	/* the plan file's name in dir */
	char dir_name[NAME_MAX + 1];	/* dir's name in parent */
	struct rg_plansig read;	/* what was on disk at the last read */
	struct rg_plansig seen;	/* a change seen by the last check */
};

enum { RG_PW_NONE, RG_PW_CHANGED, RG_PW_SETTLED };

/* Watches path (absolute). 0 or -errno (logged); the directory must
 * exist, its parent's watch is best effort.
 */
int rg_planwatch_open(struct rg_planwatch *w, const char *path);
void rg_planwatch_close(struct rg_planwatch *w);
/* Reads the pending events: RG_PW_SETTLED when one completes a change of
 * the plan (a rename onto it, a write closed on it, a ..data swap: read it
 * now), RG_PW_CHANGED when something else changed (read it after a
 * debounce), else RG_PW_NONE. A replaced directory is watched anew.
 */
int rg_planwatch_events(struct rg_planwatch *w);
/* Just before the plan is read: what is on disk now is what gets read. */
void rg_planwatch_reading(struct rg_planwatch *w);
/* Once a second: watches lost are taken again; true when the file on disk
 * is not the one last read and has held still since the last check.
 */
bool rg_planwatch_check(struct rg_planwatch *w);

#endif /* RG_PLANWATCH_H */
