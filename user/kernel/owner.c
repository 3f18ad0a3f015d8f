// SPDX-License-Identifier: GPL-2.0-only
/*
 * owner.c - who may touch a namespace's pinned state: the pin directory
 * only root can write, and the one daemon that owns the namespace.
 *
 * Why: /sys/fs/bpf mounted without mode= is 1777. A user who creates
 * netns-<inode>/links first owns it, and can unlink the link pins later
 * with no capability at all: the links go, and nothing says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "kernel/attach.h"
#include "kernel/owner.h"
#include "plan/plan.h"
#include "kernel/state.h"

#define WRITABLE_BY_OTHERS	(S_IWGRP | S_IWOTH)

static bool ours(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* A directory ringguard made (or could have): a real directory, owned by
 * root, that nobody else may write.
 */
static int check_own(const char *path, const struct stat *st, char *why, size_t len)
{
	const char *show = rg_state_display(path);

	if (S_ISLNK(st->st_mode)) {
		snprintf(why, len, "%s is a symbolic link, not ringguard's directory: remove it "
			 "('rm %s'), ringguard creates its own", show, show);
		return -EPERM;
	}
	if (!S_ISDIR(st->st_mode)) {
		snprintf(why, len, "%s is not a directory: remove it ('rm %s')", show, show);
		return -EPERM;
	}
	if (!ours(st->st_uid)) {
		snprintf(why, len, "%s belongs to uid %u, not root: another user created it "
			 "before ringguard did and could remove the pins in it (enforcement would "
			 "end silently); remove it ('rm -r %s', after checking what it holds) and "
			 "mount the bpffs with mode=0700 so only root can create in it",
			 show, (unsigned int)st->st_uid, show);
		return -EPERM;
	}
	if (st->st_mode & WRITABLE_BY_OTHERS) {
		snprintf(why, len, "%s can be written by other users (mode %04o): they could "
			 "remove its pins; 'chmod 0700 %s' (ringguard creates it 0700)",
			 show, (unsigned int)(st->st_mode & 07777), show);
		return -EPERM;
	}
	return 0;
}

/* A directory above ours (the bpffs mount, /sys/fs, ...): root's, and
 * not writable by others unless sticky (a 1777 bpffs is fine: nobody else
 * may rename or remove what root made in it).
 */
static int check_above(const char *path, const struct stat *st, char *why, size_t len)
{
	const char *show = rg_state_display(path);

	if (!ours(st->st_uid)) {
		snprintf(why, len, "%s, above the pin directory, belongs to uid %u: that user "
			 "could move the pin directory away and put one of theirs in its place; "
			 "'chown root %s', or pass --pin-dir on a bpffs that root owns",
			 show, (unsigned int)st->st_uid, show);
		return -EPERM;
	}
	if ((st->st_mode & WRITABLE_BY_OTHERS) && !(st->st_mode & S_ISVTX)) {
		snprintf(why, len, "%s, above the pin directory, can be written by other users "
			 "and is not sticky (mode %04o): they could move the pin directory away; "
			 "'chmod go-w %s' (or +t), or pass --pin-dir on a bpffs mounted with "
			 "mode=0700", show, (unsigned int)(st->st_mode & 07777), show);
		return -EPERM;
	}
	return 0;
}

/* path as check_own wants it; made (0700) when missing and create is set.
 * A missing path is fine when create is not: there is nothing to trust.
 */
static int trust_dir(const char *path, bool create, bool mount_root, char *why, size_t len)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno != ENOENT)
			goto fail;
		if (!create)
			return 0;
		/* EEXIST: someone came between; what they made is checked below */
		if (mkdir(path, 0700) && errno != EEXIST)
			goto fail;
		if (lstat(path, &st))
			goto fail;
	}
	/* --pin-dir on the bpffs mount itself: a 1777 mount is fine */
	if (mount_root && S_ISDIR(st.st_mode))
		return check_above(path, &st, why, len);
	return check_own(path, &st, why, len);
fail:
	snprintf(why, len, "cannot create %s: %s", rg_state_display(path), strerror(errno));
	return -errno;
}

int rg_state_trust(const char *dir, bool create, char *why, size_t len)
{
	static const char *const subs[] = { "maps", "links", "progs", "owner" };
	char root[PATH_MAX], path[PATH_MAX], *slash;
	size_t prefix = rg_state_display(dir) - dir;	/* /proc/PID/root, or nothing */
	struct stat st, up;
	bool mount_root;
	int err;

	snprintf(root, sizeof(root), "%s", dir);
	slash = strrchr(root, '/');
	if (!slash || slash == root)
		return 0;
	/* "--pin-dir /x/ringguard/": lstat of "ringguard/" would follow a link */
	while (slash > root && slash[-1] == '/')
		slash--;
	*slash = '\0';

	/* the directories above the pin root, up to / (of the launcher, for
	 * a CLI inside `ip netns exec`)
	 */
	snprintf(path, sizeof(path), "%s", root);
	while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > prefix) {
		*slash = '\0';
		if (stat(path, &st))
			continue;
		err = check_above(path, &st, why, len);
		if (err)
			return err;
	}
	/* the pin root; on its own bpffs mount (another device than what
	 * holds it) the mount's root
	 */
	snprintf(path, sizeof(path), "%s", root);
	slash = strrchr(path, '/');
	mount_root = false;
	if (slash && slash != path) {
		*slash = '\0';
		mount_root = !stat(root, &st) && !stat(path, &up) && st.st_dev != up.st_dev;
	}
	err = trust_dir(root, create, mount_root, why, len);
	if (!err)
		err = trust_dir(dir, create, false, why, len);
	for (size_t i = 0; !err && i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		err = trust_dir(path, false, false, why, len);
	}
	return err;
}

/* --- the owner ------------------------------------------------------------ */

/* "pid 812, unit ringguard.service", "pid 7, pod kube-system/ringguard-x2x4q",
 * or "pid 812": what a second daemon's refusal names.
 */
static void describe_self(char *buf, size_t len)
{
	const char *pod = getenv("POD_NAME"), *ns = getenv("POD_NAMESPACE");
	char line[512], unit[256] = "";
	FILE *f;

	/* systemd gives a service INVOCATION_ID; its cgroup names the unit */
	if (getenv("INVOCATION_ID") && (f = fopen("/proc/self/cgroup", "r"))) {
		while (fgets(line, sizeof(line), f)) {
			char *last = strrchr(line, '/');

			line[strcspn(line, "\n")] = '\0';
			if (last && (strstr(last, ".service") || strstr(last, ".scope")))
				snprintf(unit, sizeof(unit), "%s", last + 1);
		}
		fclose(f);
	}
	if (pod && *pod)
		snprintf(buf, len, "pid %d, pod %s%s%s", (int)getpid(), ns && *ns ? ns : "",
			 ns && *ns ? "/" : "", pod);
	else if (unit[0])
		snprintf(buf, len, "pid %d, unit %s", (int)getpid(), unit);
	else
		snprintf(buf, len, "pid %d", (int)getpid());
}

static void read_who(const char *dir, char *who, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/owner/daemon", dir);
	n = len ? readlink(path, who, len - 1) : -1;
	if (n < 0)
		snprintf(who, len, "a daemon that did not say who it is");
	else
		who[n] = '\0';
}

static bool same_inode(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !lstat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int rg_owner_take(const char *dir, struct rg_owner *o, char *holder, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct timespec pause = { .tv_nsec = 100 * 1000000 };
	int fd = -1, err = 0;

	o->fd = -1;
	snprintf(path, sizeof(path), "%s/owner", dir);
	snprintf(link, sizeof(link), "%s/daemon", path);
	/* a few tries: a CLI's look (a shared lock) lasts an instant, and
	 * a detach may remove the directory between open and flock
	 */
	for (int i = 0; i < 5; i++) {
		if (i)
			nanosleep(&pause, NULL);
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			close(fd);
			fd = -1;
			if (err != -EBUSY)
				return err;
			continue;
		}
		if (same_inode(fd, path))
			break;
		close(fd);	/* removed under us: take the new one */
		fd = -1;
		err = -EAGAIN;
	}
	if (fd < 0) {
		if (err == -EBUSY)
			read_who(dir, holder, len);
		return err;
	}
	describe_self(o->who, sizeof(o->who));
	unlink(link);
	if (symlink(o->who, link)) {
		err = -errno;
		close(fd);
		return err;
	}
	o->fd = fd;
	return 0;
}

void rg_owner_release(struct rg_owner *o)
{
	if (o->fd >= 0)
		close(o->fd);	/* the lock goes with it */
	o->fd = -1;
}

int rg_owner_of(const char *dir, char *who, size_t len)
{
	char path[PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/owner", dir);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* shared: two people looking at once do not see each other */
	if (flock(fd, LOCK_SH | LOCK_NB)) {
		r = errno == EWOULDBLOCK ? 1 : -errno;
		if (r == 1)
			read_who(dir, who, len);
	}
	close(fd);
	return r;
}

bool rg_owner_held(const char *dir, const struct rg_owner *o)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/owner", dir);
	return o->fd >= 0 && same_inode(o->fd, path);
}

void rg_owner_stop_hint(const char *who, char *buf, size_t len)
{
	const char *unit = strstr(who, "unit "), *pod = strstr(who, "pod ");
	int pid = 0;

	sscanf(who, "pid %d", &pid);
	if (unit) {
		snprintf(buf, len, "'systemctl stop %s'", unit + 5);
	} else if (pod) {
		char ns[128] = "", name[128] = "";
		const char *slash = strchr(pod + 4, '/');

		if (slash)
			snprintf(ns, sizeof(ns), "%.*s", (int)(slash - pod - 4), pod + 4);
		snprintf(name, sizeof(name), "%s", slash ? slash + 1 : pod + 4);
		snprintf(buf, len, "remove the pod's DaemonSet from this node, or 'kubectl%s%s "
			 "delete pod %s' if it was started by mistake", ns[0] ? " -n " : "", ns, name);
	} else if (pid > 0) {
		snprintf(buf, len, "'kill %d'", pid);
	} else {
		snprintf(buf, len, "stop that daemon");
	}
}

/* --- what backs the report ---------------------------------------------- */

int rg_hooks_broken(const char *dir, const struct rg_maps *m, char *why, size_t len)
{
	__u32 key, next, *prev = NULL;
	char one[512];
	int n = 0, r;

	while (bpf_map_get_next_key(m->ifaces, prev, &next) == 0) {
		char name[IF_NAMESIZE];
		struct rg_iface ifc;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->ifaces, &key, &ifc))
			continue;
		/* a vanished interface is waited for, not broken */
		if (!if_indextoname(key, name) || strncmp(name, ifc.name, sizeof(ifc.name)))
			continue;
		r = rg_hooks_check(dir, key, &ifc, one, sizeof(one));
		if (r && r != -ENOLINK) {
			/* could not look (no descriptor, no memory): not broken */
			snprintf(why, len, "%s", one);
			return r;
		}
		if (!r || n++)
			continue;
		snprintf(why, len, "%s", one);
	}
	return n;
}

int rg_wanted_unattached(const struct rg_maps *m, const struct rg_host_if *want, int n,
			 char *why, size_t len)
{
	int missing = 0;

	for (int i = 0; i < n; i++) {
		__u32 ifindex = if_nametoindex(want[i].name);
		struct rg_iface ifc;

		if (!ifindex)
			continue;	/* not there: attached when it appears */
		if (!bpf_map_lookup_elem(m->ifaces, &ifindex, &ifc) &&
		    !strncmp(ifc.name, want[i].name, sizeof(ifc.name)))
			continue;
		if (!missing++)
			snprintf(why, len, "%s: present, but ringguard could not attach to it "
				 "(the error is above)", want[i].name);
	}
	return missing;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

enum rg_backing rg_backing(const char *dir, const struct rg_maps *m, char *why, size_t len)
{
	char path[PATH_MAX];
	__u32 pinned;
	int fd, n;

	snprintf(path, sizeof(path), "%s/maps/%s", dir, rg_map_descs[RG_MAP_META].name);
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT) {
		/* short of descriptors or memory: no answer, and no reason to
		 * think the state went
		 */
		snprintf(why, len, "cannot look at the pins in %s: %s", rg_state_display(dir),
			 strerror(errno));
		return RG_BACKING_UNKNOWN;
	}
	pinned = map_id(fd);
	if (fd >= 0)
		close(fd);
	if (!pinned) {
		snprintf(why, len, "the pinned state in %s is gone (ringguard detach --force, "
			 "or its pins were removed)", rg_state_display(dir));
		return RG_STATE_LOST;
	}
	if (pinned != map_id(m->meta)) {
		snprintf(why, len, "the state pinned in %s is not this daemon's any more "
			 "(detached and attached again under it)", rg_state_display(dir));
		return RG_STATE_LOST;
	}
	n = rg_hooks_broken(dir, m, why, len);
	return n < 0 ? RG_BACKING_UNKNOWN : n ? RG_HOOKS_LOST : RG_BACKED;
}
