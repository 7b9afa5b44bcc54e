#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP throughput of our ib_ipoib and the distribution's, alternating in one
# guest over the same softib fabric: every round loads softib and one
# driver, measures iperf3 TCP a->b and b->a in datagram mode and then in
# connected mode (MTU 65520), unloads both, and does the same with the
# other driver.  Odd rounds start with ours, even rounds with the
# reference, so that neither always runs first.  Not a test: it asserts
# nothing about rates.  It prints one line per measurement,
#	sample ROW DRIVER ROUND MBITS
# and a table: per row the median, min and max of each driver and the ratio
# of the medians (ours / reference).
#
#   BENCH_ROUNDS  rounds (default 7)        BENCH_SECS  iperf3 -t (default 5)
#   BENCH_MODES   "datagram connected"      BENCH_OUT   samples file (default
#                                           a temporary one)
#
# Run by scripts/bench.sh (`make bench`) inside a stock-kernel guest.
# shellcheck disable=SC2034	# read by lib.sh
KTAP_QUIET=1
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../ib_lib.sh"

require_cmd iperf3 ss

ROUNDS=${BENCH_ROUNDS:-7}
SECS=${BENCH_SECS:-5}
MODES=${BENCH_MODES:-datagram connected}
SAMPLES=${BENCH_OUT:-$(mktemp)}
OUT=$(mktemp)
defer rm -f "$OUT"
: >"$SAMPLES"

# bench_down: namespaces, ib_ipoib and softib gone, ready for the next load.
bench_down()
{
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	wait_for 30 rmmod ib_ipoib 2>/dev/null
	wait_for 30 rmmod softib 2>/dev/null
	! lsmod_has ib_ipoib && ! lsmod_has softib
}

# bench_mode MODE: both ends in MODE, a full-size ping answered.
bench_mode()
{
	local mtu

	cm_set_mode "$NS_A" "$IB_A" "$1" >/dev/null || return 1
	cm_set_mode "$NS_B" "$IB_B" "$1" >/dev/null || return 1
	mtu=$(ib_mtu "$NS_A" "$IB_A")
	wait_ping_df "$NS_A" "$IP4_B" "$mtu" 30
}

# bench_iperf ROW DRIVER ROUND ARGS...: one iperf3 run, one sample line.
bench_iperf()
{
	local row=$1 drv=$2 round=$3 rate

	shift 3
	if ! iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -t "$SECS" "$@"; then
		log_info "$row ($drv, round $round): iperf3 failed: $(tail -n 2 "$OUT" | tr '\n' ' ')"
		return 1
	fi
	rate=$(iperf3_rate "$OUT")
	echo "sample $row $drv $round ${rate:-0}" | tee -a "$SAMPLES"
}

# bench_driver DRIVER ROUND: every row with one driver.
bench_driver()
{
	local mode

	# shellcheck disable=SC2034	# read by load_ipoib
	IPOIB=$1
	ib_pair_setup
	for mode in $MODES; do
		if ! bench_mode "$mode"; then
			log_info "$1: no traffic in $mode mode, round $2"
			continue
		fi
		bench_iperf "tcp-$mode-a-b" "$1" "$2"
		bench_iperf "tcp-$mode-b-a" "$1" "$2" -R
	done
	bench_down || fail_all "$1: modules will not unload" "bench"
}

# bench_table: median, min and max per row and driver, ratio of medians.
bench_table()
{
	sort -k2,2 -k3,3 -k5,5n "$SAMPLES" | awk '
	function med(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	{ k = $2 SUBSEP $3; n[k]++; v[k, n[k]] = $5; rows[$2] = 1 }
	END {
		printf "%-22s %28s %28s %6s\n", "row (Mbit/s)", "ours median [min-max]",
		       "reference median [min-max]", "ratio"
		for (r in rows) {
			line = sprintf("%-22s", r)
			for (d = 1; d <= 2; d++) {
				drv = d == 1 ? "ours" : "reference"
				k = r SUBSEP drv
				if (!n[k]) { line = line sprintf(" %28s", "-"); m[d] = 0; continue }
				delete a
				for (i = 1; i <= n[k]; i++) a[i] = v[k, i]
				m[d] = med(a, n[k])
				line = line sprintf(" %28s", sprintf("%.0f [%.0f-%.0f] n=%d", m[d], a[1], a[n[k]], n[k]))
			}
			line = line sprintf(" %6s", m[2] > 0 ? sprintf("%.2f", m[1] / m[2]) : "-")
			print line
		}
	}' | sort
}

bench_down >/dev/null 2>&1
for ((round = 1; round <= ROUNDS; round++)); do
	if [ $((round % 2)) = 1 ]; then
		order="ours reference"
	else
		order="reference ours"
	fi
	for drv in $order; do
		bench_driver "$drv" "$round"
	done
done
bench_table
