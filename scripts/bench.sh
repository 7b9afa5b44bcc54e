#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: `make bench`.  Builds the modules and the bench helpers for the
# stock kernel and runs selftests/bench/run.sh in one stock-kernel guest:
# our ib_ipoib and the distribution's, alternating round by round over the
# same softib fabric (TCP 1 and 4 streams each way, UDP 64-byte packet
# rate, ping latency, TCP request/response, guest CPU per GB or per
# million packets, sends with 1/100/1000 multicast groups joined, and
# softib's own ceiling; the mq- rows: TCP 4 streams and UDP 64-byte rate
# with ours on 2 UD send queues; then the rn- rows: the same over softib's
# vendor offload path, enhanced=1).  Under bench-results/ (not tracked by
# git):
#
#	bench-STAMP.txt		everything the guest printed, table included
#	bench-STAMP.samples	the raw lines (unit, ceiling, sample, notmeasured)
#	bench-STAMP.json	per row: each driver's median, min, max and
#				samples, the ratio, the fabric share
#	bench-STAMP.png		the chart: per row ours / reference, with each
#				driver's spread (gnuplot)
#	latest.*		links to the newest of each
#
# Documentation/bench.rst says how to read them.  Measure on an otherwise
# idle host: the guest runs under TCG and shares the host's cores with
# anything else.
#
#   QUICK=1 (make bench QUICK=1)  a ~3-minute subset: 1 round, datagram mode
#                      only, 2 s runs, 200 pings
#   BENCH_ROUNDS=N (default 7), BENCH_SECS=S (5), BENCH_PINGS=N (1000),
#   BENCH_MODES="datagram connected", BENCH_MCAST="1 100 1000",
#   BENCH_NEIGH="1 100 1000", BENCH_RN=1 (0: no vendor path rows),
#   BENCH_MQ=1 (0: no send queue rows), BENCH_MQ_TXQ=2,
#   BENCH_TESTS="tcp udp ping rr" and BENCH_RN_TESTS="tcp udp ping" (the
#   runs to make per mode and on the vendor path: a subset of the rows),
#   BENCH_TCG=multi (one host thread per vCPU, so that a's and b's work
#   runs in parallel as on two machines; single: the vCPUs take turns on
#   one host thread, and every row then measures the sum of both sides)
#
# bench.sh --report bench-results/bench-STAMP.txt: the .samples, .json and
# chart again from a kept output (no guest).
set -uo pipefail

proj=$(cd "$(dirname "$0")/.." && pwd)
report_only=
if [ "${1:-}" = --report ]; then
	report_only=$(realpath "${2:?--report needs a bench-STAMP.txt}") || exit 1
fi
cd "$proj" || exit 1

# bench_run: the modules and helpers built, one guest; its output in
# $base.txt, its status in rc, its settings in meta (JSON fields).
bench_run()
{
	local modev mcastv neighv tmo quick rounds secs pings modes mcast neigh rn mq tcg

	tcg=${BENCH_TCG:-multi}
	case "$tcg" in
	single|multi) ;;
	*) echo "bench: BENCH_TCG must be single or multi, not '$tcg'" >&2; exit 2 ;;
	esac
	./scripts/deps.sh || exit 1
	make -s --no-print-directory || exit 1
	quick=${QUICK:-${BENCH_QUICK:-0}}
	[ "$quick" = 1 ] || quick=0
	if [ "$quick" = 1 ]; then
		rounds=${BENCH_ROUNDS:-1} secs=${BENCH_SECS:-2} pings=${BENCH_PINGS:-200}
		modes=${BENCH_MODES:-datagram}
	else
		rounds=${BENCH_ROUNDS:-7} secs=${BENCH_SECS:-5} pings=${BENCH_PINGS:-1000}
		modes=${BENCH_MODES:-datagram connected}
	fi
	mcast=${BENCH_MCAST-1 100 1000}
	neigh=${BENCH_NEIGH-1 100 1000}
	rn=${BENCH_RN:-1}
	[ "$rn" = 1 ] || rn=0
	mq=${BENCH_MQ:-1}
	[ "$mq" = 1 ] || mq=0
	read -ra modev <<<"$modes"
	read -ra mcastv <<<"$mcast"
	read -ra neighv <<<"$neigh"
	# Per round: the fabric benchmark, then per driver a load, per mode six
	# timed runs (iperf3, tcp_rr) and the pings, the multicast joins and runs,
	# the neighbours' warm-up and runs; with several send queues, two timed
	# runs; with the vendor path, a second load and three timed runs and the
	# pings.
	tmo=$((rounds * (60 + 2 * (120 + ${#modev[@]} * (6 * (secs + 20) + pings / 50 + 30) +
		${#mcastv[@]} * (secs + 90) + ${#neighv[@]} * (secs + 70) +
		mq * (2 * (secs + 20) + 40) +
		rn * (120 + 3 * (secs + 20) + pings / 50 + 30))) + 300))
	selftests/vm/run-guest --timeout "$tmo" --tcg-thread "$tcg" --env BENCH_QUICK="$quick" \
		--env BENCH_ROUNDS="$rounds" --env BENCH_SECS="$secs" \
		--env BENCH_PINGS="$pings" --env BENCH_MODES="$modes" \
		--env BENCH_MCAST="$mcast" --env BENCH_NEIGH="$neigh" --env BENCH_RN="$rn" \
		--env BENCH_MQ="$mq" --env BENCH_MQ_TXQ="${BENCH_MQ_TXQ:-2}" \
		--env BENCH_TESTS="${BENCH_TESTS-tcp udp ping rr}" \
		--env BENCH_RN_TESTS="${BENCH_RN_TESTS-tcp udp ping}" \
		-- selftests/bench/run.sh | tee "$base.txt"
	rc=${PIPESTATUS[0]}
	meta+=" \"quick\": $quick, \"rounds\": $rounds, \"secs\": $secs, \"pings\": $pings,"
	meta+=" \"modes\": \"$modes\", \"mcast_groups\": \"$mcast\", \"neighbours\": \"$neigh\", \"vendor_path\": $rn,"
	meta+=" \"send_queues\": $([ "$mq" = 1 ] && echo "${BENCH_MQ_TXQ:-2}" || echo 1),"
	meta+=" \"tcg_thread\": \"$tcg\", \"guest_status\": $rc,"
}

# The chart: per compared row two bars, the reference (1 by definition) and
# ours (the ratio of the medians), each with its driver's min-max divided
# by the reference's median as error bars.
chart()
{
	local nrows width

	nrows=$(wc -l <"$base.dat")
	[ "$nrows" -gt 0 ] || { echo "bench: no row has figures for both drivers: no chart"; return 1; }
	width=$((nrows * 36 + 240))
	[ "$width" -ge 900 ] || width=900
	gnuplot <<EOF
set terminal pngcairo size $width,760 font "sans,10"
set output "$base.png"
set title "make bench $stamp ($commit, $rounds round(s)): ours / reference per row, medians\n(error bars: each driver's min-max over the reference's median; orange, rows marked (lower): lower is better)"
set style fill solid 0.75 border -1
set xtics rotate by 60 right nomirror
set ytics nomirror
set grid ytics
set key top left
set xrange [-0.7:$nrows - 0.3]
set yrange [0:*]
set ylabel "ratio to the reference's median"
set bmargin 14
plot "$base.dat" using (\$1 - 0.19):(1):6:7:(0.36):xtic(2) with boxerrorbars lc rgb "#a0a0a0" title "reference", \\
     "" using (\$1 + 0.19):3:4:5:(0.36):(\$8 > 0 ? 0xd9822b : 0x2c6fbb) with boxerrorbars lc rgb variable notitle, \\
     NaN with boxes lc rgb "#2c6fbb" title "ours (higher is better)", \\
     NaN with boxes lc rgb "#d9822b" title "ours (lower is better)", \\
     1 with lines dt 2 lc rgb "black" notitle
EOF
}
mkdir -p bench-results
rc=0 meta=
if [ -n "$report_only" ]; then
	base=${report_only%.txt}
	stamp=${base##*/bench-}
	commit=unknown
	rounds=$(awk '$1 == "sample" && $4 > n { n = $4 } END { print n + 0 }' "$base.txt")
else
	stamp=$(date +%Y%m%d-%H%M%S)
	base=bench-results/bench-$stamp
	commit=$(git rev-parse --short HEAD 2>/dev/null)
	[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit+=-dirty
	bench_run
	rounds=${BENCH_ROUNDS:-}
	[ -n "$rounds" ] || rounds=$(awk '$1 == "sample" && $4 > n { n = $4 } END { print n + 0 }' "$base.txt")
fi
grep -E '^(unit|ceiling|sample|notmeasured) ' "$base.txt" >"$base.samples"
meta+=" \"date\": \"$stamp\", \"commit\": \"$commit\","
meta+=" \"kernel\": \"$(make -s --no-print-directory print-stock-krel)\""
awk -v fmt=json -v meta="${meta# }" -f selftests/bench/summary.awk "$base.samples" >"$base.json"
awk -v fmt=dat -f selftests/bench/summary.awk "$base.samples" >"$base.dat"
if ! command -v gnuplot >/dev/null; then
	echo "bench: gnuplot is not installed (make deps): no chart"
elif chart && [ -z "$report_only" ]; then
	ln -sfn "$(basename "$base.png")" bench-results/latest.png
fi
if [ -z "$report_only" ]; then
	for ext in txt samples json; do
		ln -sfn "$(basename "$base.$ext")" "bench-results/latest.$ext"
	done
fi
echo "bench: results in $base.{txt,samples,json$([ -f "$base.png" ] && echo ,png)}"
exit "$rc"
