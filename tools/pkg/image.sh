#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# image.sh DEB IMAGE ARCHIVE - the DaemonSet's image, from Debian packages
# only, with no registry: mmdebstrap unpacks the package DEB (`make deb`)
# and what its Depends pull in (dh_shlibdeps wrote those from the binary's
# real links), plus busybox-static for the init container's sh, stat and
# mount; `podman import` turns the tree into an image named IMAGE, saved as
# the OCI archive ARCHIVE. Packages come from this machine's apt sources
# (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list), so the image
# has the same Debian release as the build. Podman works in a private store
# under ARCHIVE's directory, removed afterwards: nothing is left in the
# machine's container storage. Run as root.
set -eu

DEB=$(realpath "$1")
IMAGE=$2
ARCHIVE=$(realpath -m "$3")
WORK=$(dirname "$ARCHIVE")/image
SUITE=$(. /etc/os-release && echo "$VERSION_CODENAME")

[ -r "$DEB" ] || { echo "image: no package $1: run 'make deb' first" >&2; exit 1; }
[ -n "$SUITE" ] || { echo "image: cannot tell this machine's Debian release from /etc/os-release" >&2; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK"
cleanup() {
	podman --root "$WORK/store" --runroot "$WORK/run" --storage-driver vfs \
		rmi -a -f >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# the machine's own apt sources, in one file mmdebstrap reads
sources=$WORK/apt.sources
: > "$sources"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -r "$f" ] && { cat "$f"; echo; } >> "$sources"
done
grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list >> "$sources" || true
grep -q 'debian' "$sources" || { echo "image: no Debian apt source on this machine" >&2; exit 1; }

# what the package needs, as apt resolves it: the same libraries the binary
# links (dpkg-shlibdeps), and theirs
echo "  image: $(basename "$DEB") needs: $(dpkg-deb -f "$DEB" Depends)"

# apt reads the .deb outside the tree and has dpkg read the same path inside
# it: a copy at the same path in both, removed from the tree afterwards.
# --variant=extract: the packages are unpacked, not configured; no dpkg,
# apt or shell of their own (busybox's sh is the only one), and the
# only hooks that run are extract hooks.
debdir=/tmp/rg-image-$$
mkdir -p "$debdir" && cp "$DEB" "$debdir/"
trap 'rm -rf "$debdir"; cleanup' EXIT
mmdebstrap --quiet --variant=extract --mode=root --format=directory \
	--setup-hook='mkdir -p "$1'"$debdir"'" && cp '"$debdir"'/*.deb "$1'"$debdir"'/"' \
	--include="busybox-static" --include="$debdir/$(basename "$DEB")" \
	--extract-hook='rm -rf "$1'"$debdir"'"' \
	--extract-hook='for a in sh stat mount; do ln -sf busybox "$1/bin/$a"; done' \
	--extract-hook='cd "$1" && rm -rf usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/share/bug usr/share/bash-completion usr/lib/x86_64-linux-gnu/gconv var/cache/* var/lib/apt var/log/* && find usr/share/doc -type f ! -name copyright -delete' \
	--extract-hook='mkdir -p "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/run" "$1/etc"' \
	"$SUITE" "$WORK/rootfs" "$sources"

[ -x "$WORK/rootfs/usr/sbin/ringguard" ] || { echo "image: the package did not install /usr/sbin/ringguard" >&2; exit 1; }
# every library the binary loads is in the tree
missing=$(chroot "$WORK/rootfs" /lib64/ld-linux-x86-64.so.2 --list /usr/sbin/ringguard 2>&1 | grep 'not found' || true)
[ -z "$missing" ] || { echo "image: missing in the image: $missing" >&2; exit 1; }
version=$(chroot "$WORK/rootfs" /usr/sbin/ringguard --version)
echo "  image: $version, $(du -sh --apparent-size "$WORK/rootfs" | cut -f1) unpacked"

p=(podman --root "$WORK/store" --runroot "$WORK/run" --storage-driver vfs)
tar -C "$WORK/rootfs" --numeric-owner -c . | "${p[@]}" import \
	--change 'ENTRYPOINT ["/usr/sbin/ringguard"]' \
	--change 'CMD ["--help"]' \
	--change "LABEL org.opencontainers.image.title=ringguard" \
	--change "LABEL org.opencontainers.image.version=$(dpkg-deb -f "$DEB" Version)" \
	--change "LABEL org.opencontainers.image.licenses=GPL-2.0-only" \
	--change "LABEL org.opencontainers.image.description=ringguard daemon: XDP/tc enforcement of the IPv6 address plan" \
	- "$IMAGE" >/dev/null
rm -f "$ARCHIVE"
"${p[@]}" save --quiet --format oci-archive -o "$ARCHIVE" "$IMAGE"
echo "  image: $IMAGE in $ARCHIVE: $(stat -c %s "$ARCHIVE") bytes (OCI archive, one gzip layer)"
