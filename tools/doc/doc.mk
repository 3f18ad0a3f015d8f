# SPDX-License-Identifier: GPL-2.0-only
#
# tools/doc/doc.mk - the man page ringguard(8) and the bash completion
# (included by the top-level Makefile).
#
#   make install      also installs the man page, gzipped, at
#                     $(DESTDIR)$(PREFIX)/share/man/man8/ringguard.8.gz and the
#                     completion at
#                     $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ringguard
#   make check-doc    renders the page with every groff warning on (any
#                     warning fails), checks that lexgrog finds its NAME line,
#                     that every command of the command files (user/cmd/) has a section
#                     in the page and a place in the completion, stages
#                     install-doc and checks what it wrote, and runs
#                     tools/doc/test-completion.sh. Needs no root unless
#                     man-db or groff-base has to be installed.

DOC_MAN		:= tools/doc/ringguard.8
DOC_COMPLETION	:= tools/doc/ringguard.bash
DOC_MANDIR	:= $(PREFIX)/share/man/man8
# where the bash-completion package looks them up on first use ($XDG_DATA_DIRS)
DOC_COMPDIR	:= $(PREFIX)/share/bash-completion/completions
DOC_MAN_GZ	:= $(OUTPUT)/doc/ringguard.8.gz
DOC_STAGE	:= $(abspath $(OUTPUT))/doc-stage

.PHONY: install-doc check-doc

install: install-doc

# -n: no name or time stamp in the header, so the same page gives the same bytes
$(DOC_MAN_GZ): $(DOC_MAN)
	$(call msg,GZIP,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)gzip -9n -c $< > $@

install-doc: $(DOC_MAN_GZ) $(DOC_COMPLETION)
	$(call msg,INSTALL,$(DESTDIR)$(DOC_MANDIR)/ringguard.8.gz)
	$(Q)install -D -m 0644 $(DOC_MAN_GZ) $(DESTDIR)$(DOC_MANDIR)/ringguard.8.gz
	$(call msg,INSTALL,$(DESTDIR)$(DOC_COMPDIR)/ringguard)
	$(Q)install -D -m 0644 $(DOC_COMPLETION) $(DESTDIR)$(DOC_COMPDIR)/ringguard

check-doc:
	$(Q)command -v man >/dev/null && command -v lexgrog >/dev/null && command -v groff >/dev/null || { \
		echo "check-doc: installing man-db and groff-base"; \
		bash tools/deps.sh man-db groff-base; }
	$(call msg,GROFF,$(DOC_MAN))
	$(Q)out=$$(groff -man -ww -z $(DOC_MAN) 2>&1); rc=$$?; \
		if [ $$rc -ne 0 ] || [ -n "$$out" ]; then \
			printf '%s\n' "$$out"; echo "check-doc: groff warnings in $(DOC_MAN)"; exit 1; \
		fi
	$(call msg,MAN,$(DOC_MAN))
	$(Q)out=$$(MANWIDTH=80 man --warnings -E UTF-8 -l $(DOC_MAN) 2>&1 >/dev/null); rc=$$?; \
		if [ $$rc -ne 0 ] || [ -n "$$out" ]; then \
			printf '%s\n' "$$out"; echo "check-doc: man warnings in $(DOC_MAN)"; exit 1; \
		fi
	$(call msg,LEXGROG,$(DOC_MAN))
	$(Q)lexgrog $(DOC_MAN) | grep -q ': "ringguard - ' || { \
		lexgrog $(DOC_MAN); echo "check-doc: lexgrog finds no NAME line in $(DOC_MAN)"; exit 1; }
	$(call msg,COMMANDS,user/cmd)
	$(Q)cmds=$$(sed -n 's/^[[:space:]]*\.name = "\([a-z-]*\)",.*/\1/p' user/cmd/main.c user/cmd/cmd_*.c); \
		[ -n "$$cmds" ] || { echo "check-doc: cannot read the command tables in user/cmd/"; exit 1; }; \
		bad=0; for c in $$cmds; do \
			[ "$$c" = help ] || grep -Eq "^\.SS \"?$$c( |\"|$$)" $(DOC_MAN) || { \
				echo "check-doc: command '$$c' has no .SS section in $(DOC_MAN)"; bad=1; }; \
			grep -Eq "^_ringguard_commands='(.* )?$$c( .*)?'$$" $(DOC_COMPLETION) || { \
				echo "check-doc: command '$$c' is not in _ringguard_commands in $(DOC_COMPLETION)"; bad=1; }; \
		done; exit $$bad
	$(Q)rm -rf $(DOC_STAGE)
	$(Q)$(MAKE) --no-print-directory install-doc DESTDIR=$(DOC_STAGE)
	$(call msg,VERIFY,$(DOC_STAGE))
	$(Q)test "$$(stat -c %a $(DOC_STAGE)$(DOC_MANDIR)/ringguard.8.gz)" = 644
	$(Q)test "$$(stat -c %a $(DOC_STAGE)$(DOC_COMPDIR)/ringguard)" = 644
	$(Q)gzip -dc $(DOC_STAGE)$(DOC_MANDIR)/ringguard.8.gz | cmp -s - $(DOC_MAN) || { \
		echo "check-doc: the installed page is not $(DOC_MAN)"; exit 1; }
	$(Q)bash tools/doc/test-completion.sh
