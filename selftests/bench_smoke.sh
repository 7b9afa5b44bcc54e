#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` smoke test: the guest side of the benchmark
# (selftests/bench/run.sh) runs one quick round, in datagram and connected
# mode with 1-second runs, plus the rn- rows over softib's vendor offload
# path (enhanced=1) and the mq- rows (two UD send queues for ours), and
# every row must come out with a number for both
# drivers (the fabric rows: for softib's benchmark).  No rate, ratio
# or time is asserted: performance is never a test.  Last, the summary's
# paired verdicts (ahead, behind, none) on made-up samples.
#
#   softib0 port 1 (ns a) ==== softib fabric ==== softib1 port 1 (ns b)
#       ours, then the distribution's ib_ipoib, loaded by the bench
#
# The bench loads and unloads both drivers itself, so scripts/check.sh runs
# this script once, in the stock kernel's batch of ours: with
# IPOIB=reference or on the debug kernel (minutes there) it skips.
#   BENCH_SMOKE_MODES (default "datagram connected"), BENCH_SMOKE_SECS (1)
source "$(dirname "$0")/lib.sh"

[ "${KERNEL:-stock}" != debug ] || skip_all "runs on the stock kernel only"
[ "$IPOIB" = ours ] || skip_all "loads both drivers itself: runs in the batch of ours only"

samples=$(mktemp)
defer rm -f "$samples"

# The paired verdicts of the summary (selftests/bench/summary.awk) on
# made-up samples, with the guest's awk.  verdict_of ROW FILE: the
# verdict of ROW in the table and in the JSON, "TABLE/JSON" ("-": none).
verdict_of()
{
	local t j

	t=$(awk -f "$LIB_DIR/bench/summary.awk" "$2" |
		awk -v r="$1" '$1 == r { for (i = 2; i <= NF; i++) if ($i == "ahead" || $i == "behind") v = $i }
			END { print v == "" ? "-" : v }')
	j=$(awk -v fmt=json -f "$LIB_DIR/bench/summary.awk" "$2" |
		sed -n 's/.*"verdict": "\([a-z]*\)".*/\1/p')
	echo "$t/${j:--}"
}

# verdict_case NAME WANT ROW BETTER "OURS..." "REFS...": one case.
verdict_case()
{
	local name=$1 want=$2 row=$3 better=$4 f got

	f=$(mktemp)
	{
		echo "unit $row x $better"
		paste -d' ' <(tr ' ' '\n' <<<"$5") <(tr ' ' '\n' <<<"$6") |
			awk -v row="$row" '{ printf "sample %s ours %d %s\nsample %s reference %d %s\n", row, NR, $1, row, NR, $2 }'
	} >"$f"
	got=$(verdict_of "$row" "$f")
	rm -f "$f"
	[ "$got" = "$want/$want" ]
	check_err $? "verdict (table/JSON) $got, expected $want/$want"
	log_test "bench summary: $name"
}

start=$SECONDS
# The bench's own lines become diagnostics: its lib.sh prints KTAP lines
# of its own when a step fails.
BENCH_QUICK=1 BENCH_ROUNDS=1 BENCH_SECS=${BENCH_SMOKE_SECS:-1} BENCH_PINGS=100 \
	BENCH_MODES=${BENCH_SMOKE_MODES:-datagram connected} BENCH_OUT=$samples \
	bash "$LIB_DIR/bench/run.sh" 2>&1 | sed -u 's/^/# /'
rc=${PIPESTATUS[0]}
log_info "bench took $((SECONDS - start)) s"
check_err "$rc" "selftests/bench/run.sh exited with status $rc"
log_test "bench: one quick round"

# One case per planned row: a numeric sample for each driver.
declare -A missing=()
while read -r row drv; do
	[ -z "$row" ] || missing[$row]+="${missing[$row]:+, }$drv"
done < <(awk -v fmt=check -f "$LIB_DIR/bench/summary.awk" "$samples")
nrows=0
while read -r kind row _; do
	[ "$kind" = unit ] || continue
	nrows=$((nrows + 1))
	[ -z "${missing[$row]:-}" ]
	check_err $? "no number for ${missing[$row]:-}"
	log_test "bench row $row"
done <"$samples"
[ "$nrows" -gt 0 ]
check_err $? "the bench planned no rows"
log_test "bench: rows planned"

# A verdict needs every round on one side of 1 and 5 rounds or more; for a
# row where lower is better, ahead means lower.
verdict_case "better in every round: ahead" ahead up higher \
	"110 120 105 130 101 115 140" "100 100 100 100 100 100 100"
verdict_case "worse in every round: behind" behind up higher \
	"90 95 99 80 97 92 85" "100 100 100 100 100 100 100"
verdict_case "one round the other way: no verdict" - up higher \
	"110 120 105 130 99 115 140" "100 100 100 100 100 100 100"
verdict_case "ranges overlap, ahead in every round" ahead up higher \
	"60 110 70 130 80 115 90" "50 100 60 120 70 100 80"
verdict_case "lower is better, lower in every round: ahead" ahead lat lower \
	"90 95 99 80 97 92 85" "100 100 100 100 100 100 100"
verdict_case "4 rounds: no verdict" - up higher "110 120 130 140" "100 100 100 100"
