#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh [PACKAGE...] - install what ringguard needs to build and test, from
# Debian's packages, and only what is missing. With arguments, those packages
# instead (tools/kernels/deps.sh). Run as root.
set -eu

DEFAULT_PKGS=(
	# build
	make gcc libc6-dev clang llvm pkg-config bpftool
	libbpf-dev libelf-dev zlib1g-dev libjson-c-dev nettle-dev
	libpcap-dev libmicrohttpd-dev libmnl-dev
	# sanitizers and libFuzzer for clang 14 (make fuzz, make test, make check)
	libclang-rt-14-dev
	# test and lab
	libcriterion-dev jq iproute2 iputils-ping util-linux tcpdump curl
	# make test: the safety suites again with both CPUs busy
	stress-ng
	# promtool, to check the metrics format
	prometheus
	# make bench: the nftables comparison; throughput by hook (iperf3) and
	# where its cost goes (perf)
	nftables iperf3 linux-perf
	# deployment checks (systemd-analyze verify, the manifests)
	systemd python3-yaml
	# packaging (tools/pkg/pkg.mk): make deb, make image, the Ansible role
	debhelper lintian mmdebstrap podman runc ansible ansible-lint
	# tests/systemd.sh: the package under systemd as PID 1 (systemd-nspawn)
	systemd-container
)
if [ $# -gt 0 ]; then PKGS=("$@"); else PKGS=("${DEFAULT_PKGS[@]}"); fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing ${missing[*]}: run as root to install them" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# wait for another apt (unattended-upgrades, a parallel build) instead
	# of failing on its lock
	apt=(apt-get -o DPkg::Lock::Timeout=900)
	"${apt[@]}" update -qq
	"${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bpffs: the CLI pins there, and tests reach it from `ip netns exec`
if [ "$(id -u)" = 0 ] && [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf /sys/fs/bpf
fi
