#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# softib's raw fabric benchmark (debugfs fabric/bench): a run must finish
# and report figures; they are printed as KTAP diagnostics for comparison
# between runs.  No IPoIB involved.
#
#   softib0 port 1 ==== softib fabric ==== softib1 port 1
#        (in-kernel QPs driven by the benchmark)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

BENCH=$SIB_DBG/fabric/bench

load_softib
require_sib_knob "$BENCH"
if grep -q 'not implemented' "$BENCH"; then
	skip_all "softib's benchmark is not implemented yet"
fi

start=$SECONDS
sib_write "$BENCH" run
check_err $? "writing 'run' to $BENCH failed"
out=$(cat "$BENCH")
log_info "benchmark took $((SECONDS - start)) s"
while IFS= read -r line; do
	log_info "softib bench: $line"
done <<<"$out"
echo "$out" | grep -Eq '[0-9]'
check_err $? "the benchmark reported no figures: $out"
echo "$out" | grep -qiE 'fail|error'
check_fail $? "the benchmark reported a failure: $out"
# RC is reliable: no message may be lost (UD may drop under pressure).
echo "$out" | awk '$1 == "rc" { for (i = 1; i < NF; i++) if ($i == "lost" && $(i + 1) != 0) bad = 1 } END { exit bad }'
(($? == 0)) || check_err 1 "the RC benchmark lost messages: $(echo "$out" | grep '^rc')"
log_test "softib raw fabric benchmark"
