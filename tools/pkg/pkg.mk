# SPDX-License-Identifier: GPL-2.0-only
#
# tools/pkg/pkg.mk - the three ways to install ringguard (included by the
# top-level Makefile):
#
#   make deb          $(DEB): a Debian package built with debhelper from a
#                     clean copy of the tree (.output/pkg/src: the files git
#                     knows, tracked or new, or all but .output* outside
#                     git), with tools/pkg/debian/ as its debian/; then
#                     lintian, which must report no error. Rebuilt when one
#                     of those files changes.
#   make image        $(IMAGE_ARCHIVE): an OCI image (tag $(IMAGE)) made from
#                     Debian packages only: the .deb above and what its
#                     Depends pull in (dpkg-shlibdeps, from the binary's real
#                     links), unpacked by mmdebstrap; tools/pkg/image.sh.
#                     `make -B image` picks up Debian's updates.
#   make test-packaging
#                     tests/packaging.sh: the .deb installed, upgraded,
#                     removed and purged on this machine, the image run with
#                     podman in a lab namespace, the Ansible role
#                     (tools/deploy/ansible/) linted and run
#   make test-systemd tests/systemd.sh: the .deb installed with apt in a
#                     minimal Debian booted with systemd as PID 1
#                     (systemd-nspawn -b), and the unit's life there: start,
#                     reload, plan edit, watchdog restart, a load failure,
#                     upgrade, stop, remove, purge
#
# The version is debian/changelog's; `make deb` fails if the binary reports
# another one (user/cmd/main.c's RG_VERSION).

PKG_DEBIAN	:= tools/pkg/debian
# "ringguard (0.1.0) unstable; ..." -> 0.1.0, without a perl per make run
PKG_LP		:= (
PKG_RP		:= )
PKG_VERSION	:= $(subst $(PKG_LP),,$(subst $(PKG_RP),,$(word 2,$(shell head -n1 $(PKG_DEBIAN)/changelog))))
PKG_ARCH	:= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
PKG_WORK	:= $(OUTPUT)/pkg
PKG_SRC		:= $(PKG_WORK)/src
DEB		:= $(OUTPUT)/ringguard_$(PKG_VERSION)_$(PKG_ARCH).deb
IMAGE		?= localhost/ringguard:$(PKG_VERSION)
IMAGE_ARCHIVE	:= $(OUTPUT)/ringguard_$(PKG_VERSION)_$(PKG_ARCH).oci.tar
# the same lists as tools/deps.sh's, for these targets alone
DEB_DEPS	:= debhelper lintian
IMAGE_DEPS	:= mmdebstrap podman runc
ROLE_DEPS	:= ansible ansible-lint
NSPAWN_DEPS	:= systemd-container mmdebstrap

# rebuilt when a file git knows changes (outside git: only when missing)
PKG_SRCS	:= $(wildcard $(filter-out .output%,$(shell git ls-files --cached --others \
		   --exclude-standard 2>/dev/null)))

.PHONY: deb image test-packaging test-systemd

deb: $(DEB)
image: $(IMAGE_ARCHIVE)

$(DEB): $(PKG_SRCS)
	$(Q)tools/deps.sh $(DEB_DEPS)
	$(call msg,DEB,$(DEB))
	$(Q)rm -rf $(PKG_WORK) && mkdir -p $(PKG_SRC)
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			xargs -0 -I{} sh -c '[ ! -e "{}" ] || cp -a --parents "{}" $(PKG_SRC)/'; \
	else \
		tar -c --exclude='./.output*' . | tar -x -C $(PKG_SRC); \
	fi
	$(Q)cp -a $(PKG_DEBIAN) $(PKG_SRC)/debian
	$(Q)cd $(PKG_SRC) && DEB_BUILD_OPTIONS="parallel=$$(nproc) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -b -us -uc --no-sign >../build.log 2>&1 || { \
		tail -40 ../build.log; echo "deb: dpkg-buildpackage failed (log: $(PKG_WORK)/build.log)"; exit 1; }
	$(Q)cp $(PKG_WORK)/ringguard_$(PKG_VERSION)_$(PKG_ARCH).deb $(DEB)
	$(Q)got=$$($(PKG_SRC)/.output/ringguard --version | cut -d' ' -f2); \
		[ "$$got" = "$(PKG_VERSION)" ] || { \
		echo "deb: the binary says version $$got, $(PKG_DEBIAN)/changelog $(PKG_VERSION): bump both"; exit 1; }
	$(call msg,LINTIAN,$(DEB))
	$(Q)lintian --fail-on error $(PKG_WORK)/ringguard_$(PKG_VERSION)_$(PKG_ARCH).changes
	$(Q)printf '  %-8s %s: %s bytes\n' SIZE $(DEB) "$$(stat -c %s $(DEB))"

$(IMAGE_ARCHIVE): $(DEB) tools/pkg/image.sh
	$(Q)tools/deps.sh $(IMAGE_DEPS)
	$(call msg,IMAGE,$(IMAGE_ARCHIVE))
	$(Q)tools/pkg/image.sh $(DEB) $(IMAGE) $(IMAGE_ARCHIVE)

test-packaging:
	$(Q)tools/deps.sh $(DEB_DEPS) $(IMAGE_DEPS) $(ROLE_DEPS)
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TEST_TOOLS)
	$(Q)tests/packaging.sh $(OUTPUT)

test-systemd:
	$(Q)tools/deps.sh $(DEB_DEPS) $(NSPAWN_DEPS)
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TEST_TOOLS)
	$(Q)tests/systemd.sh $(OUTPUT)
