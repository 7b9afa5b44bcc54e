#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: `make bench`.  Builds the modules for the stock kernel and runs
# selftests/bench/tcp.sh in one stock-kernel guest: iperf3 TCP of ours and
# of the distribution's ib_ipoib, alternating round by round over the same
# softib fabric, in datagram and connected mode.  The table (medians,
# spread, ratio ours/reference) and the raw samples are kept under
# bench-results/ (not tracked by git).  Measure on an otherwise idle host:
# the guest runs under TCG and shares the host's cores with anything else.
#
#   BENCH_ROUNDS=N (default 7), BENCH_SECS=S (default 5),
#   BENCH_MODES="datagram connected"
set -uo pipefail

proj=$(cd "$(dirname "$0")/.." && pwd)
cd "$proj" || exit 1
./scripts/deps.sh || exit 1
make -s --no-print-directory || exit 1
mkdir -p bench-results
stamp=$(date +%Y%m%d-%H%M%S)
out=bench-results/tcp-$stamp.txt
rounds=${BENCH_ROUNDS:-7}
secs=${BENCH_SECS:-5}
# per round and driver: two loads, 2 modes x 2 directions of iperf3
tmo=$((rounds * 2 * (120 + 4 * (secs + 15)) + 300))
selftests/vm/run-guest --timeout "$tmo" --env BENCH_ROUNDS="$rounds" \
	--env BENCH_SECS="$secs" \
	--env BENCH_MODES="${BENCH_MODES:-datagram connected}" \
	-- selftests/bench/tcp.sh | tee "$out"
rc=${PIPESTATUS[0]}
echo "bench: results in $out"
exit "$rc"
