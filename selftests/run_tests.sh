#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh [TEST...]: run selftests inside the test guest and aggregate
# their KTAP output.  TEST is a script name with or without .sh (default:
# every selftests/*.sh except this script and libraries named lib.sh,
# *_lib.sh or lib_*.sh; or $TESTS), or a path to a script elsewhere (the
# rig's self-test scripts).  --list prints the default list.  Each script is
# a KTAP subtest, bounded by TEST_TIMEOUT seconds (default 900).
#
# Several scripts share one guest boot, so between two scripts this script
# puts the guest back into its initial state: processes the script left
# behind are killed, its network namespaces deleted, and modules from
# MODDIR and ib_ipoib that it left loaded are unloaded (one that will not unload fails the script).  For the
# rig, each script is bracketed on the kernel log by
#	RIG: test NAME begin jiffies=J
#	RIG: test NAME end jiffies=J
# (J: the kernel's jiffies, to place kmemleak reports), so that a kernel
# splat is attributed to the script during which it appeared (see
# vm/splat-scan).  After each result line comes
#	# counts: NAME pass:P fail:F skip:S secs:T
# The last line counts the test cases: "N passed, N failed, N skipped".
dir=$(cd "$(dirname "$0")" && pwd)
timeout=${TEST_TIMEOUT:-900}
slow=${RIG_SLOW:-1}

list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
tests=("$@")
if [ ${#tests[@]} -eq 0 ] && [ -n "${TESTS:-}" ]; then
	read -ra tests <<<"$TESTS"
fi
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$dir"/*.sh; do
		case "$(basename "$f")" in
		lib.sh|*_lib.sh|lib_*.sh|run_tests.sh) ;;
		*) tests+=("$(basename "$f" .sh)") ;;
		esac
	done
fi
if [ "$list" = 1 ]; then
	printf '%s\n' "${tests[@]}"
	exit 0
fi

# kmsg MSG: a line on the kernel log, when there is one to write to.
kmsg() {
	[ -w /dev/kmsg ] && echo "$*" >/dev/kmsg 2>/dev/null
}

# jiffies: the kernel's jiffies, from /proc/timer_list (NO_HZ kernels) or
# the scheduler's debugfs file (SCHED_DEBUG).
# Read by the shell: on the debug kernel every program started between two
# scripts costs a third of a second.
jiffies() {
	local f a b c

	for f in /proc/timer_list /sys/kernel/debug/sched/debug; do
		[ -r "$f" ] || continue
		while read -r a b c; do
			case "$a $b" in
			jiffies:*) echo "$b"; return ;;
			"jiffies :") echo "$c"; return ;;
			esac
		done <"$f" 2>/dev/null
	done
}

# Only in the test guest (PID 1 is the rig's guest-init) are leftover
# processes killed and modules unloaded: on a real machine they are not ours.
in_guest=0
[ -n "${RIG_RESULTS:-}" ] && grep -q guest-init /proc/1/cmdline 2>/dev/null && in_guest=1

# The processes of this script and its ancestors (the rig's chain up to
# init): everything else in user space was started by a test.
declare -A keep=()
p=$$
while [ -n "$p" ] && [ "$p" -gt 0 ]; do
	keep[$p]=1
	p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
done

# leftover_pids: user-space processes started by a test that still run.
leftover_pids() {
	local d p

	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ -z "${keep[$p]:-}" ] || continue
		[ "$p" != "$BASHPID" ] || continue
		# Kernel threads have no executable.
		[ -e "$d/exe" ] || continue
		echo "$p"
	done
}

# reap_leftovers: SIGTERM, then SIGKILL, whatever a test left running.
reap_leftovers() {
	local pids deadline

	mapfile -t pids < <(leftover_pids)
	[ ${#pids[@]} -gt 0 ] || return 0
	echo "# run_tests: killing processes left running: $(for p in "${pids[@]}"; do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-40; echo -n '; '; done)"
	kill -TERM "${pids[@]}" 2>/dev/null
	deadline=$((SECONDS + 5 * slow))
	while [ "$SECONDS" -lt "$deadline" ]; do
		mapfile -t pids < <(leftover_pids)
		[ ${#pids[@]} -gt 0 ] || return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null
}

# Modules a test may load: ours from MODDIR and ib_ipoib (either driver).
test_modules() {
	local ko

	echo ib_ipoib
	echo ib_ipoib_ref
	for ko in "${MODDIR:-/nonexistent}"/*.ko; do
		[ -f "$ko" ] || continue
		ko=${ko##*/}
		echo "${ko%.ko}"
	done
}

loaded_test_modules() {
	local m

	for m in $(test_modules); do
		[ -e "/sys/module/$m/initstate" ] && echo "$m"
	done
}

# unload_leftovers: rmmod what a test left loaded, in any order (a module
# in use by another goes once that one is gone), retrying until
# 30 s * RIG_SLOW have passed.  Prints what would not unload.
unload_leftovers() {
	local mods m deadline=$((SECONDS + 30 * slow)) said=0

	while :; do
		mapfile -t mods < <(loaded_test_modules)
		[ ${#mods[@]} -gt 0 ] || return 0
		if [ "$said" = 0 ]; then
			echo "# run_tests: unloading modules left loaded: ${mods[*]}" >&2
			said=1
		fi
		for m in "${mods[@]}"; do
			rmmod "$m" 2>/dev/null
		done
		if [ "$SECONDS" -ge "$deadline" ]; then
			mapfile -t mods < <(loaded_test_modules)
			[ ${#mods[@]} -gt 0 ] || return 0
			echo "${mods[*]}"
			return 1
		fi
		sleep 0.2
	done
}

# Modules that stay loaded from one script to the next: what was loaded
# when the batch started and the RDMA core that every script loads (smoke.sh
# unloads it itself).  Whatever else a script loaded, directly or through a
# tool (ibv_devinfo loads ib_uverbs, rdma_cm users rdma_cm, ...), goes, so
# that the next script starts from the same state.
keep_modules=" $(awk '{ printf "%s ", $1 }' /proc/modules 2>/dev/null) ib_core ib_cm ib_umad "

# unload_extra: rmmod the modules beyond keep_modules, in any order, over a
# few passes (one in use by another goes once that one is gone); prints
# those still loaded.
unload_extra() {
	local m rest try

	for try in 1 2 3 4 5; do
		rest=()
		while read -r m _; do
			[[ $keep_modules == *" $m "* ]] || rest+=("$m")
		done </proc/modules
		[ ${#rest[@]} -gt 0 ] || return 0
		[ "$try" = 5 ] && break
		[ "$try" != 1 ] || echo "# run_tests: unloading modules the script loaded: ${rest[*]}" >&2
		for m in "${rest[@]}"; do
			rmmod "$m" 2>/dev/null
		done
	done
	echo "${rest[*]}"
}

pass=0 fail=0 skip=0 n=0
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	case "$t" in
	*/*) f=$t; t=$(basename "$t" .sh) ;;
	*) t=${t%.sh}; f=$dir/$t.sh ;;
	esac
	n=$((n + 1))
	echo "# selftests: ipoib: $t (IPOIB=${IPOIB:-ours}, kernel $(uname -r))"
	if [ ! -f "$f" ]; then
		echo "not ok $n $t # no such test: $f"
		echo "# counts: $t pass:0 fail:1 skip:0 secs:0"
		fail=$((fail + 1))
		continue
	fi
	out=${TMPDIR:-/tmp}/run_tests.$$.$n
	kmsg "RIG: test $t begin jiffies=$(jiffies)"
	start=$SECONDS
	# The script writes to a file, not a pipe: a daemon it leaves behind
	# cannot hold up the batch by keeping the pipe open.
	timeout -k 10 "$timeout" bash "$f" </dev/null >"$out" 2>&1 &
	tpid=$!
	tail -s 0.2 -n +1 -f --pid="$tpid" "$out" |
		while IFS= read -r line; do echo "    $line"; done
	wait "$tpid"
	rc=$?
	secs=$((SECONDS - start))
	stuck=
	if [ "$in_guest" = 1 ]; then
		reap_leftovers
		# Namespaces a script left behind (lib.sh deletes its own),
		# their sysfs views (lib.sh's ns_view_mount) first: a view
		# keeps its namespace alive.
		for v in "${LIB_NSSYS:-/run/ipoib-nssys}"/*; do
			[ ! -d "$v/class" ] || umount "$v" 2>/dev/null || umount -l "$v"
		done
		nss=(/run/netns/*)
		[ ! -e "${nss[0]}" ] || ip -all netns delete 2>/dev/null
		stuck=$(unload_leftovers)
		extra=$(unload_extra)
		[ -z "$extra" ] ||
			echo "# run_tests: modules loaded by $t that stay (in use): $extra"
	fi
	kmsg "RIG: test $t end jiffies=$(jiffies)"
	p=0 s=0 f_=0
	while IFS= read -r line; do
		case "$line" in
		"ok "[0-9]*" "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "[0-9]*" "*) p=$((p + 1)) ;;
		"not ok "[0-9]*" "*) f_=$((f_ + 1)) ;;
		esac
	done <"$out"
	rm -f "$out"
	case "$rc" in
	0) res="ok $n $t # ${secs}s" ;;
	4) res="ok $n $t # SKIP (${secs}s)"
	   [ $((p + s + f_)) -gt 0 ] || s=$((s + 1)) ;;
	124|137)
	   res="not ok $n $t # TIMEOUT after ${timeout}s"
	   f_=$((f_ + 1)) ;;
	*) res="not ok $n $t # exit status $rc (${secs}s)"
	   [ "$f_" -gt 0 ] || f_=$((f_ + 1)) ;;
	esac
	if [ -n "$stuck" ]; then
		res="not ok $n $t # modules left loaded will not unload: $stuck"
		f_=$((f_ + 1))
	fi
	pass=$((pass + p)) skip=$((skip + s)) fail=$((fail + f_))
	echo "$res"
	echo "# counts: $t pass:$p fail:$f_ skip:$s secs:$secs"
done
echo "# totals: pass:$pass fail:$fail skip:$skip"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
