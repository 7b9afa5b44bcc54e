#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--static]: everything `make check` verifies, as KTAP.
#
#   deps, build (W=1, warnings are errors) with sparse (C=2), checkpatch --strict,
#   cleanroom-check, shellcheck, the in-tree build (the driver in place of
#   drivers/infiniband/ulp/ipoib of the debug kernel's source, W=1 and
#   sparse, CONFIG_INFINIBAND_IPOIB_CM and _DEBUG each on and off), the rig
#   self-test (a planted splat must fail a guest run and be blamed on its
#   script), then the guest suite for each kernel x driver.  checkpatch,
#   cleanroom-check and the in-tree builds need no guest: when a guest suite
#   follows, they run beside it at the lowest CPU priority and their results
#   come after its.
#
# The guest suite boots each guest once per batch of test scripts
# (selftests/run_tests.sh runs them one after the other and resets the
# guest between them).  Batches are balanced on the measured time of each
# script (the times of earlier runs, kept in $IPOIB_CACHE/test-times, or the
# seed selftests/vm/test-times) so that the guests running side by side
# finish together; on the stock kernel ours and the reference run the same
# batch side by side.  A splat fails the script during which it appeared
# (vm/splat-scan); a crash or hang fails the running script and the scripts
# after it are reported as not run.
#
# Environment (also as make variables: make check IPOIB=reference):
#   KERNEL=stock|debug|all   kernels for the guest suite (default all)
#   IPOIB=ours|reference|all drivers under test (default: both on the stock
#                            kernel, ours on the debug kernel)
#   GUEST_JOBS=N             guests run side by side (default: host cores)
#   TESTS="smoke ping"       test scripts (default: every selftests/*.sh)
#   STOCK_OURS="smoke ..."|all  the scripts ours runs on the stock kernel
#                            when both drivers run by default (default:
#                            smoke ping iperf interop bench_smoke; ours
#                            runs every script on the debug kernel, the
#                            reference every script on the stock kernel)
#                            but bench_smoke, which loads both drivers
#                            itself: it runs once, in the stock kernel's
#                            batch of ours, never on the debug kernel
#   TEST_TIMEOUT=SECS        per test script (default 900)
# At the end, "# time: STEP SECSs" lines give the wall time of every step
# (each guest batch, its boot and each script in it).  The last line is
# "N passed, N failed, N skipped"; the exit status is 1 when anything failed.
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
cache=${IPOIB_CACHE:-/var/cache/ipoib-rig}
outroot=$proj/selftests/vm/out
mkdir -p "$outroot"
find "$outroot" -mindepth 1 -maxdepth 1 -type d -name 'check-*' -mmin +360 -exec rm -rf {} + 2>/dev/null
logdir=$(mktemp -d "$outroot/check-$(date +%Y%m%d-%H%M%S)-XXXX")
ln -sfn "$(basename "$logdir")" "$outroot/check-latest"
unset IPOIB KERNEL	# run-guest gets them per run

n=0 pass=0 fail=0 skip=0
t_start=$SECONDS
step_start=$SECONDS
times=()	# "STEP SECS", printed at the end

echo "TAP version 13"

indent() { sed -u 's/^/    /'; }

step() {
	step_start=$SECONDS
	echo "# $*"
}

# time_note STEP SECS: one line of the closing time table.
time_note() {
	times+=("$1 $2")
}

# result ok|fail|skip NAME [REASON]: in a background group (bg_file set),
# a line of its results file instead.
result() {
	local secs=$((SECONDS - step_start))

	if [ -n "${bg_file:-}" ]; then
		printf '%s\t%s\t%s\t%s\n' "$1" "$secs" "$2" "${3:-}" >>"$bg_file"
		return
	fi
	ktap_line "$1" "$secs" "$2" "${3:-}"
}

# ktap_line ok|fail|skip SECS NAME [REASON]: count and print one result.
ktap_line() {
	n=$((n + 1))
	time_note "$3" "$2"
	case "$1" in
	ok) pass=$((pass + 1)); echo "ok $n $3 # ${2}s" ;;
	skip) skip=$((skip + 1)); echo "ok $n $3 # SKIP $4" ;;
	*) fail=$((fail + 1)); echo "not ok $n $3${4:+ # $4}" ;;
	esac
}

# Steps that no guest needs (checkpatch, cleanroom-check, the in-tree
# builds) run beside the guest suite when one follows, at the lowest CPU
# priority, so that they take what the guests leave idle (the stock
# kernel's guests wait on timers much of the time) instead of delaying
# them; their results are reported after the guests'.  The debug kernel's
# module builds run beside the stock kernel's guests the same way, and the
# first debug batch waits for them.
# bg_group NAME NICE FUNC...: run the FUNCs one after the other in the
# background at NICE; their output goes to $logdir/bg-NAME.out, their
# results to $logdir/bg-NAME.results.  Without a guest suite (--static)
# they run here.
bg_groups=()
bg_group() {
	local name=$1 prio=$2 file=$logdir/bg-$1.results f

	shift 2
	if [ "$static_only" = 1 ]; then
		for f in "$@"; do "$f"; done
		return
	fi
	: >"$file"
	(
		renice -n "$prio" -p "$BASHPID" >/dev/null 2>&1
		bg_file=$file
		for f in "$@"; do "$f"; done
	) >"$logdir/bg-$name.out" 2>&1 &
	bg_groups+=("$! $file")
	echo "# $* run in the background (results at the end)"
}

# bg_wait NAME: wait until background group NAME (if any) has finished.
bg_wait() {
	local g pid file

	for g in "${bg_groups[@]}"; do
		read -r pid file <<<"$g"
		[ "$file" = "$logdir/bg-$1.results" ] || continue
		while kill -0 "$pid" 2>/dev/null; do
			sleep 1
		done
	done
}

# bg_collect: wait for the background groups and report their results.
bg_collect() {
	local g pid file st secs name why

	for g in "${bg_groups[@]}"; do
		read -r pid file <<<"$g"
		while kill -0 "$pid" 2>/dev/null; do
			sleep 1
		done
		indent <"${file%.results}.out"
		while IFS=$'\t' read -r st secs name why; do
			ktap_line "$st" "$secs" "$name" "$why"
		done <"$file"
	done
	bg_groups=()
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

# finish: the time table, the plan and the totals; exits.
finish() {
	local t

	bg_collect
	for t in "${times[@]}"; do
		echo "# time: ${t% *} ${t##* }s"
	done
	echo "1..$n"
	echo "# make check took $((SECONDS - t_start))s; logs in $logdir"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
}

# ------------------------------------------------------------- static part

run_step "deps" ./scripts/deps.sh

stock_kdir=/lib/modules/$(make -s --no-print-directory print-stock-krel)/build

# build_werror KDIR [SPARSE]: the modules with W=1 and warnings as errors;
# with SPARSE (C=1 or C=2) sparse runs on the files too, and its
# diagnostics about our files fail the step (not those about the kernel's
# headers).
build_werror() {
	local out rc

	out=$logdir/build-$(echo "$1" | tr -c 'a-zA-Z0-9\n' _).out
	make -s --no-print-directory KDIR="$1" W=1 ${2:+"$2"} EXTRA_FLAGS=-Werror >"$out" 2>&1
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || return "$rc"
	! grep -E 'warning:|error:' "$out" | grep -vE '^(/usr/|/lib/|/var/)'
}
# One pass: every file is compiled and checked by sparse (C=2: all files,
# not only those rebuilt).
if command -v sparse >/dev/null; then
	run_step "build W=1 -Werror, sparse C=2 (stock 6.12)" build_werror "$stock_kdir" C=2
else
	run_step "build W=1 -Werror (stock 6.12)" build_werror "$stock_kdir"
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
checkpatch_step() {
	run_step "checkpatch --strict" checkpatch
}

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
cleanroom_step() {
	step "cleanroom-check"
	cleanroom >"$logdir/cleanroom.log" 2>&1
	case $? in
	0) result ok "cleanroom-check" ;;
	2) indent <"$logdir/cleanroom.log"
	   result skip "cleanroom-check" "cannot check here: $(tail -n 1 "$logdir/cleanroom.log")" ;;
	*) indent <"$logdir/cleanroom.log"
	   result fail "cleanroom-check" "shared runs with upstream IPoIB" ;;
	esac
}
bg_group lint 19 checkpatch_step cleanroom_step

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

# ------------------------------------------------------------- in-tree build

# The driver in place of drivers/infiniband/ulp/ipoib of the debug kernel's
# source (a symlink farm; the O= tree is cached), W=1 and sparse, for the
# settings of the two options that compile different code: IPOIB_DEBUG
# adds ipoib_fs.c, which has an IPOIB_CM branch of its own; elsewhere
# IPOIB_DEBUG only chooses the stubs of ipoib_fs.c's functions, so
# CM=y DEBUG=n compiles nothing the other three do not.  Needs the debug
# kernel's .config.
intree_steps() {
	local conf cm dopt name

	run_step "in-tree: prepare O= tree (debug kernel config)" scripts/intree-check.sh prepare
	for conf in "y y" "n y" "n n"; do
		read -r cm dopt <<<"$conf"
		name="in-tree: W=1 C=1 IPOIB_CM=$cm IPOIB_DEBUG=$dopt"
		run_step "$name" scripts/intree-check.sh build "$cm" "$dopt"
	done
}
intree_done=0
intree_maybe() {
	if selftests/vm/build-debug-kernel.sh --status; then
		bg_group intree 19 intree_steps
	else
		step "in-tree build"
		result skip "in-tree build" "the debug kernel (its .config) is not built yet"
	fi
	intree_done=1
}
case " $kernels " in
*" debug "*) [ "$static_only" = 0 ] || intree_maybe ;;
*) intree_maybe ;;
esac

if [ "$static_only" = 1 ]; then
	finish
fi

# ------------------------------------------------------------- guest runs

# boot_splat CONSOLE: true when the first splat came while the kernel was
# still booting, before the guest's init ran ("RIG: stage 1"): no module of
# ours or any test code can have caused it.
boot_splat() {
	selftests/vm/splat-scan --tests "$1" | grep -q '^(kernel boot) '
}

# batch_names BASE: the script names of a batch, one a line.
batch_names() {
	local t

	while read -r t; do
		basename "$t" .sh
	done <"$1.list"
}

# guest_batch KERNEL DRIVER ID TEST...: one boot running the TESTs through
# run_tests.sh; output to BASE.log, console to BASE.console, "rc secs" to
# BASE.rc (BASE: $logdir/KERNEL-DRIVER-bID).  Runs in the background (see
# below).  A splat during the emulated kernel's own boot (seen rarely with
# the debug kernel under TCG) gets one more boot; the first is kept as
# BASE.boot-splat.*.
guest_batch() {
	local k=$1 d=$2 b=$3 base=$logdir/$1-$2-b$3 start=$SECONDS rc try tmo

	shift 3
	printf '%s\n' "$@" >"$base.list"
	# A hung guest is caught by the progress watchdog (a rig line at least
	# every script); the overall bound is the sum of the script bounds.
	tmo=$(( $# * (test_timeout + 120) + 900 ))
	for try in 1 2; do
		selftests/vm/run-guest --kernel "$k" --timeout "$tmo" \
			--step-timeout $((test_timeout + 300)) \
			--log "$base.console" --env IPOIB="$d" \
			--env TEST_TIMEOUT="$test_timeout" -- selftests/run_tests.sh "$@" \
			>"$base.log" 2>&1
		rc=$?
		[ "$rc" -ne 0 ] && [ "$try" = 1 ] && boot_splat "$base.console" || break
		mv "$base.console" "$base.boot-splat.console"
		mv "$base.log" "$base.boot-splat.log"
	done
	[ ! -f "$base.boot-splat.console" ] ||
		echo "# splat while the kernel booted, before any test code (kept in $base.boot-splat.console); booted again" >>"$base.log"
	echo "$rc $((SECONDS - start))" >"$base.rc"
}

# console_time CONSOLE REGEX: guest uptime (s) of the first line matching.
console_time() {
	sed -n "s/^\[ *\([0-9]*\)\.[0-9]*\] .*$2.*/\1/p" "$1" | head -n 1
}

# guest_analyze KERNEL DRIVER ID: the result of every script of a finished
# batch, from its output and console, into BASE.results, one line each:
#	NAME STATUS PASS FAIL SKIP SECS NOTE...
# STATUS: ok, skip, fail (it ran), died (the guest died or hung while it
# ran), notrun.  BASE.batch gets what fails the batch as a whole (splats
# outside any script, a failed run without a failed script).
guest_analyze() {
	local base=$logdir/$1-$2-b$3 rc secs line name t st p f s tsecs note
	local died='' why owner cnt any_fail=0
	local -A res=() cnts=() began=() splats=()

	read -r rc secs <"$base.rc"
	: >"$base.results"
	: >"$base.batch"
	while IFS= read -r line; do
		case "$line" in
		"# selftests: ipoib: "*)
			name=${line#\# selftests: ipoib: }
			began[${name%% *}]=1 ;;
		"# counts: "*)
			read -r _ _ name line <<<"$line"
			cnts[$name]=$line ;;
		"ok "*|"not ok "*)
			name=${line#not }
			read -r _ _ name _ <<<"$name"
			res[$name]=$line ;;
		esac
	done <"$base.log"
	while read -r owner cnt; do
		splats[$owner]=$cnt
	done < <(selftests/vm/splat-scan --tests "$base.console" 2>/dev/null |
		sed -E 's/^(.*) ([0-9]+)$/\1\t\2/' | tr ' \t' '_ ')
	case "$rc" in
	124) why="the guest hung (timeout)" ;;
	0|1) why="the guest stopped" ;;
	*) why="the guest crashed or stopped without a result (run-guest exited $rc)" ;;
	esac
	while read -r t; do
		p=0 f=0 s=0 tsecs=0 note=
		if [ -n "$died" ]; then
			st=notrun note="not run: $died"
			f=1
		elif [ -n "${res[$t]:-}" ]; then
			line=${res[$t]}
			if [ -n "${cnts[$t]:-}" ]; then
				for kv in ${cnts[$t]}; do
					case "$kv" in
					pass:*) p=${kv#pass:} ;;
					fail:*) f=${kv#fail:} ;;
					skip:*) s=${kv#skip:} ;;
					secs:*) tsecs=${kv#secs:} ;;
					esac
				done
			fi
			case "$line" in
			"not ok "*) st=fail note=${line#*# } ;;
			*"# SKIP"*) st=skip ;;
			*) st=ok ;;
			esac
			[ "$st" != fail ] || [ "$f" -gt 0 ] || f=1
		else
			# No result: the guest died while this script ran (or
			# before it started, then it was simply not run).
			if [ -n "${began[$t]:-}" ] || grep -q "RIG: test $t begin" "$base.console"; then
				st=died note="$why while this script ran"
				died="$why during $t"
			else
				st=notrun note="not run: $why before it"
				died="$why before $t"
			fi
			f=1
		fi
		if [ -n "${splats[$t]:-}" ]; then
			[ "$st" = died ] || [ "$st" = notrun ] || st=fail
			note="kernel splat during this script (${splats[$t]})${note:+; $note}"
			[ "$f" -gt 0 ] || f=1
		fi
		[ "$st" = ok ] || [ "$st" = skip ] || any_fail=1
		echo "$t $st $p $f $s $tsecs $note" >>"$base.results"
	done < <(batch_names "$base")
	for owner in "${!splats[@]}"; do
		grep -Fqx "$owner" < <(batch_names "$base") ||
			echo "kernel splat ${owner//_/ } (${splats[$owner]})" >>"$base.batch"
	done
	if [ "$rc" -ne 0 ] && [ "$any_fail" = 0 ] && [ ! -s "$base.batch" ]; then
		echo "run-guest exited $rc" >>"$base.batch"
	fi
}

# guest_report KERNEL DRIVER ID: fold a finished batch into the totals: one
# KTAP line per script, one for the batch when it failed as a whole.
guest_report() {
	local k=$1 d=$2 b=$3 base=$logdir/$1-$2-b$3 rc secs t st p f s tsecs note
	local boot scan label=$1/$2/b$3

	guest_analyze "$k" "$d" "$b"
	read -r rc secs <"$base.rc"
	sed 's/^run-guest:/# run-guest:/' "$base.log" | indent
	time_note "$label" "$secs"
	boot=$(console_time "$base.console" 'RIG: running:')
	[ -z "$boot" ] || time_note "$label/boot" "$boot"
	while read -r t st p f s tsecs note; do
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		n=$((n + 1))
		case "$st" in
		ok) echo "ok $n $k/$d/$t # ${tsecs}s" ;;
		skip) echo "ok $n $k/$d/$t # SKIP (${tsecs}s)" ;;
		*) echo "not ok $n $k/$d/$t # $note (console: $base.console)" ;;
		esac
		case "$st" in
		ok|skip|fail)
			time_note "$label/$t" "$tsecs"
			est_set "$k" "$d" "$t" "$tsecs" ;;
		esac
	done <"$base.results"
	scan=$(sed -n 's/.*RIG: kmemleak scan took \([0-9.]*\)s.*/\1/p' "$base.console" | head -n 1)
	[ -z "$scan" ] || time_note "$label/kmemleak-scan" "$scan"
	[ -z "$boot" ] || est_set "$k" - boot "$boot"
	if [ -s "$base.batch" ]; then
		n=$((n + 1)) fail=$((fail + 1))
		echo "not ok $n $label # $(paste -sd';' "$base.batch" | sed 's/;/; /g') (console: $base.console)"
	fi
}

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

# One batch as the suite runs it: a clean script that leaves a module
# loaded, the planted splat, a kernel crash, then a script that cannot run.
step "rig: in a batch, a splat fails its script only; a crash fails the running script, the rest is not run"
rig_expect="rig_clean ok
rig_splat fail
rig_crash died
smoke notrun"
guest_batch stock ours rig selftests/vm/rig_clean.sh selftests/vm/rig_splat.sh \
	selftests/vm/rig_crash.sh smoke
guest_analyze stock ours rig
rig_got=$(cut -d' ' -f1,2 "$logdir/stock-ours-brig.results")
if [ "$rig_got" = "$rig_expect" ] &&
   grep -q '^rig_splat fail .*kernel splat during this script' "$logdir/stock-ours-brig.results" &&
   grep -q '^rig_crash died .*kernel splat during this script' "$logdir/stock-ours-brig.results"; then
	sed 's/^/# /' "$logdir/stock-ours-brig.results" | indent
	result ok "rig: splat and crash blamed on their scripts in a batch"
else
	indent <"$logdir/stock-ours-brig.log"
	{ echo "expected:"; echo "$rig_expect"; echo "got:"; cat "$logdir/stock-ours-brig.results"; } | indent
	result fail "rig: splat and crash blamed on their scripts in a batch"
fi

# ------------------------------------------------------------- guest suite

mapfile -t tests < <(selftests/run_tests.sh --list)

# Scripts that load both drivers themselves (bench_smoke: `make bench` in
# one quick round): they run once per suite, in the stock kernel's batch of
# ours, and never on the debug kernel (minutes there).
once_ours=" bench_smoke "

# shared_tests NAME...: the NAMEs every driver runs (not once_ours).
shared_tests() {
	local t

	for t in "$@"; do
		[[ $once_ours == *" ${t%.sh} "* ]] || echo "$t"
	done
}

# once_tests NAME...: the NAMEs of once_ours.
once_tests() {
	local t

	for t in "$@"; do
		[[ $once_ours != *" ${t%.sh} "* ]] || echo "$t"
	done
}

# Estimated seconds per kernel/driver/script (and kernel/-/boot): the seed
# file, then what earlier runs on this machine measured.
times_db=$cache/test-times
declare -A est=()
est_load() {
	local k d t secs

	[ -r "$1" ] || return 0
	while read -r k d t secs; do
		case "$k" in ''|'#'*) continue ;; esac
		est[$k/$d/$t]=$secs
	done <"$1"
}
est_load selftests/vm/test-times
est_load "$times_db"

est_set() {
	est[$1/$2/$3]=$4
}

est_save() {
	local key tmp

	mkdir -p "$cache" 2>/dev/null || return 0
	tmp=$(mktemp "$times_db.XXXXXX" 2>/dev/null) || return 0
	for key in "${!est[@]}"; do
		echo "${key//\// } ${est[$key]}"
	done | sort >"$tmp" && mv "$tmp" "$times_db"
}

# est_of KERNEL DRIVER SCRIPT: the estimate, or a guess: the stock time
# times 4 on the debug kernel, the other driver's time, 60 s.
est_of() {
	local k=$1 d=$2 t=$3 v

	v=${est[$k/$d/$t]:-${est[$k/ours/$t]:-${est[$k/reference/$t]:-}}}
	if [ -z "$v" ] && [ "$k" = debug ]; then
		v=${est[stock/$d/$t]:-${est[stock/ours/$t]:-}}
		[ -z "$v" ] || v=$((v * 4))
	fi
	echo "${v:-60}"
}

boot_of() {
	local v=${est[$1/-/boot]:-}

	[ -n "$v" ] || { [ "$1" = debug ] && v=90 || v=10; }
	echo "$v"
}

guest_jobs=${GUEST_JOBS:-$(nproc)}
[ "$guest_jobs" -ge 1 ] 2>/dev/null || guest_jobs=1
# A stock kernel's guest leaves about half of its core idle (its scripts
# wait on the fabric's timers), a debug kernel's keeps it busy: while a
# stock guest runs, one guest more than the cores runs (STOCK_JOBS).
stock_jobs=${STOCK_JOBS:-$((guest_jobs + 1))}
[ "$stock_jobs" -ge "$guest_jobs" ] 2>/dev/null || stock_jobs=$guest_jobs
nslots=$guest_jobs
slot_load=()
for ((i = 0; i < guest_jobs; i++)); do
	slot_load[i]=0
done
jobs_list=()

# The runner hands the next batch to the first guest slot that frees up;
# planning does the same with estimates.
plan_job() {
	local k=$1 d=$2 id=$3 total i best=0

	shift 3
	total=$(boot_of "$k")
	for t in "$@"; do
		total=$((total + $(est_of "$k" "$d" "$t")))
	done
	for ((i = 1; i < nslots; i++)); do
		[ "${slot_load[i]}" -lt "${slot_load[best]}" ] && best=$i
	done
	slot_load[best]=$((slot_load[best] + total))
	jobs_list+=("$k $d $id $*")
}

# split_bins KERNEL NBINS DRIVERS INIT...: the scripts in NBINS batches, the
# longest first into the batch that would end first (its guest slot's load
# INIT plus its scripts), scripts timed by the slowest of DRIVERS.  Prints
# one batch a line, in the order their slots free up; the throughput
# scripts go first in a batch so that they run while both guests run.
split_bins() {
	local k=$1 nb=$2 drvs=$3 t d v i best line
	local -a load=() bin=() order=()

	shift 3
	for ((i = 0; i < nb; i++)); do
		load[i]=$(( ${1:-0} + $(boot_of "$k") ))
		bin[i]=
		[ $# -eq 0 ] || shift
	done
	mapfile -t order < <(for t in "${tests[@]}"; do
		v=0
		for d in $drvs; do
			[ "$(est_of "$k" "$d" "$t")" -gt "$v" ] && v=$(est_of "$k" "$d" "$t")
		done
		echo "$v ${t%.sh}"
	done | sort -k1,1nr -k2)
	for line in "${order[@]}"; do
		v=${line%% *} t=${line#* }
		best=0
		for ((i = 1; i < nb; i++)); do
			[ "${load[i]}" -lt "${load[best]}" ] && best=$i
		done
		load[best]=$((load[best] + v))
		bin[best]+=" $t"
	done
	for ((i = 0; i < nb; i++)); do
		[ -n "${bin[i]}" ] || continue
		# shellcheck disable=SC2086 # the names, split on purpose
		printf '%s\n' ${bin[i]} | awk '/^(iperf|softib_bench)$/ { print; next } { rest = rest " " $0 } END { print rest }' | xargs
	done
}

# The default run on the stock kernel: the reference runs every script,
# ours the subset that compares with it (iperf side by side, interop in
# both directions) and brings it up on the distribution's own kernel; ours
# runs every script on the debug kernel, built from the same 6.12 source.  Ours is
# planned first, its throughput script first, so that both drivers' iperf
# runs start together.
stock_ours=${STOCK_OURS:-smoke ping iperf interop bench_smoke}
# When the debug kernel's batches follow, one of the stock_jobs guest slots
# is theirs from the start: a stock guest leaves half of its core idle, a
# debug guest fills it, so one debug guest beside the stock ones keeps the
# host busy while they run (debug_lane: how many slots that is).
debug_lane=0
plan_stock_default() {
	local t bin id=0
	local -a sub=() bins=() all=()

	[[ " $kernels " != *" debug "* ]] || debug_lane=1
	nslots=$((stock_jobs - debug_lane))
	for ((t = ${#slot_load[@]}; t < nslots; t++)); do
		slot_load[t]=0
	done
	for t in "${tests[@]}"; do
		[[ " $stock_ours " == *" ${t%.sh} "* ]] && sub+=("${t%.sh}")
	done
	if [ ${#sub[@]} -gt 0 ]; then
		# shellcheck disable=SC2046 # one name per word
		plan_job stock ours 1 $(printf '%s\n' "${sub[@]}" |
			awk '/^(iperf|softib_bench)$/ { print; next } { rest = rest " " $0 } END { print rest }' | xargs)
	fi
	# the reference's iperf leads the batch that starts with ours
	all=("${tests[@]}")
	mapfile -t tests < <(shared_tests "${all[@]}" | grep -vx 'iperf\(\.sh\)\?')
	# shellcheck disable=SC2046 # one argument per slot
	mapfile -t bins < <(split_bins stock "$nslots" reference \
		$(printf '%s\n' "${slot_load[@]}" | sort -n))
	! printf '%s\n' "${all[@]}" | grep -qx 'iperf\(\.sh\)\?' || bins[0]="iperf ${bins[0]:-}"
	tests=("${all[@]}")
	for bin in "${bins[@]}"; do
		id=$((id + 1))
		# shellcheck disable=SC2086 # the names, split on purpose
		plan_job stock reference "$id" $bin
	done
	if [ "$debug_lane" = 1 ]; then
		# The debug slot starts at once; the next debug batches start
		# as the first stock slots free up.
		mapfile -t slot_load < <(echo 0
			printf '%s\n' "${slot_load[@]}" | sort -n | head -n $((guest_jobs - 1)))
	else
		# The next guest starts when fewer than guest_jobs run: the
		# slots that end last carry on.
		mapfile -t slot_load < <(printf '%s\n' "${slot_load[@]}" | sort -n | tail -n "$guest_jobs")
	fi
	nslots=$guest_jobs
}

# The debug kernel's modules: ours and softib, and the renamed reference;
# built at the guests' own priority, since the first debug guest, which
# waits for them, starts beside the first stock guests.
debug_builds() {
	run_step "build W=1 -Werror (debug kernel)" build_werror "$dbg/build"
	run_step "reference renamed ib_ipoib_ref (debug kernel, interop)" \
		scripts/build-ref-ipoib.sh --kdir "$dbg/build"
}

for k in $kernels; do
	if [ "$k" = debug ]; then
		step "debug kernel (cached build or a fresh one, ~10-30 min)"
		if dbg=$(JOBS=${JOBS:-$(nproc)} selftests/vm/build-debug-kernel.sh 2>"$logdir/debug-kernel.log"); then
			result ok "debug kernel"
		else
			indent <"$logdir/debug-kernel.log"
			result fail "debug kernel" "build failed"
			continue
		fi
		[ "$intree_done" = 1 ] || intree_maybe
		bg_group debugbuild 0 debug_builds
	else
		run_step "reference renamed ib_ipoib_ref (stock kernel, interop)" \
			scripts/build-ref-ipoib.sh
	fi
	# The debug kernel hunts for bugs in our code (and softib's); the
	# reference runs there only when asked for with IPOIB=reference|all.
	kdrivers=$drivers
	[ "$k" = debug ] && [ "$drivers_given" = 0 ] && kdrivers=ours
	read -ra kd <<<"$kdrivers"
	if [ "$k" = stock ] && [ "$drivers_given" = 0 ] && [ "$stock_ours" != all ]; then
		plan_stock_default
		continue
	fi
	# once_ours scripts: in the batches of ours alone on the stock kernel,
	# in a batch of their own for ours beside another driver, else not.
	all=("${tests[@]}")
	mapfile -t once < <(once_tests "${all[@]}")
	if [ "$k" != stock ] || [ "${kd[*]}" != ours ]; then
		mapfile -t tests < <(shared_tests "${all[@]}")
		if [ "$k" = stock ] && [[ " ${kd[*]} " == *" ours "* ]] && [ ${#once[@]} -gt 0 ]; then
			plan_job stock ours once "${once[@]}"
		fi
	fi
	if [ ${#kd[@]} -ge 2 ]; then
		# The drivers side by side: the same batches, started together.
		nb=$(( guest_jobs / ${#kd[@]} ))
		[ "$nb" -ge 1 ] || nb=1
		mapfile -t bins < <(split_bins "$k" "$nb" "$kdrivers")
	else
		# shellcheck disable=SC2046 # one argument per slot
		mapfile -t bins < <(split_bins "$k" "$guest_jobs" "$kdrivers" \
			$(printf '%s\n' "${slot_load[@]}" | sort -n))
	fi
	id=0
	for bin in "${bins[@]}"; do
		id=$((id + 1))
		for d in "${kd[@]}"; do
			# shellcheck disable=SC2086 # the names, split on purpose
			plan_job "$k" "$d" "$id" $bin
		done
	done
	tests=("${all[@]}")
done

# The debug slot's batch (the first debug one: its slot's load was 0)
# starts right after the first stock batches, which fill the other slots.
if [ "$debug_lane" = 1 ]; then
	for ((i = 0; i < ${#jobs_list[@]}; i++)); do
		[[ ${jobs_list[i]} == "debug "* ]] || continue
		j=${jobs_list[i]}
		jobs_list=("${jobs_list[@]:0:i}" "${jobs_list[@]:i+1}")
		n=$((stock_jobs - debug_lane))
		[ "$n" -le "$i" ] || n=$i
		jobs_list=("${jobs_list[@]:0:n}" "$j" "${jobs_list[@]:n}")
		break
	done
fi

step "guest suite: ${#jobs_list[@]} batches, $guest_jobs at a time ($stock_jobs while a stock kernel's runs; estimated slot loads: ${slot_load[*]} s)"
for j in "${jobs_list[@]}"; do
	read -r k d b rest <<<"$j"
	echo "#   $k/$d/b$b: $rest"
done
running=()
declare -A run_kernel=()
next=0
reported=0
# job_fits KERNEL: a batch for KERNEL may start now (guest_jobs guests
# while all of them and it are debug, else stock_jobs: stock guests leave
# CPU idle).
job_fits() {
	local pid limit=$guest_jobs

	[ "$1" = debug ] || limit=$stock_jobs
	for pid in "${running[@]}"; do
		[ "${run_kernel[$pid]}" = debug ] || limit=$stock_jobs
	done
	[ ${#running[@]} -lt "$limit" ]
}
while [ "$reported" -lt ${#jobs_list[@]} ]; do
	while [ "$next" -lt ${#jobs_list[@]} ]; do
		read -r k _ <<<"${jobs_list[$next]}"
		job_fits "$k" || break
		[ "$k" != debug ] || bg_wait debugbuild
		# shellcheck disable=SC2086 # "kernel driver id tests..." split on purpose
		guest_batch ${jobs_list[$next]} &
		running+=("$!")
		run_kernel[$!]=$k
		next=$((next + 1))
	done
	# Report finished batches strictly in list order.
	read -r k d b _ <<<"${jobs_list[$reported]}"
	if [ -f "$logdir/$k-$d-b$b.rc" ]; then
		guest_report "$k" "$d" "$b"
		reported=$((reported + 1))
		continue
	fi
	if [ ${#running[@]} -eq 0 ]; then
		# Nothing left running and still no result: the run died.
		echo "255 0" >"$logdir/$k-$d-b$b.rc"
		touch "$logdir/$k-$d-b$b.log" "$logdir/$k-$d-b$b.console"
		continue
	fi
	wait -n 2>/dev/null || true
	alive=()
	for pid in "${running[@]}"; do
		kill -0 "$pid" 2>/dev/null && alive+=("$pid")
	done
	running=("${alive[@]}")
done
est_save

# Throughput of ours and of the reference, measured in this same run (the
# guests ran side by side on the same host): figures and their ratio.
iperf_compare() {
	local k=$1 dir a b

	for dir in "tcp a->b" "tcp b->a" "tcp6 a->b"; do
		a=$(cat "$logdir/$k"-ours-b[0-9]*.log 2>/dev/null | grep -m1 -F "iperf3 $dir:" |
			grep -oE '[0-9.]+ Mbit/s' | cut -d' ' -f1)
		b=$(cat "$logdir/$k"-reference-b[0-9]*.log 2>/dev/null | grep -m1 -F "iperf3 $dir:" |
			grep -oE '[0-9.]+ Mbit/s' | cut -d' ' -f1)
		[ -n "$a" ] && [ -n "$b" ] || continue
		awk -v d="$dir" -v k="$k" -v a="$a" -v b="$b" 'BEGIN {
			printf "# iperf3 %s (%s kernel): ours %s Mbit/s, reference %s Mbit/s, ratio %.2f\n",
			       d, k, a, b, (b > 0 ? a / b : 0) }'
	done
}
for k in $kernels; do
	iperf_compare "$k"
done

finish
