# SPDX-License-Identifier: GPL-2.0
#
# IP over InfiniBand (ib_ipoib).
#
# In the kernel tree this file is read by Kbuild only.  Run from the top of
# this repository it also builds out of tree: plain `make` builds ib_ipoib.ko
# and the test modules under selftests/ against KDIR and collects every
# module into out/<kernel release>/ (the MODDIR of the test guest).

ifneq ($(KERNELRELEASE),)

obj-$(CONFIG_INFINIBAND_IPOIB) += ib_ipoib.o

ib_ipoib-y := ipoib_main.o ipoib_verbs.o ipoib_ib.o ipoib_tx.o ipoib_ah.o \
	ipoib_path.o ipoib_neigh.o ipoib_event.o ipoib_multicast.o \
	ipoib_mcast_group.o ipoib_mcast_join.o ipoib_mcast_sa.o \
	ipoib_ethtool.o ipoib_sysfs.o ipoib_netlink.o ipoib_vlan.o \
	ipoib_cma.o ipoib_vf.o ipoib_rn.o
ib_ipoib-$(CONFIG_INFINIBAND_IPOIB_CM) += ipoib_cm.o ipoib_cm_rx.o ipoib_cm_tx.o
ib_ipoib-$(CONFIG_INFINIBAND_IPOIB_DEBUG) += ipoib_fs.o

# Out of tree the options come from the make command line (see below), not
# from the kernel's autoconf.h, so the sources are told about them too.
ifneq ($(KBUILD_EXTMOD),)
ccflags-$(CONFIG_INFINIBAND_IPOIB_CM) += -DCONFIG_INFINIBAND_IPOIB_CM=1
ccflags-$(CONFIG_INFINIBAND_IPOIB_DEBUG) += -DCONFIG_INFINIBAND_IPOIB_DEBUG=1
endif

# Test modules: only when built out of tree by the wrapper below.
obj-m += $(IPOIB_TEST_DIRS)

else

# The stock kernel: Debian's 6.12 (the newest installed, if several).
STOCK_KREL := $(or $(notdir $(lastword $(sort $(wildcard /lib/modules/6.12.117+deb12-amd64)))),\
	$(notdir $(lastword $(sort $(wildcard /lib/modules/6.12.*-amd64)))),6.12.117+deb12-amd64)
STOCK_KDIR := /lib/modules/$(STOCK_KREL)/build
KDIR ?= $(STOCK_KDIR)
IPOIB_CACHE ?= /var/cache/ipoib-rig
JOBS ?= 2
# Extra flags for our sources only, e.g. `make EXTRA_FLAGS=-Werror W=1`.
EXTRA_FLAGS ?=

PROJ := $(CURDIR)
KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MODDIR ?= $(PROJ)/out/$(KREL)

# The driver is built once its sources exist; test modules once their
# directories carry a Kbuild file.
IPOIB_CONF := $(if $(wildcard $(PROJ)/ipoib_main.c),m,)
TEST_DIRS := $(patsubst $(PROJ)/%/Kbuild,%/,$(wildcard $(PROJ)/selftests/*/Kbuild))

# Kbuild of 6.12 puts the objects of an external module next to its
# sources, so a kernel other than the stock one gets its own copy of the
# tree under the rig cache.
ifeq ($(realpath $(KDIR)),$(realpath $(STOCK_KDIR)))
BUILD_DIR := $(PROJ)
else
BUILD_DIR := $(IPOIB_CACHE)/modbuild/$(KREL)
endif

KBUILD_ARGS = -C $(KDIR) M=$(BUILD_DIR) -j$(JOBS) \
	CONFIG_INFINIBAND_IPOIB=$(IPOIB_CONF) \
	CONFIG_INFINIBAND_IPOIB_CM=y CONFIG_INFINIBAND_IPOIB_DEBUG=y \
	IPOIB_TEST_DIRS="$(TEST_DIRS)" \
	$(if $(EXTRA_FLAGS),KCFLAGS="$(EXTRA_FLAGS)")

.PHONY: all modules clean deps check check-static demo bench kdir-check shadow print-stock-krel
.PHONY: install uninstall bench-tools test-tools

all: modules bench-tools test-tools

# The user-space helpers of `make bench` (selftests/bench/*.c), built for
# the host, which the guests share: out/bench/.
BENCH_TOOLS := $(patsubst $(PROJ)/selftests/bench/%.c,$(PROJ)/out/bench/%,\
	$(wildcard $(PROJ)/selftests/bench/*.c))

bench-tools: $(BENCH_TOOLS)

$(PROJ)/out/bench/%: $(PROJ)/selftests/bench/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra $(EXTRA_FLAGS) -o $@ $<

# The selftests' own user-space helpers (selftests/tools/*.c), linked
# statically: a test guest on the debug kernel pays dearly for every shared
# library a program maps.
TEST_TOOLS := $(patsubst $(PROJ)/selftests/tools/%.c,$(PROJ)/out/tools/%,\
	$(wildcard $(PROJ)/selftests/tools/*.c))

test-tools: $(TEST_TOOLS)

$(PROJ)/out/tools/%: $(PROJ)/selftests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -O2 -Wall -Wextra -static $(EXTRA_FLAGS) -o $@ $<

kdir-check:
	@test -n "$(KREL)" || { echo "no kernel build tree at KDIR=$(KDIR) (run: make deps)" >&2; exit 1; }

shadow: kdir-check
ifneq ($(BUILD_DIR),$(PROJ))
	@mkdir -p $(BUILD_DIR)
	@# by content, stamped with the copy time: a file that differs from
	@# what was built there last (another checkout, an older commit) is
	@# always rebuilt, whatever its own modification time
	@rsync -rlpD --checksum --delete --exclude=.git --exclude=/out/ \
		--exclude=/selftests/vm/out/ --exclude='*.o' --exclude='*.ko' \
		--exclude='*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude=modules.order --exclude=Module.symvers \
		$(PROJ)/ $(BUILD_DIR)/
endif

modules: shadow
	$(MAKE) $(KBUILD_ARGS) modules
	@rm -rf $(MODDIR) && mkdir -p $(MODDIR)
	@cd $(BUILD_DIR) && find . -path ./out -prune -o -name '*.ko' -print | \
		while read -r ko; do cp "$$ko" $(MODDIR)/; done
	@echo "modules for $(KREL) in $(MODDIR):" $$(cd $(MODDIR) && ls)

print-stock-krel:
	@echo $(STOCK_KREL)

# `make install` puts the ib_ipoib.ko built by `make` into
# $(INSTALL_MOD_PATH)/lib/modules/<release>/$(INSTALL_MOD_DIR)/ (updates/ by
# default, searched before the distribution's kernel/ tree) and runs depmod,
# so that modprobe loads ours.  Like the kernel's modules_install it does not
# build.  softib is test equipment: only INSTALL_SOFTIB=1 installs it too.
# `make uninstall` removes both again.
INSTALL_MOD_PATH ?=
INSTALL_MOD_DIR ?= updates
INSTALL_SOFTIB ?=
DEPMOD ?= /sbin/depmod
MOD_DEST = $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/$(INSTALL_MOD_DIR)
DEPMOD_RUN = $(DEPMOD) -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

install: kdir-check
	@test -f $(MODDIR)/ib_ipoib.ko || \
		{ echo "no $(MODDIR)/ib_ipoib.ko: run make first" >&2; exit 1; }
	install -D -m 0644 $(MODDIR)/ib_ipoib.ko $(MOD_DEST)/ib_ipoib.ko
	$(if $(INSTALL_SOFTIB),install -D -m 0644 $(MODDIR)/softib.ko $(MOD_DEST)/softib.ko)
	$(DEPMOD_RUN)

uninstall: kdir-check
	rm -f $(MOD_DEST)/ib_ipoib.ko $(MOD_DEST)/softib.ko
	$(DEPMOD_RUN)

clean:
	$(MAKE) -C $(KDIR) M=$(PROJ) IPOIB_TEST_DIRS="$(TEST_DIRS)" \
		CONFIG_INFINIBAND_IPOIB=$(IPOIB_CONF) CONFIG_INFINIBAND_IPOIB_CM=y \
		CONFIG_INFINIBAND_IPOIB_DEBUG=y clean
	rm -rf $(PROJ)/out

deps:
	./scripts/deps.sh

check:
	./scripts/check.sh

check-static:
	./scripts/check.sh --static

demo:
	./scripts/demo.sh

bench:
	./scripts/bench.sh

endif
