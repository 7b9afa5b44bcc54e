#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench` smoke test: the guest side of the benchmark
# (selftests/bench/run.sh) runs one quick round, in datagram and connected
# mode with 1-second runs, plus the rn- rows over softib's vendor offload
# path (enhanced=1) and the mq- rows (two UD send queues for ours), and
# every row must come out with a number for both
# drivers (the fabric rows: for softib's benchmark).  No rate, ratio
# or time is asserted: performance is never a test.
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
