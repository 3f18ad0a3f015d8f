/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * owner.h - who may touch a namespace's pinned state.
 *
 * The pin directory: only root (the user ringguard runs as) may own or
 * write the pin root, netns-<inode>/ and what is below it, so nobody else
 * can have created it first, or remove a link pin later. The bpffs mount
 * itself may be 1777 (a bpffs mounted without mode=): its sticky bit keeps
 * other users away from our directory in it.
 *
 * One daemon per namespace: a daemon holds an flock on netns-<inode>/owner
 * for its lifetime, with a symlink owner/daemon whose target says who it is
 * ("pid 812, unit ringguard.service"). The lock says whether it is alive
 * (it goes with the process, kill -9 included), the symlink names it.
 */
#ifndef RG_OWNER_H
#define RG_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* Checks dir (<pin-root>/netns-<inode>), its subdirectories and its pin
 * root, and the directories above the pin root; with create, makes what
 * is missing (mode 0700) and checks it again after. 0, or -EPERM with
 * why: what is wrong and how to fix it.
 */
int rg_state_trust(const char *dir, bool create, char *why, size_t len);

struct rg_owner {
	int fd;			/* the locked owner directory, -1 if none */
	char who[160];		/* this daemon, as the symlink says */
};

/* Takes dir's namespace for this daemon: 0; -EBUSY when another daemon
 * holds it (holder: who it is); -errno.
 */
int rg_owner_take(const char *dir, struct rg_owner *o, char *holder, size_t len);
void rg_owner_release(struct rg_owner *o);
/* Whether a daemon owns dir's namespace now: 1 (who: who it is), 0, -errno. */
int rg_owner_of(const char *dir, char *who, size_t len);
/* Whether the owner directory pinned in dir is still the one o locked. */
bool rg_owner_held(const char *dir, const struct rg_owner *o);
/* What to do about an owner: "systemctl stop UNIT", "kubectl -n NS delete
 * pod NAME" or "kill PID", from its description.
 */
void rg_owner_stop_hint(const char *who, char *buf, size_t len);

/* The interfaces in m's rg_ifaces that are present and lack a hook
 * (rg_hooks_check): how many, and the first one's why.
 */
struct rg_maps;
/* how many attached interfaces lost a hook (why: the first), or -errno
 * when it could not look
 */
int rg_hooks_broken(const char *dir, const struct rg_maps *m, char *why, size_t len);

/* The interfaces of want[0..n) that are present but have no rg_ifaces
 * entry (their attach failed): how many, and the first one's why.
 */
struct rg_host_if;
int rg_wanted_unattached(const struct rg_maps *m, const struct rg_host_if *want, int n,
			 char *why, size_t len);

/* What still backs a running daemon's report of enforcement. */
enum rg_backing {
	RG_BACKED,		/* its state is pinned and every hook in place */
	RG_HOOKS_LOST,		/* a link or filter is gone: re-attach */
	RG_STATE_LOST,		/* its maps are unpinned or replaced: detached */
	RG_BACKING_UNKNOWN,	/* could not look (no descriptor, no memory): no news */
};

/* m: the maps the daemon works with; why says what is lost. */
enum rg_backing rg_backing(const char *dir, const struct rg_maps *m, char *why, size_t len);

#endif /* RG_OWNER_H */
