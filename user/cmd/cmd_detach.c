// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_detach.c - `ringguard detach`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "kernel/attach.h"
#include "lib/json.h"

struct detach_args {
	bool force;
};

static const struct rg_opt detach_opts[] = {
	RG_OPT_FLAG("force", 0, struct detach_args, force,
		    "even when a ringguard daemon owns this network namespace"),
	RG_OPT_END
};

static int cmd_detach(struct rg_cli *c);

const struct rg_cmd rg_detach_cmd = {
	.run = cmd_detach,
	.name = "detach",
	.summary = "remove programs, links, pins and the qdiscs ringguard added",
	.description =
"Refused while a ringguard daemon owns this network namespace: stop the\n"
"daemon first (enforcement stays pinned when it stops), then detach; with\n"
"--force the daemon exits with an error when its state goes.\n",
	.examples = "  ringguard detach\n"
"  systemctl stop ringguard && ringguard detach\n",
	.opts = detach_opts,
};

static int cmd_detach(struct rg_cli *c)
{
	struct detach_args a = {};
	struct rg_args pos;
	int err, lock;

	err = cli_parse(c, &a, &pos);
	if (!err)
		err = cli_resolve_dir(c, false);
	if (err)
		return err;
	if (!rg_state_exists(c->dir))
		return cli_fail(c, -ENOENT, "ringguard is not attached in this network namespace "
			    "(nothing in %s)", rg_state_display(c->dir));
	err = cli_daemon_owns(c, a.force, "a detach");
	if (err)
		return err;
	lock = cli_lock_state(c);
	if (lock < 0)
		return lock;
	err = rg_detach(c->dir);
	close(lock);
	if (err)
		return err;
	if (c->json) {
		struct rg_json j;

		rg_json_init(&j, stdout);
		rg_json_obj(&j, NULL);
		rg_json_bool(&j, "detached", true);
		rg_json_end(&j);
	}
	else
		printf("detached: programs, links, pins and ringguard's qdiscs removed\n");
	return 0;
}
