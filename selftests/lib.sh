#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the IPoIB selftests, in the style of the kernel's
# tools/testing/selftests/net/lib.sh.  Test scripts run as root inside the
# test guest (selftests/vm/run-guest) and source this file:
#
#	source "$(dirname "$0")/lib.sh"
#	ib_pair_setup
#	in_ns a ping -c 1 -W 2 192.0.2.2 >/dev/null
#	check_err $? "ping failed"
#	log_test "ipv4 ping"
#
# Output is KTAP: "TAP version 13", one "ok N name" / "not ok N name" line per
# log_test, "# SKIP reason" for skips, the plan "1..N" at the end (or at the
# start after ktap_plan N), then the line "N passed, N failed, N skipped".
# Exit status: 0 all passed (or some skipped), 1 something failed,
# 4 everything skipped.
#
# Environment: MODDIR (directory with ib_ipoib.ko, softib.ko, splat.ko),
# IPOIB=ours|reference (which ib_ipoib load_ipoib loads), RIG_SLOW (factor
# applied to wait_for timeouts, >1 on slow kernels).

# shellcheck disable=SC2034	# variables for the test scripts

ksft_pass=0
ksft_fail=1
ksft_skip=4

LIB_DIR=${BASH_SOURCE[0]%/*}
[[ ${BASH_SOURCE[0]} == */* ]] || LIB_DIR=.
LIB_DIR=$(cd "$LIB_DIR" && pwd)
PROJ_DIR=$(cd "$LIB_DIR/.." && pwd)
: "${IPOIB:=ours}"
: "${MODDIR:=$PROJ_DIR/out/$(uname -r)}"
: "${RIG_SLOW:=1}"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Test topology (ib_pair_setup).
NS_A=a
NS_B=b
IP4_A=192.0.2.1
IP4_B=192.0.2.2
IP6_A=2001:db8::1
IP6_B=2001:db8::2
IB_A=
IB_B=

RET=0
RETMSG=
KTAP_T0=$SECONDS
KTAP_NUM=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0
KTAP_PLANNED=
KTAP_XFAIL=
LIB_NS=()
LIB_MODS=()
LIB_DEFER=()
LIB_DONE=0

# KTAP_QUIET=1 (e.g. for the demo): no TAP header and no closing lines.
[ "${KTAP_QUIET:-0}" = 1 ] || echo "TAP version 13"

# ---------------------------------------------------------------- results

# ktap_plan N: announce the number of log_test calls up front (optional).
ktap_plan()
{
	KTAP_PLANNED=$1
	echo "1..$1"
}

log_info()
{
	echo "# $*"
}

# check_err STATUS MSG: record a failure when STATUS is not 0.  A message
# that runs commands ($(...)) is built only when the check fails, since
# every process costs on a slow guest:
#	cmd
#	(($? == 0)) || check_err 1 "cmd failed: $(state_of_things)"
check_err()
{
	local err=$1 msg=$2

	if [ "$RET" -eq 0 ] && [ "$err" -ne 0 ]; then
		RET=$err
		RETMSG=$msg
	fi
}

# check_fail STATUS MSG: record a failure when STATUS is 0 (with a costly
# message: `(($? != 0)) || check_fail 0 "..."`).
check_fail()
{
	local err=$1 msg=$2

	if [ "$RET" -eq 0 ] && [ "$err" -eq 0 ]; then
		RET=1
		RETMSG=$msg
	fi
}

# forks_read: LIB_FORKS gets the processes created since boot and
# LIB_BUSY the guest's busy CPU time in clock ticks (every CPU's user,
# nice, system, irq and softirq time), both from /proc/stat, read without
# starting a process.
forks_read()
{
	local key us ni sy id io hi si

	LIB_FORKS=0
	LIB_BUSY=0
	while read -r key us ni sy id io hi si _; do
		case $key in
		cpu) LIB_BUSY=$((us + ni + sy + hi + si)) ;;
		processes) LIB_FORKS=$us && return ;;
		esac
	done </proc/stat
}
# /proc/stat counts in USER_HZ ticks, 100 a second on x86
LIB_HZ=100
forks_read
KTAP_F0=$LIB_FORKS
KTAP_B0=$LIB_BUSY

# ktap_result RESULT NAME: the case line, after a diagnostic with the
# seconds the case took, the guest's busy CPU seconds (all CPUs) and the
# processes started meanwhile (since the previous result).  On the debug
# kernel under TCG every process costs over 0.1 s, and the guests of a
# suite share the host's cores, so busy seconds are what a case costs the
# whole run; seconds beyond them were spent waiting.
ktap_result()
{
	local busy

	forks_read
	KTAP_NUM=$((KTAP_NUM + 1))
	busy=$(((LIB_BUSY - KTAP_B0) * 10 / LIB_HZ))
	echo "# case $((KTAP_NUM)) took $((SECONDS - KTAP_T0))s, cpu $((busy / 10)).$((busy % 10))s, $((LIB_FORKS - KTAP_F0)) processes"
	KTAP_T0=$SECONDS
	KTAP_F0=$LIB_FORKS
	KTAP_B0=$LIB_BUSY
	echo "$1 $KTAP_NUM $2"
}

# xfail_reference REASON: the next log_test is known to fail with the
# reference driver (which we do better than); such a failure is reported
# as "ok ... # XFAIL REASON" when IPOIB=reference.  Ours must pass.
xfail_reference()
{
	KTAP_XFAIL=$1
}

# log_test NAME: report the checks since the previous log_test as one case.
log_test()
{
	local name=$1 xfail=$KTAP_XFAIL

	KTAP_XFAIL=
	if [ "$RET" -eq 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		ktap_result ok "$name"
	elif [ -n "$xfail" ] && [ "$IPOIB" = reference ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
		ktap_result ok "$name # XFAIL reference: $xfail ($RETMSG)"
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
		ktap_result "not ok" "$name"
		[ -z "$RETMSG" ] || echo "# $name: $RETMSG"
	fi
	RET=0
	RETMSG=
}

# log_test_skip NAME REASON
log_test_skip()
{
	KTAP_SKIP=$((KTAP_SKIP + 1))
	KTAP_XFAIL=
	ktap_result ok "$1 # SKIP $2"
	RET=0
	RETMSG=
}

ktap_finish()
{
	if [ "${KTAP_QUIET:-0}" != 1 ]; then
		[ -n "$KTAP_PLANNED" ] || echo "1..$KTAP_NUM"
		echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
	fi
	if [ "$KTAP_FAIL" -gt 0 ]; then
		return $ksft_fail
	elif [ "$KTAP_PASS" -eq 0 ] && [ "$KTAP_SKIP" -gt 0 ]; then
		return $ksft_skip
	fi
	return $ksft_pass
}

# skip_all REASON: skip the rest of the script (counts as one skip).
skip_all()
{
	log_test_skip "${LIB_SCRIPT:-$(basename "$0" .sh)}" "$1"
	exit $ksft_skip
}

# fail_all REASON: a setup step failed; the rest of the script cannot run.
fail_all()
{
	RET=1
	RETMSG=$1
	log_test "${2:-setup}"
	exit $ksft_fail
}

# ---------------------------------------------------------------- cleanup

# defer CMD...: run CMD at exit, before the namespaces and modules go.
defer()
{
	local cmd

	printf -v cmd '%q ' "$@"
	LIB_DEFER=("$cmd" "${LIB_DEFER[@]}")
}

# Tear down what lib.sh set up: deferred commands, namespaces (their IPoIB
# devices go back to the initial namespace), then the modules loaded by
# load_ipoib/load_softib, newest first.  A module that does not unload is a
# failure.  Test scripts that define their own cleanup() call lib_cleanup.
lib_cleanup()
{
	local cmd ns mod i tmps

	for cmd in "${LIB_DEFER[@]}"; do
		eval "$cmd" >/dev/null 2>&1
	done
	LIB_DEFER=()
	tmps=("$LIB_TMPPFX".*)
	[ ! -e "${tmps[0]}" ] || command rm -rf "${tmps[@]}"
	[ ${#LIB_NS[@]} -eq 0 ] || ns_del "${LIB_NS[@]}"
	LIB_NS=()
	for ((i = ${#LIB_MODS[@]} - 1; i >= 0; i--)); do
		mod=${LIB_MODS[i]}
		lsmod_has "$mod" || continue
		if ! wait_for 30 rmmod "$mod" 2>/dev/null; then
			RET=1
			RETMSG="rmmod $mod failed: $(rmmod "$mod" 2>&1)"
			log_test "cleanup: unload $mod"
		fi
	done
	LIB_MODS=()
}

cleanup()
{
	lib_cleanup
}

# lib_exit runs as the EXIT trap, and so do the cleanup and the deferred
# commands it calls.  A bare `return` in a trap handler returns the status
# of the command that ran before the trap, not of the function's last one:
# helpers that cleanups may call end with `return $?`.
lib_exit()
{
	local rc=$?

	[ "$LIB_DONE" = 0 ] || return
	LIB_DONE=1
	cleanup
	ktap_finish
	rc=$?
	exit $rc
}
trap lib_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers

# Each program a test runs costs tens of milliseconds in a TCG guest and
# several times that on the debug kernel, and a polling loop that spends
# its time starting programs slows down what it waits for.  The helpers
# below therefore use shell builtins where they can.

# sleep SECS: like sleep(1), without starting a program: a read with a
# timeout on a pipe that this shell holds open at both ends (so no data and
# no end of file ever arrive).  Whole and fractional seconds.
exec {LIB_SLEEP_FD}<> <(:)
sleep()
{
	read -r -t "$1" -u "$LIB_SLEEP_FD" || :
}


# wait_for TIMEOUT CMD...: poll CMD until it succeeds; TIMEOUT in seconds,
# scaled by RIG_SLOW.  Returns CMD's last status.  The pause between two
# polls starts at 0.1 s and grows by half up to 1 s: a condition that
# holds soon is seen soon, and a long wait does not spend the CPU (which
# the other guests of the suite share) on polls.  Only for conditions that
# last once they hold.
wait_for()
{
	local timeout=$1 rc ms=100
	local deadline=$((SECONDS + timeout * RIG_SLOW))

	shift
	while :; do
		"$@"
		rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && return "$rc"
		sleep "0.${ms}"
		[ "$ms" = 999 ] || ms=$((ms * 3 / 2 > 999 ? 999 : ms * 3 / 2))
	done
}

# NSEXEC: the command that runs a program in a named network namespace as
# `ip netns exec` does: the statically linked nsexec (selftests/tools),
# which costs the debug kernel's guests less than half as much, when it is
# built.
if [ -x "$PROJ_DIR/out/tools/nsexec" ]; then
	NSEXEC=("$PROJ_DIR/out/tools/nsexec")
else
	NSEXEC=(ip netns exec)
fi

# mktemp: a new empty file, made by the shell (mktemp(1) with options, such
# as -d, runs the program).  Under TMPDIR or /tmp, named after this
# script's PID; lib_cleanup removes what the script left of them.
LIB_TMPPFX=${TMPDIR:-/tmp}/ipoib-test.$$
mktemp()
{
	local f

	if [ $# -gt 0 ]; then
		command mktemp "$@"
		return $?
	fi
	while :; do
		f=$LIB_TMPPFX.$BASHPID.$RANDOM
		# noclobber: fails when the name is taken
		(set -C; : >"$f") 2>/dev/null && break
		[ ! -e "$f" ] && return 1
	done
	echo "$f"
}

# in_ns NS CMD...: run CMD in network namespace NS.
in_ns()
{
	local ns=$1

	shift
	"${NSEXEC[@]}" "$ns" "$@"
}

# Each namespace made by setup_ns gets a view of its sysfs: a sysfs mounted
# from inside its network namespace, in this mount namespace, at
# $LIB_NSSYS/NS.  ns_file reads /sys/class/net files of NS there without
# a process (`ip netns exec NS cat FILE` is two, and on the debug kernel
# under emulation each costs a third of a second).  A mounted view keeps
# its network namespace, and the devices in it, alive: ns_del unmounts it
# before deleting the namespace, and run_tests.sh unmounts what a killed
# script left.
LIB_NSSYS=${LIB_NSSYS:-/run/ipoib-nssys}

# ns_view NS: NS has a mounted sysfs view.
ns_view()
{
	[ -d "$LIB_NSSYS/$1/class" ]
}

# ns_view_mount NS: mount NS's sysfs view (its empty directory stays when
# the namespace goes); without one, ns_file falls back to ip netns exec.
ns_view_mount()
{
	local d=$LIB_NSSYS/$1

	{ [ -d "$d" ] || mkdir -p "$d"; } 2>/dev/null &&
		nsenter --net="/run/netns/$1" mount -t sysfs sysfs "$d" 2>/dev/null
	return 0
}

# ns_del NS...: delete network namespaces, their sysfs views first (one
# umount and one ip for them all; a namespace that does not exist costs
# no process).
ns_del()
{
	local ns views=() dels=()

	for ns in "$@"; do
		! ns_view "$ns" || views+=("$LIB_NSSYS/$ns")
		[ ! -e "/run/netns/$ns" ] || dels+=("netns del $ns")
	done
	if [ ${#views[@]} -gt 0 ] && ! umount "${views[@]}" 2>/dev/null; then
		for ns in "${views[@]}"; do
			! mountpoint -q "$ns" || umount -l "$ns"
		done
	fi
	[ ${#dels[@]} -eq 0 ] || printf '%s\n' "${dels[@]}" | ip -force -batch - 2>/dev/null
}

# setup_ns NAME...: create fresh network namespaces with lo up.
setup_ns()
{
	local ns adds=()

	ns_del "$@"
	for ns in "$@"; do
		adds+=("netns add $ns")
	done
	printf '%s\n' "${adds[@]}" | ip -batch - || return 1
	for ns in "$@"; do
		LIB_NS+=("$ns")
		ip -n "$ns" link set lo up || return 1
		ns_view_mount "$ns"
	done
}

# ns_file NS PATH VAR: VAR gets the first line of PATH (a /sys path) as
# namespace NS sees it; fails when it cannot be read.
ns_file()
{
	local -n lib_nf_var=$3

	if ns_view "$1" && [[ $2 == /sys/* ]]; then
		read_file "$LIB_NSSYS/$1${2#/sys}" "$3"
		return $?
	fi
	lib_nf_var=$("${NSEXEC[@]}" "$1" head -n 1 "$2" 2>/dev/null) && [ -n "$lib_nf_var" ]
}

# ns_has_dev NS DEV: namespace NS has a net device DEV; from its sysfs view
# when it has one (`ip link show dev` of a device that does not exist also
# makes the kernel start modprobe twice).
ns_has_dev()
{
	if ns_view "$1"; then
		[ -e "$LIB_NSSYS/$1/class/net/$2" ]
		return $?
	fi
	[ -e "/run/netns/$1" ] || return 1
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# ns_cat NS PATH: print the first line of PATH (a /sys path) as NS sees it.
ns_cat()
{
	local lib_nc_v

	ns_file "$1" "$2" lib_nc_v && echo "$lib_nc_v"
}

# ethtool_driver NS DEV: the driver name `ethtool -i` reports for DEV in
# namespace NS (a vendor data path names itself there).
ethtool_driver()
{
	local line

	while read -r line; do
		[[ $line != "driver: "* ]] || echo "${line#driver: }"
	done < <(in_ns "$1" ethtool -i "$2" 2>/dev/null)
}

lsmod_has()
{
	[ -d "/sys/module/$1" ]
}

# require_cmd CMD...: skip the script when a tool is missing.
require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "$c is not installed"
	done
}

# has_feature NAME: does the ib_ipoib under test implement NAME?  The
# reference has everything; ours lists what it has in selftests/ours-features.
has_feature()
{
	[ "$IPOIB" = reference ] && return 0
	# --env IPIB_FORCE_FEATURES="a b": test features still in development
	[[ " ${IPIB_FORCE_FEATURES:-} " == *" $1 "* ]] && return 0
	if [ -z "${LIB_FEATURES+set}" ]; then
		local line

		LIB_FEATURES=' '
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line%%#*}
			line=${line//[[:space:]]/}
			[ -z "$line" ] || LIB_FEATURES+="$line "
		done 2>/dev/null <"$LIB_DIR/ours-features"
	fi
	[[ $LIB_FEATURES == *" $1 "* ]]
}

# require_feature NAME [CASE]: without CASE, skip the whole script when the
# driver under test lacks NAME; with CASE, report CASE as skipped and return 1.
require_feature()
{
	local why="IPOIB=ours does not implement '$1' yet (selftests/ours-features)"

	has_feature "$1" && return 0
	if [ -n "${2:-}" ]; then
		log_test_skip "$2" "$why"
		return 1
	fi
	skip_all "$why"
}

# ---------------------------------------------------------------- modules

# load_softib [PARAMS...]: the RDMA core plus softib.ko from MODDIR.
load_softib()
{
	[ -f "$MODDIR/softib.ko" ] || skip_all "softib.ko is not built ($MODDIR)"
	lsmod_has ib_core && lsmod_has ib_cm && lsmod_has ib_umad ||
		modprobe -a ib_core ib_cm ib_umad || fail_all "modprobe ib_core ib_cm ib_umad failed" "load softib"
	if lsmod_has softib; then
		rmmod softib || fail_all "softib already loaded and busy" "load softib"
	fi
	insmod "$MODDIR/softib.ko" "$@" || fail_all "insmod softib.ko $* failed" "load softib"
	LIB_MODS+=(softib)
	wait_for 10 test -e /sys/class/infiniband/softib0 ||
		fail_all "softib loaded but no softib0 device" "load softib"
}

# shellcheck disable=SC2120	# PARAMS are optional
# load_ipoib [PARAMS...]: ours (MODDIR/ib_ipoib.ko) or, with
# IPOIB=reference, the distribution's ib_ipoib.
load_ipoib()
{
	case "$IPOIB" in
	ours)
		[ -f "$MODDIR/ib_ipoib.ko" ] || skip_all "ib_ipoib.ko is not built ($MODDIR)"
		lsmod_has ib_core && lsmod_has ib_cm ||
			modprobe -a ib_core ib_cm || fail_all "modprobe ib_core ib_cm failed" "load ib_ipoib"
		if lsmod_has ib_ipoib; then
			rmmod ib_ipoib || fail_all "an ib_ipoib is already loaded and busy" "load ib_ipoib"
		fi
		insmod "$MODDIR/ib_ipoib.ko" "$@" || fail_all "insmod ib_ipoib.ko $* failed" "load ib_ipoib"
		;;
	reference)
		if lsmod_has ib_ipoib; then
			rmmod ib_ipoib || fail_all "an ib_ipoib is already loaded and busy" "load ib_ipoib"
		fi
		modprobe ib_ipoib "$@" || fail_all "modprobe ib_ipoib $* failed" "load ib_ipoib"
		;;
	*)
		fail_all "IPOIB must be 'ours' or 'reference', not '$IPOIB'" "load ib_ipoib"
		;;
	esac
	LIB_MODS+=(ib_ipoib)
}

# ---------------------------------------------------------------- topology

# Print hex digits only, lower case.
hexdigits()
{
	local line all=

	while IFS= read -r line || [ -n "$line" ]; do
		all+=$line
	done
	all=${all//[^0-9a-fA-F]/}
	echo "${all,,}"
}

# oneline FILE: the lines of FILE joined by spaces, each followed by one
# (what tr '\n' ' ' <FILE prints for a file of whole lines), by the shell.
oneline()
{
	local -a lines

	mapfile -t lines <"$1" || return 1
	[ ${#lines[@]} -eq 0 ] || printf '%s ' "${lines[@]}"
}

# count_lines FILE PREFIX [SUBSTR]: how many lines of FILE start with PREFIX
# (and contain SUBSTR), counted by the shell (for polls of small files).
count_lines()
{
	local -a lines
	local line n=0

	mapfile -t lines 2>/dev/null <"$1"
	for line in "${lines[@]}"; do
		[[ $line == "$2"*"${3:-}"* ]] && n=$((n + 1))
	done
	echo "$n"
}

# read_file PATH VAR: VAR gets the first line of PATH; fails when PATH
# cannot be read.
read_file()
{
	local -n lib_rf_var=$2

	lib_rf_var=
	[ -r "$1" ] || return 1
	IFS= read -r lib_rf_var <"$1" 2>/dev/null || [ -n "$lib_rf_var" ]
}

# ipoib_netdev IBDEV PORT: name of the IPoIB net_device of IBDEV/PORT in the
# current namespace: the one of type 32 (ARPHRD_INFINIBAND) whose hardware
# address carries the port's GID 0 (bytes 4..19).
ipoib_netdev()
{
	local ibdev=$1 port=$2 gid dev addr type

	read_file "/sys/class/infiniband/$ibdev/ports/$port/gids/0" gid || return 1
	gid=${gid//:/}
	gid=${gid,,}
	[ ${#gid} -eq 32 ] || return 1
	for dev in /sys/class/net/*; do
		if ! read_file "$dev/type" type || [ "$type" != 32 ] ||
		   ! read_file "$dev/address" addr; then
			continue
		fi
		addr=${addr//:/}
		addr=${addr,,}
		if [ "${addr:8}" = "$gid" ]; then
			echo "${dev##*/}"
			return 0
		fi
	done
	return 1
}

# has_carrier NS DEV: DEV is up with carrier (LOWER_UP).
has_carrier()
{
	local c

	if ns_view "$1"; then
		ns_file "$1" "/sys/class/net/$2/carrier" c && [ "$c" = 1 ]
		return $?
	fi
	[[ $(ip -n "$1" -o link show dev "$2" 2>/dev/null) == *LOWER_UP* ]]
}

# ib_port_to_ns IBDEV PORT NS IP4 IP6: move the port's IPoIB device into NS,
# address it and bring it up; prints the device name.
ib_port_to_ns()
{
	local ibdev=$1 port=$2 ns=$3 ip4=$4 ip6=$5 dev=

	wait_for 20 ipoib_netdev "$ibdev" "$port" >/dev/null || return 1
	dev=$(ipoib_netdev "$ibdev" "$port") || return 1
	ip link set dev "$dev" netns "$ns" || return 1
	# one process for the three (ip -n costs more than ip: it remounts /sys)
	printf '%s\n' "addr add $ip4/24 dev $dev" "addr add $ip6/64 dev $dev nodad" \
		"link set dev $dev up" | ip -n "$ns" -batch - || return 1
	echo "$dev"
}

# ib_pair_setup [SOFTIB_PARAMS...]: softib (2 devices) and ib_ipoib loaded
# (unless already), namespace a with softib0 port 1 (192.0.2.1/24,
# 2001:db8::1/64) and namespace b with softib1 port 1 (.2, ::2), both with
# carrier.  Sets IB_A and IB_B to the device names.  IB_CARRIER_TIMEOUT
# (default 30 s) bounds the wait for carrier (the broadcast join).
ib_pair_setup()
{
	lsmod_has softib || load_softib "$@"
	lsmod_has ib_ipoib || load_ipoib
	setup_ns "$NS_A" "$NS_B" || fail_all "cannot create namespaces" "topology"
	IB_A=$(ib_port_to_ns softib0 1 "$NS_A" "$IP4_A" "$IP6_A") ||
		fail_all "no IPoIB device for softib0 port 1 in ns $NS_A" "topology"
	IB_B=$(ib_port_to_ns softib1 1 "$NS_B" "$IP4_B" "$IP6_B") ||
		fail_all "no IPoIB device for softib1 port 1 in ns $NS_B" "topology"
	wait_for "${IB_CARRIER_TIMEOUT:-30}" has_carrier "$NS_A" "$IB_A" ||
		fail_all "$IB_A in ns $NS_A has no carrier" "topology"
	wait_for "${IB_CARRIER_TIMEOUT:-30}" has_carrier "$NS_B" "$IB_B" ||
		fail_all "$IB_B in ns $NS_B has no carrier" "topology"
	log_info "topology: $NS_A/$IB_A $IP4_A $IP6_A <-> $NS_B/$IB_B $IP4_B $IP6_B ($IPOIB ib_ipoib)"
}
