#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--static]: everything `make check` verifies, as KTAP.
#
#   deps, build (W=1, warnings are errors), sparse (C=2), checkpatch --strict,
#   cleanroom-check, shellcheck, the rig self-test (a planted splat must
#   fail a guest run), then the guest suite: one guest boot per test script
#   for each kernel x driver.
#
# Environment (also as make variables: make check IPOIB=reference):
#   KERNEL=stock|debug|all   kernels for the guest suite (default all)
#   IPOIB=ours|reference|all drivers under test (default: both on the stock
#                            kernel, ours on the debug kernel)
#   GUEST_JOBS=N             guests run side by side (default: host cores)
#   TESTS="smoke ping"       test scripts (default: every selftests/*.sh)
#   TEST_TIMEOUT=SECS        per test script (default 900)
# The last line is "N passed, N failed, N skipped"; the exit status is 1
# when anything failed.
set -uo pipefail

proj=$(cd "$(dirname "$0")/.." && pwd)
cd "$proj" || exit 1
static_only=0
[ "${1:-}" = --static ] && static_only=1

kernels=${KERNEL:-all}
[ "$kernels" = all ] && kernels="stock debug"
drivers=${IPOIB:-all}
drivers_given=0
[ -n "${IPOIB:-}" ] && drivers_given=1
[ "$drivers" = all ] && drivers="ours reference"
test_timeout=${TEST_TIMEOUT:-900}
outroot=$proj/selftests/vm/out
mkdir -p "$outroot"
find "$outroot" -mindepth 1 -maxdepth 1 -type d -name 'check-*' -mmin +360 -exec rm -rf {} + 2>/dev/null
logdir=$(mktemp -d "$outroot/check-$(date +%Y%m%d-%H%M%S)-XXXX")
ln -sfn "$(basename "$logdir")" "$outroot/check-latest"
unset IPOIB KERNEL	# run-guest gets them per run

n=0 pass=0 fail=0 skip=0
t_start=$SECONDS
step_start=$SECONDS

echo "TAP version 13"

indent() { sed -u 's/^/    /'; }

step() {
	step_start=$SECONDS
	echo "# $*"
}

# result ok|fail|skip NAME [REASON]
result() {
	local secs=$((SECONDS - step_start))

	n=$((n + 1))
	case "$1" in
	ok) pass=$((pass + 1)); echo "ok $n $2 # ${secs}s" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP $3" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2${3:+ # $3}" ;;
	esac
}

# run_step NAME CMD...: one KTAP line for CMD; its output is shown on failure.
run_step() {
	local name=$1 log

	shift
	step "$name"
	log=$logdir/$(echo "$name" | tr -c 'a-zA-Z0-9_\n-' '_').log
	if "$@" >"$log" 2>&1; then
		result ok "$name"
	else
		tail -n 60 "$log" | indent
		result fail "$name" "see $log"
	fi
}

our_files() {
	git ls-files -co --exclude-standard -- "$@" 2>/dev/null | while read -r f; do
		[ -f "$f" ] && echo "$f"
	done
}

# ------------------------------------------------------------- static part

run_step "deps" ./scripts/deps.sh

stock_kdir=/lib/modules/$(make -s --no-print-directory print-stock-krel)/build

build_werror() {
	make -s --no-print-directory KDIR="$1" W=1 EXTRA_FLAGS=-Werror >"$logdir/build.out" 2>&1
	local rc=$?

	cat "$logdir/build.out"
	[ "$rc" -eq 0 ] || return "$rc"
	! grep -E 'warning:|error:' "$logdir/build.out"
}
run_step "build W=1 -Werror (stock 6.12)" build_werror "$stock_kdir"

sparse_check() {
	local out=$logdir/sparse.out

	make --no-print-directory KDIR="$stock_kdir" C=2 >"$out" 2>&1 || { cat "$out"; return 1; }
	# Only diagnostics about our files count (kernel headers are not ours).
	! grep -E ':[0-9]+:[0-9]+: (warning|error):' "$out" | grep -vE '^(/usr/|/lib/|/var/)'
}
if command -v sparse >/dev/null; then
	run_step "sparse C=2" sparse_check
else
	step "sparse"; result fail "sparse C=2" "sparse not installed"
fi

checkpatch() {
	local src files

	src=$(./scripts/linux-source.sh) || return 1
	mapfile -t files < <(our_files '*.c' '*.h' 'Kconfig' '*/Kconfig' 'Makefile' 'Kbuild' '*/Kbuild' '*/Makefile')
	[ ${#files[@]} -gt 0 ] || return 0
	# --no-tree: the repository is a driver directory, not a kernel tree.
	# -f: check files, not patches.  Nothing is ignored.
	"$src/scripts/checkpatch.pl" --strict --no-tree --no-summary --terse \
		--show-types -f "${files[@]}"
}
run_step "checkpatch --strict" checkpatch

cleanroom() {
	local tool rc

	tool=$proj/../shared/tools/cleanroom-check
	if [ ! -x "$tool" ]; then
		echo "cannot check: $tool not found"
		return 2
	fi
	"$tool" "$proj"
	rc=$?
	return "$rc"
}
step "cleanroom-check"
cleanroom >"$logdir/cleanroom.log" 2>&1
case $? in
0) result ok "cleanroom-check" ;;
2) indent <"$logdir/cleanroom.log"
   result skip "cleanroom-check" "cannot check here: $(tail -n 1 "$logdir/cleanroom.log")" ;;
*) indent <"$logdir/cleanroom.log"
   result fail "cleanroom-check" "shared runs with upstream IPoIB" ;;
esac

# Shell lint: the rig's scripts must be clean; for the test scripts of the
# other areas the findings are shown as advice (not counted).
if command -v shellcheck >/dev/null; then
	mapfile -t shfiles < <(our_files scripts/'*.sh' .ci/run selftests/lib.sh \
		selftests/run_tests.sh selftests/smoke.sh selftests/vm/run-guest \
		selftests/vm/guest-init selftests/vm/mkinitramfs selftests/vm/splat-scan \
		selftests/vm/'*.sh')
	run_step "shellcheck (rig scripts)" shellcheck -x -S warning "${shfiles[@]}"
	mapfile -t tfiles < <(our_files selftests/'*.sh' | grep -vxF -f <(printf '%s\n' "${shfiles[@]}"))
	if [ ${#tfiles[@]} -gt 0 ] && ! shellcheck -x -S warning -f gcc "${tfiles[@]}" \
		>"$logdir/shellcheck-tests.log" 2>&1; then
		echo "# shellcheck advice on test scripts ($(wc -l <"$logdir/shellcheck-tests.log") findings, not counted):"
		sed 's/^/#   /' "$logdir/shellcheck-tests.log" | head -n 20
	fi
fi

if [ "$static_only" = 1 ]; then
	echo "1..$n"
	echo "# static checks took $((SECONDS - t_start))s"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
fi

# ------------------------------------------------------------- rig self-test

step "rig: a clean guest run passes"
if selftests/vm/run-guest --timeout 300 --log "$logdir/rig-true.console" -- true \
	>"$logdir/rig-true.log" 2>&1; then
	result ok "rig: run-guest true passes"
else
	indent <"$logdir/rig-true.log"
	result fail "rig: run-guest true passes"
fi

step "rig: a planted splat (splat.ko) fails the run"
selftests/vm/run-guest --timeout 300 --log "$logdir/rig-splat.console" -- \
	'insmod $MODDIR/splat.ko' >"$logdir/rig-splat.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'KERNEL SPLAT' "$logdir/rig-splat.log" &&
   grep -q 'WARNING:.*splat' "$logdir/rig-splat.log"; then
	grep -m1 'WARNING:' "$logdir/rig-splat.log" | indent
	result ok "rig: planted splat is caught"
else
	indent <"$logdir/rig-splat.log"
	result fail "rig: planted splat is caught" "run-guest exited $rc"
fi

# ------------------------------------------------------------- guest suite

mapfile -t tests < <(selftests/run_tests.sh --list)

# boot_splat CONSOLE: true when the first splat came while the kernel was
# still booting, before the guest's init ran ("RIG: stage 1"): no module of
# ours or any test code can have caused it.
boot_splat() {
	awk '/RIG: stage 1/ { exit }
	     /(BUG|WARNING):|Oops|KASAN|UBSAN|soft lockup|general protection/ { found = 1; exit }
	     END { exit !found }' "$1"
}

# guest_run KERNEL DRIVER TEST: one boot, one script; output to its log,
# "rc secs" to its .rc file.  Runs in the background (see below).  A splat
# during the emulated kernel's own boot (seen rarely with the debug kernel
# under TCG) gets one more boot; the note stays in the log.
guest_run() {
	local k=$1 d=$2 t=$3 base=$logdir/$1-$2-$3 start=$SECONDS rc try

	for try in 1 2; do
		selftests/vm/run-guest --kernel "$k" --timeout $((test_timeout + 120)) \
			--log "$base.console" --env IPOIB="$d" \
			--env TEST_TIMEOUT="$test_timeout" -- selftests/run_tests.sh "$t" \
			>>"$base.log" 2>&1
		rc=$?
		[ "$rc" -ne 0 ] && [ "$try" = 1 ] && boot_splat "$base.console" || break
		cp "$base.console" "$base.boot-splat.console"
		echo "# splat while the kernel booted, before any test code (console kept in $base.boot-splat.console); booting again" >>"$base.log"
	done
	echo "$rc $((SECONDS - start))" >"$base.rc"
}

# guest_report KERNEL DRIVER TEST: fold a finished run into the totals.
guest_report() {
	local k=$1 d=$2 t=$3 base=$logdir/$1-$2-$3 rc secs last p f s

	read -r rc secs <"$base.rc"
	sed 's/^run-guest:/# run-guest:/' "$base.log" | indent
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$base.log" | tail -n 1)
	p=0 f=0 s=0
	if [ -n "$last" ]; then
		read -r p _ f _ s _ <<<"${last//,/}"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $n $k/$d/$t # ${secs}s"
	else
		# A splat, timeout or crash fails the run even if every case passed.
		[ "$f" -gt 0 ] || fail=$((fail + 1))
		echo "not ok $n $k/$d/$t # run-guest exited $rc, console: $base.console"
	fi
}

# Each guest is one single-threaded TCG process, so GUEST_JOBS guests (one
# per host core by default) run side by side; results are reported in order.
guest_jobs=${GUEST_JOBS:-$(nproc)}
jobs_list=()
for k in $kernels; do
	if [ "$k" = debug ]; then
		step "debug kernel (cached build or a fresh one, ~15 min)"
		if dbg=$(JOBS=${JOBS:-$(nproc)} selftests/vm/build-debug-kernel.sh 2>"$logdir/debug-kernel.log"); then
			result ok "debug kernel"
		else
			indent <"$logdir/debug-kernel.log"
			result fail "debug kernel" "build failed"
			continue
		fi
		run_step "build W=1 -Werror (debug kernel)" build_werror "$dbg/build"
	fi
	# The debug kernel hunts for bugs in our code (and softib's); the
	# reference runs there only when asked for with IPOIB=reference|all.
	kdrivers=$drivers
	[ "$k" = debug ] && [ "$drivers_given" = 0 ] && kdrivers=ours
	# Test by test, the drivers next to each other: with two guests at a
	# time ours and the reference run the same script side by side.
	for t in "${tests[@]}"; do
		for d in $kdrivers; do
			jobs_list+=("$k $d ${t%.sh}")
		done
	done
done

step "guest suite: ${#jobs_list[@]} runs, $guest_jobs at a time"
running=()
next=0
reported=0
while [ "$reported" -lt ${#jobs_list[@]} ]; do
	while [ ${#running[@]} -lt "$guest_jobs" ] && [ "$next" -lt ${#jobs_list[@]} ]; do
		# shellcheck disable=SC2086 # "kernel driver test" split on purpose
		guest_run ${jobs_list[$next]} &
		running+=("$!")
		next=$((next + 1))
	done
	# Report finished runs strictly in list order.
	read -r k d t <<<"${jobs_list[$reported]}"
	if [ -f "$logdir/$k-$d-$t.rc" ]; then
		guest_report "$k" "$d" "$t"
		reported=$((reported + 1))
		continue
	fi
	if [ ${#running[@]} -eq 0 ]; then
		# Nothing left running and still no result: the run died.
		echo "255 0" >"$logdir/$k-$d-$t.rc"
		continue
	fi
	wait -n 2>/dev/null || true
	alive=()
	for pid in "${running[@]}"; do
		kill -0 "$pid" 2>/dev/null && alive+=("$pid")
	done
	running=("${alive[@]}")
done

# Throughput of ours and of the reference, measured in this same run (the
# guests ran side by side on the same host): figures and their ratio.
iperf_compare() {
	local k=$1 o=$logdir/$1-ours-iperf.log r=$logdir/$1-reference-iperf.log dir a b

	[ -f "$o" ] && [ -f "$r" ] || return 0
	for dir in "tcp a->b" "tcp b->a" "tcp6 a->b"; do
		a=$(grep -m1 -F "iperf3 $dir:" "$o" | grep -oE '[0-9.]+ Mbit/s' | cut -d' ' -f1)
		b=$(grep -m1 -F "iperf3 $dir:" "$r" | grep -oE '[0-9.]+ Mbit/s' | cut -d' ' -f1)
		[ -n "$a" ] && [ -n "$b" ] || continue
		awk -v d="$dir" -v k="$k" -v a="$a" -v b="$b" 'BEGIN {
			printf "# iperf3 %s (%s kernel): ours %s Mbit/s, reference %s Mbit/s, ratio %.2f\n",
			       d, k, a, b, (b > 0 ? a / b : 0) }'
	done
}
for k in $kernels; do
	iperf_compare "$k"
done

echo "1..$n"
echo "# make check took $((SECONDS - t_start))s; logs in $logdir"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
