#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ib_ipoib through modprobe, the way an administrator loads it:
#  - IPOIB=ours: `make install` (run in the guest) puts ib_ipoib.ko into
#    updates/ and runs depmod; `modinfo -n ib_ipoib` then names that file,
#    softib stays out of it (INSTALL_SOFTIB unset; INSTALL_SOFTIB=1 adds it,
#    `make uninstall` removes both).  IPOIB=reference: modinfo names the
#    distribution's kernel/ tree.
#  - `modprobe ib_ipoib` loads that very file: the build ID of the loaded
#    module (/sys/module/ib_ipoib/notes) is the one of the file modinfo
#    names (ours: the one of $MODDIR/ib_ipoib.ko), and it makes an IPoIB
#    device for softib0 port 1;
#  - parameters on the modprobe command line and in /etc/modprobe.d take
#    effect (read back in /sys/module/ib_ipoib/parameters), the command
#    line overriding the file for the same parameter;
#  - `modprobe -r ib_ipoib` removes it;
#  - ours: `make uninstall` removes the file and runs depmod, modinfo names
#    the distribution's module again.
# A depmod of the whole /lib/modules takes minutes under TCG, so ours is
# installed with INSTALL_MOD_PATH into a module tree that holds what
# ib_ipoib needs from the distribution (ib_core, ib_cm and the
# distribution's ib_ipoib itself, in kernel/), and modprobe and modinfo are
# pointed at it (-d, -b); MODPROBE_REAL=1 installs into the real
# /lib/modules instead (the guest's overlay; about 4 minutes).  Whatever is
# installed (and the modprobe.d file) is removed at exit, and /lib/modules
# must show no updates/ib_ipoib.ko, so later scripts of the same guest boot
# load the distribution's module.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd modprobe modinfo depmod readelf make xz

REL=$(uname -r)
# ROOT: the tree modprobe, modinfo and make install work on ("" = /).
ROOT=
MP=(modprobe)
MI=(modinfo)
CONF=/etc/modprobe.d/ipoib-selftest.conf
PARAMS=/sys/module/ib_ipoib/parameters
# The project's Makefile (run-guest's PROJ when the scripts were copied
# elsewhere).
MK_DIR=$PROJ_DIR
[ -f "$MK_DIR/Makefile" ] && [ -f "$MK_DIR/ipoib_main.c" ] || MK_DIR=${PROJ:-$PWD}

# mk TARGET [VARS...]: the project's Makefile for the running kernel,
# installing into ROOT.
mk()
{
	make -s -C "$MK_DIR" "$@" KREL="$REL" MODDIR="$MODDIR" INSTALL_MOD_PATH="$ROOT" 2>&1
}

# setup_root: ROOT/lib/modules/REL with the distribution's ib_ipoib and
# what it depends on (from the distribution's modules.dep), indexed.
setup_root()
{
	local src=/lib/modules/$REL line f

	ROOT=$(mktemp -d) || return 1
	defer rm -rf "$ROOT"
	line=$(grep '/ib_ipoib\.ko[^:]*:' "$src/modules.dep") || return 1
	for f in ${line%%:*} ${line#*:}; do
		install -D -m 0644 "$src/$f" "$ROOT/lib/modules/$REL/$f" || return 1
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -e "$src/$f" ] || cp "$src/$f" "$ROOT/lib/modules/$REL/" || return 1
	done
	depmod -a -b "$ROOT" "$REL" || return 1
	MP=(modprobe -d "$ROOT")
	MI=(modinfo -b "$ROOT")
}

# file_build_id FILE: the GNU build ID of a module file (.ko or .ko.xz).
file_build_id()
{
	local f=$1 tmp id

	if [[ "$f" == *.xz ]]; then
		tmp=$(mktemp) || return 1
		xz -dc "$f" >"$tmp"
		f=$tmp
	fi
	id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID:/ { print $3 }')
	[ -z "${tmp:-}" ] || rm -f "$tmp"
	echo "$id"
}

# loaded_build_id: the build ID of the loaded ib_ipoib (the descriptor of
# its .note.gnu.build-id: 12 bytes of note header, 4 of "GNU\0").
loaded_build_id()
{
	od -An -v -tx1 -j16 /sys/module/ib_ipoib/notes/.note.gnu.build-id 2>/dev/null | tr -d ' \n'
}

param_is()
{
	[ "$(cat "$PARAMS/$1" 2>/dev/null)" = "$2" ]
}

# check_param NAME VALUE
check_param()
{
	param_is "$1" "$2"
	(($? == 0)) || check_err 1 "$1 reads '$(cat "$PARAMS/$1" 2>&1)', expected $2"
}

unload()
{
	lsmod_has ib_ipoib || return 0
	wait_for 30 "${MP[@]}" -r ib_ipoib 2>/dev/null
}

# uninstall_ours: what `make install` put in place goes again.
uninstall_ours()
{
	local d=$ROOT/lib/modules/$REL/updates

	[ -e "$d/ib_ipoib.ko" ] || [ -e "$d/softib.ko" ] || return 0
	mk uninstall >/dev/null
}

# dist_path PATH: PATH is the distribution's module (in kernel/ of ROOT).
dist_path()
{
	[[ "$1" == $ROOT/lib/modules/$REL/kernel/*/ib_ipoib.ko* ]]
}

# test_no_leak: the real /lib/modules has no ib_ipoib of ours.
test_no_leak()
{
	local path

	path=$(modinfo -n ib_ipoib 2>&1)
	[[ "$path" == /lib/modules/$REL/kernel/* ]] && [ ! -e "/lib/modules/$REL/updates/ib_ipoib.ko" ]
	check_err $? "modinfo -n ib_ipoib names $path, not the distribution's kernel/ tree"
	log_test "$1"
}

test_install()
{
	local path out d=$ROOT/lib/modules/$REL/updates

	if [ "$IPOIB" = reference ]; then
		path=$("${MI[@]}" -n ib_ipoib 2>&1)
		dist_path "$path"
		check_err $? "modinfo -n ib_ipoib names $path"
		log_test "modinfo finds the distribution's ib_ipoib"
		return
	fi
	defer uninstall_ours
	out=$(mk install)
	check_err $? "make install failed: $out"
	[ -f "$d/ib_ipoib.ko" ]
	check_err $? "make install left no $d/ib_ipoib.ko"
	[ ! -e "$d/softib.ko" ]
	check_err $? "make install without INSTALL_SOFTIB installed softib.ko"
	path=$("${MI[@]}" -n ib_ipoib 2>&1)
	[ "$path" = "$d/ib_ipoib.ko" ]
	check_err $? "modinfo -n ib_ipoib names $path, not $d/ib_ipoib.ko"
	log_test "make install: updates/ib_ipoib.ko + depmod, modinfo finds ours"

	out=$(mk install INSTALL_SOFTIB=1)
	check_err $? "make install INSTALL_SOFTIB=1 failed: $out"
	grep -q '^updates/softib.ko:' "$ROOT/lib/modules/$REL/modules.dep"
	check_err $? "modules.dep lists no updates/softib.ko after INSTALL_SOFTIB=1"
	log_test "make install INSTALL_SOFTIB=1 adds softib.ko"
}

test_load()
{
	local want got path dev

	lsmod_has ib_ipoib && { rmmod ib_ipoib || fail_all "ib_ipoib loaded and busy"; }
	LIB_MODS+=(ib_ipoib)
	"${MP[@]}" ib_ipoib
	check_err $? "modprobe ib_ipoib failed"
	path=$("${MI[@]}" -n ib_ipoib)
	want=$(file_build_id "$path")
	if [ "$IPOIB" = ours ]; then
		[ "$want" = "$(file_build_id "$MODDIR/ib_ipoib.ko")" ]
		check_err $? "$path is not $MODDIR/ib_ipoib.ko"
	fi
	got=$(loaded_build_id)
	[ -n "$want" ] && [ "$got" = "$want" ]
	check_err $? "loaded ib_ipoib has build ID '$got', $path has '$want'"
	dev=$(wait_for 20 ipoib_netdev softib0 1)
	check_err $? "no IPoIB device for softib0 port 1"
	log_info "modprobe ib_ipoib: $path (build ID $got), $dev"
	log_test "modprobe ib_ipoib loads ${path#"$ROOT"/lib/modules/"$REL"/}"
}

test_params()
{
	unload
	"${MP[@]}" ib_ipoib send_queue_size=512 recv_queue_size=1024
	check_err $? "modprobe ib_ipoib send_queue_size=512 recv_queue_size=1024 failed"
	check_param send_queue_size 512
	check_param recv_queue_size 1024
	log_test "parameters on the modprobe command line"

	unload
	defer rm -f "$CONF"
	printf 'options ib_ipoib send_queue_size=256 recv_queue_size=512 debug_level=1\n' >"$CONF"
	"${MP[@]}" ib_ipoib
	check_err $? "modprobe ib_ipoib with $CONF failed"
	check_param send_queue_size 256
	check_param recv_queue_size 512
	check_param debug_level 1
	log_test "parameters from /etc/modprobe.d"

	unload
	"${MP[@]}" ib_ipoib send_queue_size=2048
	check_err $? "modprobe ib_ipoib send_queue_size=2048 failed"
	check_param send_queue_size 2048
	check_param recv_queue_size 512
	log_test "the command line overrides /etc/modprobe.d"
	rm -f "$CONF"
}

test_remove()
{
	local path d=$ROOT/lib/modules/$REL/updates

	lsmod_has ib_ipoib || "${MP[@]}" ib_ipoib
	wait_for 30 "${MP[@]}" -r ib_ipoib
	(($? == 0)) || check_err 1 "modprobe -r ib_ipoib failed: $("${MP[@]}" -r ib_ipoib 2>&1)"
	! lsmod_has ib_ipoib
	check_err $? "ib_ipoib still loaded after modprobe -r"
	log_test "modprobe -r ib_ipoib"

	[ "$IPOIB" = ours ] || return 0
	mk uninstall >/dev/null
	check_err $? "make uninstall failed"
	[ ! -e "$d/ib_ipoib.ko" ] && [ ! -e "$d/softib.ko" ]
	(($? == 0)) || check_err 1 "make uninstall left $(ls "$d")"
	path=$("${MI[@]}" -n ib_ipoib 2>&1)
	dist_path "$path"
	check_err $? "after make uninstall modinfo -n ib_ipoib names $path"
	log_test "make uninstall: modprobe finds the distribution's module again"
}

modinfo -n ib_ipoib >/dev/null 2>&1 ||
	skip_all "the running kernel has no ib_ipoib module of its own"
load_softib
if [ "${MODPROBE_REAL:-0}" = 1 ]; then
	touch "/lib/modules/$REL/.ipoib-selftest" 2>/dev/null ||
		skip_all "/lib/modules/$REL is not writable"
	rm -f "/lib/modules/$REL/.ipoib-selftest"
elif [ "$IPOIB" = ours ]; then
	setup_root || fail_all "cannot set up a module tree in $ROOT" "module tree"
fi
test_no_leak "no ib_ipoib of ours in /lib/modules/$REL (before)"
test_install
test_load
test_params
test_remove
[ "${MODPROBE_REAL:-0}" = 1 ] || test_no_leak "no ib_ipoib of ours in /lib/modules/$REL (after)"
