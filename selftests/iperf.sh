#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iperf3 TCP and UDP in both directions over IPoIB datagram mode.  The
# measured rates are printed as "# iperf3 <proto> <dir>: X Mbit/s" so that
# runs with IPOIB=ours and IPOIB=reference can be compared.
#
#   ns a                                      ns b
#   +-----------------------+                 +-----------------------+
#   | $IB_A  192.0.2.1/24   |                 | $IB_B  192.0.2.2/24   |
#   |   iperf3 -c           |                 |   iperf3 -s -1        |
#   +----------+------------+                 +-----------+-----------+
#              | softib0 port 1                           | softib1 port 1
#              +=============== softib fabric ============+
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ib_lib.sh"

require_cmd iperf3 ss

IPERF_TIME=${IPERF_TIME:-3}
UDP_RATE=${UDP_RATE:-2M}
# A TCG guest on a loaded host loses datagrams in iperf3 itself (the
# server falls behind); the limit catches a broken path, not jitter.
UDP_MAX_LOSS=${UDP_MAX_LOSS:-20}

OUT=$(mktemp)
defer rm -f "$OUT"

# rate_check NAME: print the rate of the last run and require it non-zero.
rate_check()
{
	local rate

	rate=$(iperf3_rate "$OUT")
	log_info "iperf3 $1: ${rate:-0} Mbit/s"
	awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'
	check_err $? "iperf3 $1 measured no throughput ('${rate:-none}')"
}

test_tcp()
{
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -t "$IPERF_TIME"
	check_err $? "iperf3 TCP a->b failed: $(tail -n 3 "$OUT")"
	rate_check "tcp a->b"
	log_test "iperf3 TCP a->b"

	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -t "$IPERF_TIME" -R
	check_err $? "iperf3 TCP b->a failed: $(tail -n 3 "$OUT")"
	rate_check "tcp b->a"
	log_test "iperf3 TCP b->a"

	iperf3_run "$NS_A" "$NS_B" "$IP6_B" "$OUT" -t "$IPERF_TIME"
	check_err $? "iperf3 TCP/IPv6 a->b failed: $(tail -n 3 "$OUT")"
	rate_check "tcp6 a->b"
	log_test "iperf3 TCP over IPv6 a->b"
}

udp_loss_check()
{
	local loss

	loss=$(iperf3_udp_loss "$OUT")
	log_info "iperf3 $1 lost ${loss:-?}%"
	[ -n "$loss" ] && awk -v l="$loss" -v m="$UDP_MAX_LOSS" 'BEGIN { exit !(l <= m) }'
	check_err $? "iperf3 $1 lost ${loss:-?}% (limit $UDP_MAX_LOSS%)"
}

test_udp()
{
	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -u -b "$UDP_RATE" -t "$IPERF_TIME"
	check_err $? "iperf3 UDP a->b failed: $(tail -n 3 "$OUT")"
	rate_check "udp a->b"
	udp_loss_check "udp a->b"
	log_test "iperf3 UDP a->b at $UDP_RATE"

	iperf3_run "$NS_A" "$NS_B" "$IP4_B" "$OUT" -u -b "$UDP_RATE" -t "$IPERF_TIME" -R
	check_err $? "iperf3 UDP b->a failed: $(tail -n 3 "$OUT")"
	rate_check "udp b->a"
	udp_loss_check "udp b->a"
	log_test "iperf3 UDP b->a at $UDP_RATE"
}

ib_pair_setup
test_tcp
test_udp
