# SPDX-License-Identifier: GPL-2.0-only
#
# tools/deploy/deploy.mk - the systemd unit (included by the top-level
# Makefile).
#
#   make install      also installs the unit, @SBINDIR@ filled in, at
#                     $(DESTDIR)$(PREFIX)/lib/systemd/system/ringguard.service
#   make check-unit   installs into $(OUTPUT)/stage and runs
#                     `systemd-analyze verify` on the installed unit; any
#                     warning fails. Needs no running systemd, nor root
#                     unless systemd-analyze has to be installed.

UNIT_SRC	:= tools/deploy/ringguard.service
UNITDIR		:= $(PREFIX)/lib/systemd/system
# where ExecStart= looks for the binary: where `make install` puts it
UNIT_SBINDIR	?= $(PREFIX)/sbin
UNIT_GEN	:= $(OUTPUT)/deploy/ringguard.service
UNIT_STAGE	:= $(abspath $(OUTPUT))/stage
# systemd-analyze verify checks that ExecStart='s binary exists, so the staged
# unit points at the staged binary; everything else is the file `make
# install` writes.
UNIT_STAGED	:= $(UNIT_STAGE)$(UNITDIR)/ringguard.service
# The hardening is checked too: `systemd-analyze security` rates the unit's
# exposure from 0.0 (locked down) to 10.0 and fails above --threshold, given
# in tenths (28 = 2.8). The unit rates 2.7: a daemon that must run as root
# with CAP_SYS_ADMIN on the host's network cannot go much lower.
UNIT_EXPOSURE	?= 28

.PHONY: install-unit check-unit

install: install-unit

install-unit: $(UNIT_SRC)
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/ringguard.service)
	$(Q)mkdir -p $(dir $(UNIT_GEN))
	$(Q)sed 's|@SBINDIR@|$(UNIT_SBINDIR)|g' $< > $(UNIT_GEN)
	$(Q)! grep -n '@[A-Z]*@' $(UNIT_GEN)
	$(Q)install -D -m 0644 $(UNIT_GEN) $(DESTDIR)$(UNITDIR)/ringguard.service

check-unit:
	$(Q)command -v systemd-analyze >/dev/null || { \
		echo "check-unit: installing systemd (for systemd-analyze)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null; }
	$(Q)rm -rf $(UNIT_STAGE)
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(UNIT_STAGE) \
		UNIT_SBINDIR=$(UNIT_STAGE)$(PREFIX)/sbin
	$(call msg,VERIFY,$(UNIT_STAGED))
	$(Q)test "$$(stat -c %a $(UNIT_STAGED))" = 644
	$(Q)out=$$(systemd-analyze verify --man=no $(UNIT_STAGED) 2>&1); rc=$$?; \
		if [ $$rc -ne 0 ] || [ -n "$$out" ]; then \
			printf '%s\n' "$$out"; echo "check-unit: systemd-analyze verify failed (rc $$rc)"; exit 1; \
		fi
	$(call msg,SECURITY,$(UNIT_STAGED))
	$(Q)out=$$(systemd-analyze security --offline=yes --threshold=$(UNIT_EXPOSURE) \
		--no-pager $(UNIT_STAGED) 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | tail -n 1; \
		if [ $$rc -ne 0 ]; then \
			printf '%s\n' "$$out" | grep '✗'; \
			echo "check-unit: exposure above $(UNIT_EXPOSURE)/10"; exit 1; \
		fi
