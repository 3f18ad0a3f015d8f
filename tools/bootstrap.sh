#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bootstrap.sh TARGET - the README's set-up commands: on a fresh Debian 12,
# as root, install what is missing (make first), then run `make TARGET`.
set -eu
cd "$(dirname "$0")/.."
if ! command -v make >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=900 update -qq
	apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends make >/dev/null
fi
bash tools/deps.sh
exec make --no-print-directory "$@"
